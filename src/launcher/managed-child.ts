// A child process the launcher owns: its own process group, its output forwarded line by line under a name, and a
// stop that escalates from SIGTERM to SIGKILL.
import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import type { Writable } from 'node:stream';

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all. */
  error?: Error;
}

export interface ChildOptions {
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** Width to pad the `[name]` prefix to, so the forwarded lines of several children line up. */
  labelWidth?: number;
  stdout?: Writable;
  stderr?: Writable;
}

export function describeExit(exit: ChildExit): string {
  if (exit.error) return `could not start: ${exit.error.message}`;
  return exit.signal ? `killed by ${exit.signal}` : `exited with code ${exit.code}`;
}

export class ManagedChild {
  readonly process: ChildProcess;
  /** Resolves once the process has exited and its output has been forwarded to the end. */
  readonly exited: Promise<ChildExit>;
  private exit: ChildExit | undefined;

  constructor(
    readonly name: string,
    command: string,
    args: string[],
    options: ChildOptions,
  ) {
    // A process group of its own: Ctrl-C in a terminal reaches the launcher only, which then stops the children in
    // order (workers before the Redis they hand their jobs back to).
    this.process = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const label = `[${name}]`.padEnd((options.labelWidth ?? 0) + 2);
    forward(this.process.stdout!, options.stdout ?? process.stdout, label);
    forward(this.process.stderr!, options.stderr ?? process.stderr, label);
    this.exited = new Promise((resolve) => {
      this.process.on('error', (error) => {
        // Only a failed spawn leaves no pid; other errors (a failed kill) are followed by 'close' as usual.
        if (this.process.pid === undefined) resolve((this.exit = { code: null, signal: null, error }));
      });
      this.process.once('close', (code, signal) => resolve((this.exit = { code, signal })));
    });
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  get running(): boolean {
    return this.exit === undefined && this.process.pid !== undefined;
  }

  /** SIGTERM, then SIGKILL to the whole group when it has not exited after `graceMs`. */
  async stop(graceMs: number, onEscalate?: () => void): Promise<ChildExit> {
    if (!this.running) return this.exited;
    this.signal('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), graceMs)));
    const first = await Promise.race([this.exited, timedOut]);
    clearTimeout(timer);
    if (first !== 'timeout') return first;
    onEscalate?.();
    this.killGroup();
    return this.exited;
  }

  /** Sends `signal` to the process itself (its own handlers decide what follows). */
  signal(signal: NodeJS.Signals): void {
    if (this.running) this.process.kill(signal);
  }

  /** SIGKILL to the process group: the child and anything it forked. Synchronous, for last-resort cleanup too. */
  killGroup(): void {
    if (!this.running) return;
    try {
      process.kill(-this.process.pid!, 'SIGKILL');
    } catch {
      this.process.kill('SIGKILL');
    }
  }
}

function forward(from: NodeJS.ReadableStream, to: Writable, label: string): void {
  readline.createInterface({ input: from, crlfDelay: Infinity }).on('line', (line) => to.write(`${label} ${line}\n`));
}
