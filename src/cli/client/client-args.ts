// Parses the `ganforge` client's command line: a command, its job id or flags, and the API address.
import { parseArgs } from 'node:util';
import { loadClientEnv, type ClientEnv } from '../../config/env.js';
import { z } from 'zod';
import { JOB_STATUSES, jobIdSchema, jobSpecSchema, type JobStatus } from '../../contract/job.js';
import { UsageError } from '../train-args.js';
import { describeParseArgsError, isNumberText } from '../flags.js';
import { flagOf } from '../../contract/run-directory.js';
import { MODEL_NAMES } from '../../gan/train-config.js';

export const DEFAULT_API = 'http://127.0.0.1:3000';

export type Command =
  | { name: 'help' }
  | { name: 'submit'; spec: Record<string, unknown> }
  | { name: 'list'; status: JobStatus | undefined; limit: number; json: boolean }
  | { name: 'status'; id: string; json: boolean }
  | { name: 'watch'; id: string }
  | { name: 'compare'; ids: string[]; json: boolean }
  | { name: 'samples'; id: string; out: string }
  | { name: 'checkpoint'; id: string; iteration: number | undefined; out: string }
  | { name: 'generate'; id: string; out: string; query: Record<string, string> }
  | { name: 'cancel'; id: string }
  | { name: 'resume'; id: string; iterations: number | undefined }
  | { name: 'delete'; id: string }
  | { name: 'keys-create'; project: string; role: 'admin' | 'member'; keyName: string | undefined }
  | { name: 'keys-list'; json: boolean }
  | { name: 'keys-revoke'; id: string }
  | { name: 'datasets-upload'; path: string; datasetName: string; size: number; channels: number; json: boolean }
  | { name: 'datasets-list'; json: boolean }
  | { name: 'datasets-show'; id: string; json: boolean }
  | { name: 'datasets-delete'; id: string };

export interface ClientArgs {
  api: URL;
  /** --token, else GANFORGE_TOKEN: the API key sent with every request. */
  token: string | undefined;
  command: Command;
}

type FieldSchema = { type?: string; enum?: string[] };
/** Every field any model's job spec has (the union's members merged, gan's first), `model` listing the models. */
const specFields: Record<string, FieldSchema> = {};
for (const option of jobSpecSchema.options) {
  for (const [key, field] of Object.entries(z.toJSONSchema(option, { io: 'input' }).properties ?? {})) specFields[key] ??= field as FieldSchema;
}
specFields.model = { type: 'string', enum: [...MODEL_NAMES] };
/** --batch-size -> batchSize, for every field of the job spec: the flags follow the contract. */
const SPEC_FLAGS = Object.fromEntries(Object.keys(specFields).map((key) => [flagOf(key), key]));

export const CLIENT_USAGE = `Usage: ganforge [--api URL] COMMAND [options]

Commands:
  submit [flags]          create a training job; prints its id
  list                    jobs, newest first (--status S, --limit N, --json)
  status ID               one job's status, progress, losses and sample quality (--json)
  watch ID                follow a job live; exit 0 when it completes, 1 if it fails or is cancelled
  compare ID ID ...       2 to 8 jobs side by side: final losses (mean of the last 100 iterations), best FD and
                          its iteration, final IS, it/s, duration (--json)
  samples ID --out DIR    download every sample grid as PNG into DIR
  checkpoint ID --out DIR [--iteration N]
                          download the latest checkpoint (or the one at N) into DIR as a run directory of
                          \`npm run train\`; prints the \`npm run train -- --resume ...\` command that continues the job
  generate ID --out FILE [--label L] [--n N] [--seed S] [--iteration N]
                          a fresh PNG grid of N images (16) from the job's latest (or N's) generator; --label
                          picks the class of a conditional model (cgan); the same seed gives the same PNG
  cancel ID               cancel a queued or running job
  resume ID [--iterations N]
                          continue a failed, cancelled or completed job from its latest checkpoint, up to N
                          iterations in all (default: its own total; a completed job needs a larger N)
  delete ID               delete a finished job with its artifacts
  keys create --project P --role admin|member [--name N]
                          create an API key (needs an admin key); prints its token, shown only this once
  keys list               the API keys: id, project, role, name (--json)
  keys revoke ID          revoke an API key at once
  datasets upload PATH --name N [--size 28|32|64] [--channels 1|3] [--json]
                          upload a directory of images (one folder per class; packed on the fly) or a .zip, .tar,
                          .tar.gz (pictures, or IDX files); progress bars for the upload and the processing (a
                          line per 10% when not a terminal); prints its id (--json: the dataset), exit 1 if it failed
  datasets list           built-in and uploaded datasets (--json)
  datasets show ID        one dataset: status, shape, classes with counts, skipped files (--json)
  datasets delete ID      delete an uploaded dataset
  train --out DIR ...     train locally without the API (ganforge train --help)

Submit flags (all optional; the API fills in its defaults and checks the limits):
  ${Object.keys(SPEC_FLAGS)
    .map((flag) => `--${flag} ${describe(specFields[SPEC_FLAGS[flag]!]!)}`)
    .join('\n  ')}

The API address is --api URL, else GANFORGE_API, else ${DEFAULT_API}.
The API key is --token TOKEN, else GANFORGE_TOKEN (not needed by an API running open on loopback).
`;

function describe(field: FieldSchema): string {
  if (field.enum) return field.enum.join('|');
  return field.type === 'string' ? 'TEXT' : field.type === 'integer' ? 'N' : 'X';
}

const COMMANDS = ['submit', 'list', 'status', 'watch', 'compare', 'samples', 'checkpoint', 'generate', 'cancel', 'resume', 'delete', 'keys', 'datasets'] as const;
type CommandName = (typeof COMMANDS)[number];

const string = { type: 'string' } as const;
const flag = { type: 'boolean' } as const;
const COMMON = { api: string, token: string, help: { type: 'boolean', short: 'h' } } as const;
const OPTIONS = {
  submit: { ...COMMON, ...Object.fromEntries(Object.keys(SPEC_FLAGS).map((f) => [f, string])) },
  list: { ...COMMON, status: string, limit: string, json: flag },
  status: { ...COMMON, json: flag },
  watch: COMMON,
  compare: { ...COMMON, json: flag },
  samples: { ...COMMON, out: string },
  checkpoint: { ...COMMON, out: string, iteration: string },
  generate: { ...COMMON, out: string, label: string, n: string, seed: string, iteration: string },
  cancel: COMMON,
  resume: { ...COMMON, iterations: string },
  delete: COMMON,
  keys: { ...COMMON, project: string, role: string, name: string, json: flag },
  datasets: { ...COMMON, name: string, size: string, channels: string, json: flag },
} satisfies Record<CommandName, Record<string, { type: 'string' | 'boolean'; short?: string }>>;

/** Parses argv (without node and the script). Throws UsageError for anything that is not a valid command line. */
export function parseClientArgs(argv: string[], env: ClientEnv = loadClientEnv()): ClientArgs {
  const name = findCommand(argv);
  const help = argv.includes('--help') || argv.includes('-h') || name === 'help';
  if (name === undefined || help) {
    if (!help) throw new UsageError('missing command');
    return { api: new URL(DEFAULT_API), token: undefined, command: { name: 'help' } };
  }
  if (!(COMMANDS as readonly string[]).includes(name)) throw new UsageError(`unknown command ${JSON.stringify(name)}`);
  const command = name as CommandName;

  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = OPTIONS[command];
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  } catch (err) {
    throw new UsageError(describeParseArgsError(err));
  }
  const { values } = parsed;
  const positionals = parsed.positionals.filter((p, i) => !(i === 0 && p === command));
  const api = parseApi(values.api as string | undefined, env.GANFORGE_API);
  const token = parseToken(values.token as string | undefined, env.GANFORGE_TOKEN);
  return { api, token, command: parseCommand(command, values, positionals) };
}

function parseCommand(command: CommandName, values: Record<string, string | boolean | undefined>, positionals: string[]): Command {

  if (command === 'submit') {
    expectPositionals(command, positionals, 0);
    return { name: 'submit', spec: specFromFlags(values) };
  }
  if (command === 'list') {
    expectPositionals(command, positionals, 0);
    const status = values.status as string | undefined;
    if (status !== undefined && !(JOB_STATUSES as readonly string[]).includes(status)) {
      throw new UsageError(`--status: must be one of ${JOB_STATUSES.join(', ')}, got ${JSON.stringify(status)}`);
    }
    const limit = values.limit === undefined ? 20 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      throw new UsageError(`--limit: must be an integer between 1 and 100, got ${JSON.stringify(values.limit)}`);
    }
    return { name: 'list', status: status as JobStatus | undefined, limit, json: values.json === true };
  }

  if (command === 'compare') return parseCompareCommand(values, positionals);
  if (command === 'keys') return parseKeysCommand(values, positionals);
  if (command === 'datasets') return parseDatasetsCommand(values, positionals);
  expectPositionals(command, positionals, 1);
  const id = positionals[0]!;
  switch (command) {
    case 'status':
      return { name: 'status', id, json: values.json === true };
    case 'samples': {
      const out = values.out as string | undefined;
      if (!out) throw new UsageError('samples: missing required flag --out DIR');
      return { name: 'samples', id, out };
    }
    case 'checkpoint': {
      const out = values.out as string | undefined;
      if (!out) throw new UsageError('checkpoint: missing required flag --out DIR');
      const raw = values.iteration as string | undefined;
      if (raw !== undefined && !/^(0|[1-9]\d{0,6})$/.test(raw)) {
        throw new UsageError(`--iteration: must be a checkpoint's iteration (an integer >= 0), got ${JSON.stringify(raw)}`);
      }
      return { name: 'checkpoint', id, iteration: raw === undefined ? undefined : Number(raw), out };
    }
    case 'generate': {
      const out = values.out as string | undefined;
      if (!out) throw new UsageError('generate: missing required flag --out FILE');
      const query: Record<string, string> = {};
      for (const key of ['label', 'n', 'seed', 'iteration'] as const) {
        const raw = values[key] as string | undefined;
        if (raw === undefined) continue;
        // The API checks the limits (and whether the model takes a label).
        if (!/^\d{1,10}$/.test(raw)) throw new UsageError(`--${key}: must be an integer >= 0, got ${JSON.stringify(raw)}`);
        query[key] = raw;
      }
      return { name: 'generate', id, out, query };
    }
    case 'resume': {
      const raw = values.iterations as string | undefined;
      // The API checks the limits, as for submit.
      if (raw !== undefined && !/^[1-9]\d{0,8}$/.test(raw)) {
        throw new UsageError(`--iterations: must be a positive integer, got ${JSON.stringify(raw)}`);
      }
      return { name: 'resume', id, iterations: raw === undefined ? undefined : Number(raw) };
    }
    default:
      return { name: command, id };
  }
}

/** `compare ID ID ... [--json]`: 2 to 8 distinct job ids, checked here so a typo is named before any request. */
function parseCompareCommand(values: Record<string, string | boolean | undefined>, positionals: string[]): Command {
  if (positionals.length < 2) throw new UsageError(`compare: needs 2 to 8 job IDs, got ${positionals.length}`);
  if (positionals.length > 8) throw new UsageError(`compare: at most 8 job IDs, got ${positionals.length}`);
  const bad = positionals.find((id) => !jobIdSchema.safeParse(id).success);
  if (bad !== undefined) throw new UsageError(`compare: ${JSON.stringify(bad)} is not a job ID`);
  const repeated = positionals.find((id, i) => positionals.indexOf(id) !== i);
  if (repeated !== undefined) throw new UsageError(`compare: job ${repeated} is named twice`);
  return { name: 'compare', ids: positionals, json: values.json === true };
}

/** `keys create --project P --role R [--name N]`, `keys list [--json]`, `keys revoke ID`. */
function parseKeysCommand(values: Record<string, string | boolean | undefined>, positionals: string[]): Command {
  const [verb, ...rest] = positionals;
  const noMore = (n: number) => {
    if (rest.length > n) throw new UsageError(`keys ${verb}: unexpected argument ${JSON.stringify(rest[n])}`);
  };
  switch (verb) {
    case 'create': {
      noMore(0);
      const project = values.project as string | undefined;
      if (!project) throw new UsageError('keys create: missing required flag --project P');
      const role = (values.role as string | undefined) ?? 'member';
      if (role !== 'admin' && role !== 'member') throw new UsageError(`--role: must be admin or member, got ${JSON.stringify(role)}`);
      return { name: 'keys-create', project, role, keyName: values.name as string | undefined };
    }
    case 'list':
      noMore(0);
      return { name: 'keys-list', json: values.json === true };
    case 'revoke':
      if (rest.length === 0) throw new UsageError('keys revoke: missing key ID');
      noMore(1);
      return { name: 'keys-revoke', id: rest[0]! };
    default:
      throw new UsageError(verb === undefined ? 'keys: missing create, list or revoke' : `keys: unknown ${JSON.stringify(verb)}; use create, list or revoke`);
  }
}

/** `datasets upload PATH --name N [--size S] [--channels C]`, `datasets list [--json]`, `datasets show|delete ID`. */
function parseDatasetsCommand(values: Record<string, string | boolean | undefined>, positionals: string[]): Command {
  const [verb, ...rest] = positionals;
  const one = (what: string) => {
    if (rest.length === 0) throw new UsageError(`datasets ${verb}: missing ${what}`);
    if (rest.length > 1) throw new UsageError(`datasets ${verb}: unexpected argument ${JSON.stringify(rest[1])}`);
    return rest[0]!;
  };
  const choice = (flagName: string, allowed: number[], fallback: number) => {
    const raw = values[flagName] as string | undefined;
    if (raw === undefined) return fallback;
    if (!allowed.map(String).includes(raw)) throw new UsageError(`--${flagName}: must be one of ${allowed.join(', ')}, got ${JSON.stringify(raw)}`);
    return Number(raw);
  };
  switch (verb) {
    case 'upload': {
      const path = one('PATH (a directory or an archive)');
      const datasetName = values.name as string | undefined;
      if (!datasetName) throw new UsageError('datasets upload: missing required flag --name N');
      return {
        name: 'datasets-upload',
        path,
        datasetName,
        size: choice('size', [28, 32, 64], 28),
        channels: choice('channels', [1, 3], 1),
        json: values.json === true,
      };
    }
    case 'list':
      if (rest.length > 0) throw new UsageError(`datasets list: unexpected argument ${JSON.stringify(rest[0])}`);
      return { name: 'datasets-list', json: values.json === true };
    case 'show':
      return { name: 'datasets-show', id: one('dataset ID'), json: values.json === true };
    case 'delete':
      return { name: 'datasets-delete', id: one('dataset ID') };
    default:
      throw new UsageError(
        verb === undefined ? 'datasets: missing upload, list, show or delete' : `datasets: unknown ${JSON.stringify(verb)}; use upload, list, show or delete`,
      );
  }
}

function parseToken(flagValue: string | undefined, envValue: string | undefined): string | undefined {
  const [source, raw] = flagValue !== undefined ? ['--token', flagValue] : ['GANFORGE_TOKEN', envValue || undefined];
  if (raw !== undefined && !/^[\x21-\x7e]{1,512}$/.test(raw)) throw new UsageError(`${source}: not a token (printable ASCII, no spaces)`);
  return raw;
}

/** The first argument that is neither a flag nor the value of --api (the one flag that may come before the command). */
function findCommand(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--api' || argv[i] === '--token') i++;
    else if (!argv[i]!.startsWith('-')) return argv[i];
  }
  return undefined;
}

function specFromFlags(values: Record<string, string | boolean | undefined>): Record<string, unknown> {
  const spec: Record<string, unknown> = {};
  for (const [flagName, key] of Object.entries(SPEC_FLAGS)) {
    const raw = values[flagName];
    if (typeof raw !== 'string') continue;
    const type = specFields[key]!.type;
    if (type === 'integer' || type === 'number') {
      if (!isNumberText(raw)) {
        throw new UsageError(`--${flagName}: must be ${type === 'integer' ? 'an integer' : 'a number'}, got ${JSON.stringify(raw)}`);
      }
      spec[key] = Number(raw);
    } else {
      spec[key] = raw;
    }
  }
  return spec;
}

function parseApi(flagValue: string | undefined, envValue: string | undefined): URL {
  const [source, raw] =
    flagValue !== undefined ? ['--api', flagValue] : envValue ? ['GANFORGE_API', envValue] : ['default', DEFAULT_API];
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`${source}: not a URL: ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`${source}: must be an http or https URL, got ${JSON.stringify(raw)}`);
  return url;
}

function expectPositionals(command: string, positionals: string[], count: 0 | 1): void {
  if (count === 1 && positionals.length === 0) throw new UsageError(`${command}: missing job ID`);
  if (positionals.length > count) throw new UsageError(`${command}: unexpected argument ${JSON.stringify(positionals[count])}`);
}
