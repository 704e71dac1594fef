// What `ganforge datasets upload` shows on stderr: a bar for the bytes sent, then one for the images processed, on a
// terminal; otherwise a line each time another tenth is done (`upload 40% 2.0 MiB of 5.0 MiB`), for logs and scripts.
import { createTerminalBar, type TerminalBar } from '../terminal-bar.js';

export interface PhaseDisplay {
  /** `done` of `total`; a total of null is not known yet (a worker has not read the archive). */
  update(done: number, total: number | null): void;
  /** Removes the bar; idempotent. */
  stop(): void;
}

export type Phase = 'upload' | 'processing';

export function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

/** "2.0 MiB of 5.0 MiB" or "40/100 images". */
const amount = (phase: Phase, done: number, total: number) =>
  phase === 'upload' ? `${fmtBytes(done)} of ${fmtBytes(total)}` : `${done}/${total} images`;

export function createPhaseDisplay(phase: Phase, opts: { bar: boolean }): PhaseDisplay {
  return opts.bar ? barDisplay(phase) : lineDisplay(phase);
}

function barDisplay(phase: Phase): PhaseDisplay {
  let bar: TerminalBar | undefined;
  let stopped = false;
  return {
    update(done, total) {
      if (stopped || total === null) return;
      // A directory's tar size is an estimate: the bar never shows more than 100%.
      total = Math.max(total, done, 1);
      bar ??= createTerminalBar({
        format: `${phase.padEnd(10)} [{bar}] {percentage}% | {amount} | ETA {eta_formatted}`,
        total,
        start: 0,
        payload: { amount: '' },
      });
      bar.update(done, { amount: amount(phase, done, total) }, total);
    },
    stop() {
      stopped = true;
      bar?.stop();
    },
  };
}

function lineDisplay(phase: Phase): PhaseDisplay {
  const print = (text: string) => void process.stderr.write(`${text}\n`);
  let lastDecile = -1;
  let waiting = false;
  return {
    update(done, total) {
      if (total === null) {
        if (!waiting) print(`${phase} waiting for a worker`);
        waiting = true;
        return;
      }
      total = Math.max(total, done);
      const decile = total === 0 ? 10 : Math.floor((done / total) * 10);
      if (decile <= lastDecile) return;
      lastDecile = decile;
      print(`${phase} ${decile * 10}% ${amount(phase, done, total)}`);
    },
    stop: () => undefined,
  };
}
