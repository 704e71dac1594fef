// The trainer's console output: log lines on stdout, plus a progress bar with it/s and ETA when stderr is a terminal.
import { createTerminalBar } from './terminal-bar.js';

export interface ProgressDisplay {
  /** Reports that `iteration` is done. */
  tick(iteration: number): void;
  /** Prints one line without garbling the bar. */
  log(line: string): void;
  /** Removes the bar; later log lines go straight to stdout. */
  stop(): void;
}

export interface ProgressOptions {
  /** The iteration training starts from (0, or the resumed checkpoint's). */
  start: number;
  total: number;
  /** Show the bar; normally process.stderr.isTTY. */
  bar: boolean;
}

export function createProgressDisplay(opts: ProgressOptions): ProgressDisplay {
  if (!opts.bar) {
    return { tick: () => undefined, log: (line) => void process.stdout.write(`${line}\n`), stop: () => undefined };
  }
  const bar = createTerminalBar({
    format: 'training [{bar}] {value}/{total} | {speed} it/s | ETA {eta_formatted}',
    total: opts.total,
    start: opts.start,
    payload: { speed: '-' },
  });
  const startedAt = performance.now();
  return {
    tick(i) {
      const seconds = (performance.now() - startedAt) / 1000;
      if (seconds > 0) bar.update(i, { speed: ((i - opts.start) / seconds).toFixed(1) });
    },
    log: bar.log,
    stop: bar.stop,
  };
}
