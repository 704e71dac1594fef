// Runs the `ganforge` client as a user would (a child process) and collects its exit code and output.
import { spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `env` is the child's whole environment (pass `{ ...process.env, ... }` to inherit); `onStdout` sees stdout as it grows. */
export function runGanforge(args: string[], env: NodeJS.ProcessEnv, onStdout?: (all: string) => void): Promise<CliRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/ganforge.ts', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    onStdout?.(stdout);
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}
