// One progress bar on stderr that log lines can be printed above: shared by `npm run train` and `ganforge watch`.
import cliProgress from 'cli-progress';

export interface TerminalBar {
  update(value: number, payload: Record<string, string>, total?: number): void;
  /** Prints one line on stdout without garbling the bar. */
  log(line: string): void;
  /** Removes the bar (and gives the cursor back); later lines go straight to stdout. Idempotent. */
  stop(): void;
}

/** `format` uses cli-progress placeholders ({bar}, {value}, {total}, {eta_formatted}) and the payload's keys. */
export function createTerminalBar(opts: { format: string; total: number; start: number; payload: Record<string, string> }): TerminalBar {
  const print = (line: string) => void process.stdout.write(`${line}\n`);
  // A MultiBar (with one bar) because it can print lines above the bar and redraw it; SingleBar cannot.
  const multi = new cliProgress.MultiBar(
    {
      stream: process.stderr,
      format: opts.format,
      barsize: 30,
      etaBuffer: 100,
      hideCursor: true,
      clearOnComplete: true,
      gracefulExit: false,
    },
    cliProgress.Presets.shades_classic,
  );
  const bar = multi.create(opts.total, opts.start, opts.payload);
  let active = true;
  return {
    update(value, payload, total) {
      if (!active) return;
      if (total !== undefined) bar.setTotal(total);
      bar.update(value, payload);
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
