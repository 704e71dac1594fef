// Starts the real API and worker processes for integration tests, with logs kept for failure messages.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface Proc {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  /** Resolves when a line of output matches. */
  waitFor: (re: RegExp, timeoutMs?: number) => Promise<string>;
}

/**
 * Sample-quality scoring is off unless a test (or the environment the tests run in) turns it on with
 * GANFORGE_QUALITY_SAMPLES: otherwise every worker test would train a classifier beside its job.
 * `GANFORGE_QUALITY_SAMPLES=200 GANFORGE_QUALITY_EPOCHS=1 node --import tsx --test test/worker/faults.test.ts` runs the
 * kill/resume bit-identity tests with scoring at every checkpoint.
 */
export function startProcess(entry: string, env: Record<string, string>): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, entry)], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', GANFORGE_QUALITY_SAMPLES: process.env.GANFORGE_QUALITY_SAMPLES ?? '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const waiters: { re: RegExp; resolve: (s: string) => void }[] = [];
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const w of [...waiters]) {
      const m = out.match(w.re);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m[0]);
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    exited,
    waitFor: (re, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const m = out.match(re);
        if (m) return resolve(m[0]);
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re} in:\n${out.slice(-3000)}`)), timeoutMs);
        waiters.push({ re, resolve: (s) => (clearTimeout(timer), resolve(s)) });
      }),
  };
}

export async function stopProcess(p: Proc, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return p.child.exitCode;
  p.child.kill(signal);
  return p.exited;
}

export async function waitUntil<T>(fn: () => Promise<T | undefined | null | false>, timeoutMs = 60_000, what = 'condition'): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}


/** The launcher's own: a port nobody listens on at this moment. */
export { freePort } from '../../src/launcher/free-port.js';
