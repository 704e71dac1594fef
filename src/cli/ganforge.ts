#!/usr/bin/env node
// `ganforge`: the command-line client of the job API (submit, list, status, watch, samples, checkpoint, generate, cancel, resume, delete) and `train`.
import { ApiClient, ApiError, ConnectionError } from './client/api-client.js';
import { CheckpointDownloadError, checkpoint } from './client/checkpoint-download.js';
import { CLIENT_USAGE, parseClientArgs, type Command } from './client/client-args.js';
import { cancel, generate, list, remove, resume, samples, status, submit } from './client/commands.js';
import { watchJob } from './client/watch-job.js';
import { UsageError } from './train-args.js';

const PROG = 'ganforge';

async function main(argv: string[]): Promise<number> {
  const { api: base, command } = parseClientArgs(argv);
  const api = new ApiClient(base);
  return run(api, command);
}

function run(api: ApiClient, command: Command): Promise<number> {
  switch (command.name) {
    case 'help':
      process.stdout.write(CLIENT_USAGE);
      return Promise.resolve(0);
    case 'submit':
      return submit(api, command);
    case 'list':
      return list(api, command);
    case 'status':
      return status(api, command);
    case 'watch':
      return watchJob(api, command.id, { bar: process.stderr.isTTY === true });
    case 'samples':
      return samples(api, command);
    case 'checkpoint':
      return checkpoint(api, command);
    case 'generate':
      return generate(api, command);
    case 'cancel':
      return cancel(api, command);
    case 'resume':
      return resume(api, command);
    case 'delete':
      return remove(api, command);
  }
}

const argv = process.argv.slice(2);
if (argv[0] === 'train') {
  // The local trainer reads process.argv itself and sets the exit code.
  process.argv.splice(2, 1);
  await import('./train.js');
} else {
  main(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      if (err instanceof UsageError) {
        process.stderr.write(`${PROG}: ${err.message}. Run ${PROG} --help for usage.\n`);
        process.exitCode = 2;
      } else if (err instanceof ApiError || err instanceof ConnectionError || err instanceof CheckpointDownloadError) {
        process.stderr.write(`${PROG}: ${err.message}\n`);
        process.exitCode = 1;
      } else if (err instanceof Error && 'code' in err && typeof err.code === 'string' && /^E[A-Z]+$/.test(err.code)) {
        // File-system errors (samples and checkpoint --out) already name the operation and the path.
        process.stderr.write(`${PROG}: ${err.message}\n`);
        process.exitCode = 1;
      } else {
        process.stderr.write(`${PROG}: unexpected error\n${String((err as Error)?.stack ?? err)}\n`);
        process.exitCode = 1;
      }
    },
  );
}
