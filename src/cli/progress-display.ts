// The trainer's console output: log lines on stdout, plus a progress bar with it/s and ETA when stderr is a terminal.
import cliProgress from 'cli-progress';

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
  const print = (line: string) => void process.stdout.write(`${line}\n`);

  if (!opts.bar) {
    return { tick: () => undefined, log: print, stop: () => undefined };
  }

  // A MultiBar (with one bar) because it can print lines above the bar and redraw it; SingleBar cannot.
  const multi = new cliProgress.MultiBar(
    {
      stream: process.stderr,
      format: 'training [{bar}] {value}/{total} | {speed} it/s | ETA {eta_formatted}',
      barsize: 30,
      etaBuffer: 100,
      hideCursor: true,
      clearOnComplete: true,
      gracefulExit: false,
    },
    cliProgress.Presets.shades_classic,
  );
  const bar = multi.create(opts.total, opts.start, { speed: '-' });
  const startedAt = performance.now();
  let active = true;
  return {
    tick(i) {
      const seconds = (performance.now() - startedAt) / 1000;
      if (active && seconds > 0) bar.update(i, { speed: ((i - opts.start) / seconds).toFixed(1) });
    },
    log(line) {
      // When stdout is not the terminal the bar is on (e.g. redirected to a file), the two cannot collide.
      if (active && process.stdout.isTTY) multi.log(`${line}\n`);
      else print(line);
    },
    stop() {
      if (!active) return;
      active = false;
      multi.update(); // stop() alone would drop lines still waiting in the log buffer
      multi.stop();
    },
  };
}
