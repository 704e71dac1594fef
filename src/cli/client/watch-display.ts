// What `ganforge watch` shows while a job runs: a progress bar on a terminal, or a line per 10% when piped.
import cliProgress from 'cli-progress';
import type { JobResource } from './job-types.js';
import { fmtDuration, fmtLosses, fmtProgress, fmtRate } from './job-format.js';

export interface WatchDisplay {
  progress(progress: JobResource['progress'], latest: JobResource['latest']): void;
  /** Prints one line on stdout without garbling the bar. */
  line(text: string): void;
  /** Removes the bar (and gives the cursor back). */
  stop(): void;
}

export function createWatchDisplay(opts: { bar: boolean; total: number; start: number }): WatchDisplay {
  const print = (text: string) => void process.stdout.write(`${text}\n`);
  return opts.bar ? barDisplay(opts, print) : lineDisplay(opts, print);
}

function barDisplay(opts: { total: number; start: number }, print: (text: string) => void): WatchDisplay {
  // A MultiBar (with one bar) because it can print lines above the bar and redraw it; SingleBar cannot.
  const multi = new cliProgress.MultiBar(
    {
      stream: process.stderr,
      format: '[{bar}] {value}/{total} | {speed} it/s | ETA {etaText} | {losses}',
      barsize: 30,
      hideCursor: true,
      clearOnComplete: true,
      gracefulExit: false,
    },
    cliProgress.Presets.shades_classic,
  );
  const bar = multi.create(opts.total, opts.start, { speed: '-', etaText: '-', losses: '-' });
  let active = true;
  return {
    progress(p, latest) {
      if (!active) return;
      bar.setTotal(p.iterations);
      bar.update(p.iteration, { speed: fmtRate(p.itPerSec), etaText: fmtDuration(p.etaSeconds), losses: fmtLosses(latest) });
    },
    line(text) {
      // When stdout is not the terminal the bar is on (redirected to a file), the two cannot collide.
      if (active && process.stdout.isTTY) multi.log(`${text}\n`);
      else print(text);
    },
    stop() {
      if (!active) return;
      active = false;
      multi.update(); // stop() alone would drop lines still waiting in the log buffer
      multi.stop();
    },
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
