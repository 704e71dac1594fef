// What `ganforge watch` shows while a job runs: a progress bar on a terminal, or a line per 10% when piped.
import { createTerminalBar } from '../terminal-bar.js';
import type { JobResource } from './job-types.js';
import { fmtDuration, fmtLosses, fmtProgress, fmtRate, type Losses } from './job-format.js';

export interface WatchDisplay {
  progress(progress: JobResource['progress'], latest: Losses | null): void;
  /** Prints one line on stdout without garbling the bar. */
  line(text: string): void;
  /** Removes the bar (and gives the cursor back). */
  stop(): void;
}

export function createWatchDisplay(opts: { bar: boolean; total: number; start: number }): WatchDisplay {
  const print = (text: string) => void process.stdout.write(`${text}\n`);
  return opts.bar ? barDisplay(opts) : lineDisplay(opts, print);
}

function barDisplay(opts: { total: number; start: number }): WatchDisplay {
  const bar = createTerminalBar({
    format: '[{bar}] {value}/{total} | {speed} it/s | ETA {etaText} | {losses}',
    total: opts.total,
    start: opts.start,
    payload: { speed: '-', etaText: '-', losses: '-' },
  });
  return {
    progress(p, latest) {
      bar.update(p.iteration, { speed: fmtRate(p.itPerSec), etaText: fmtDuration(p.etaSeconds), losses: fmtLosses(latest) }, p.iterations);
    },
    line: bar.log,
    stop: bar.stop,
  };
}

function lineDisplay(opts: { total: number; start: number }, print: (text: string) => void): WatchDisplay {
  // A line each time another tenth of the job is done, counted from where the watch began.
  let lastDecile = opts.start > 0 ? Math.floor((opts.start / opts.total) * 10) : -1;
  return {
    progress(p, latest) {
      const decile = Math.floor((p.iteration / p.iterations) * 10);
      if (decile <= lastDecile) return;
      lastDecile = decile;
      print(`progress   ${fmtProgress(p)} | ${fmtRate(p.itPerSec)} it/s | ETA ${fmtDuration(p.etaSeconds)} | ${fmtLosses(latest)}`);
    },
    line: print,
    stop: () => undefined,
  };
}
