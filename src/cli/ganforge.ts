#!/usr/bin/env node
// `ganforge`: the command-line client of the job API (submit, list, status, watch, compare, samples, checkpoint, generate, cancel, resume, delete, keys, datasets) and `train`.
import { ApiClient } from './client/api-client.js';
import { checkpoint } from './client/checkpoint-download.js';
import { CLIENT_USAGE, parseClientArgs, type Command } from './client/client-args.js';
import { cancel, generate, keysCreate, keysList, keysRevoke, list, remove, resume, samples, status, submit } from './client/commands.js';
import { watchJob } from './client/watch-job.js';
import { compare } from './client/compare-command.js';
import { datasetsDelete, datasetsList, datasetsShow } from './client/datasets-commands.js';
import { datasetsUpload } from './client/dataset-upload.js';
import { reportFailure } from './cli-failure.js';

const PROG = 'ganforge';

async function main(argv: string[]): Promise<number> {
  const { api: base, token, command } = parseClientArgs(argv);
  const api = new ApiClient(base, token);
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
    case 'compare':
      return compare(api, command);
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
    case 'keys-create':
      return keysCreate(api, command);
    case 'keys-list':
      return keysList(api, command);
    case 'keys-revoke':
      return keysRevoke(api, command);
    case 'datasets-upload':
      return datasetsUpload(api, command, { bar: process.stderr.isTTY === true });
    case 'datasets-list':
      return datasetsList(api, command);
    case 'datasets-show':
      return datasetsShow(api, command);
    case 'datasets-delete':
      return datasetsDelete(api, command);
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
      process.exitCode = reportFailure(PROG, err, `Run ${PROG} --help for usage.`);
    },
  );
}
