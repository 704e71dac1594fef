// How both CLIs end on a failure: a bad command line or environment exits 2; an expected failure (any error on the
// error base, or Node's file-system errors, which name the operation and the path) is one line and exit 1; a bug
// keeps its stack trace.
import { ConfigError } from '../config/env.js';
import { AppError, isAppError } from '../errors.js';
import { UsageError } from './train-args.js';

/** An expected failure a CLI detects itself (a run directory that already holds a checkpoint, ...): one line, exit 1. */
export class CliError extends AppError {
  readonly code = 'CLI';
  readonly status = 400;
  readonly retry = 'permanent';
}

/** The one-line message of a failure a user can cause and fix; undefined for a bug. */
export function expectedFailure(err: unknown): string | undefined {
  if (isAppError(err)) return err.message.split('\n')[0];
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (err instanceof Error && typeof code === 'string' && /^E[A-Z]+$/.test(code)) return err.message.split('\n')[0];
  return undefined;
}

/** Writes what went wrong to stderr and returns the exit code. */
export function reportFailure(prog: string, err: unknown, usageHint: string): number {
  const write = (text: string) => void process.stderr.write(`${prog}: ${text}\n`);
  if (err instanceof UsageError) {
    write(`${err.message}. ${usageHint}`);
    return 2;
  }
  if (err instanceof ConfigError) {
    write(err.message);
    return 2;
  }
  const message = expectedFailure(err);
  write(message ?? `unexpected error\n${String((err as Error)?.stack ?? err)}`);
  return 1;
}
