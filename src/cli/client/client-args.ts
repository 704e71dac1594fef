// Parses the `ganforge` client's command line: a command, its job id or flags, and the API address.
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { JOB_STATUSES, jobSpecSchema, type JobStatus } from '../../contract/job.js';
import { UsageError } from '../train-args.js';
import { MODEL_NAMES } from '../../gan/train-config.js';

export const DEFAULT_API = 'http://127.0.0.1:3000';

export type Command =
  | { name: 'help' }
  | { name: 'submit'; spec: Record<string, unknown> }
  | { name: 'list'; status: JobStatus | undefined; limit: number; json: boolean }
  | { name: 'status'; id: string; json: boolean }
  | { name: 'watch'; id: string }
  | { name: 'samples'; id: string; out: string }
  | { name: 'checkpoint'; id: string; iteration: number | undefined; out: string }
  | { name: 'generate'; id: string; out: string; query: Record<string, string> }
  | { name: 'cancel'; id: string }
  | { name: 'resume'; id: string; iterations: number | undefined }
  | { name: 'delete'; id: string };

export interface ClientArgs {
  api: URL;
  command: Command;
}

type FieldSchema = { type?: string; enum?: string[] };
/** Every field any model's job spec has (the union's members merged, gan's first), `model` listing the models. */
const specFields: Record<string, FieldSchema> = {};
for (const option of jobSpecSchema.options) {
  for (const [key, field] of Object.entries(z.toJSONSchema(option, { io: 'input' }).properties ?? {})) specFields[key] ??= field as FieldSchema;
}
specFields.model = { type: 'string', enum: [...MODEL_NAMES] };
export const toFlag = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
/** --batch-size -> batchSize, for every field of the job spec: the flags follow the contract. */
const SPEC_FLAGS = Object.fromEntries(Object.keys(specFields).map((key) => [toFlag(key), key]));

export const CLIENT_USAGE = `Usage: ganforge [--api URL] COMMAND [options]

Commands:
  submit [flags]          create a training job; prints its id
  list                    jobs, newest first (--status S, --limit N, --json)
  status ID               one job's status, progress and losses (--json)
  watch ID                follow a job live; exit 0 when it completes, 1 if it fails or is cancelled
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
  train --out DIR ...     train locally without the API (ganforge train --help)

Submit flags (all optional; the API fills in its defaults and checks the limits):
  ${Object.keys(SPEC_FLAGS)
    .map((flag) => `--${flag} ${describe(specFields[SPEC_FLAGS[flag]!]!)}`)
    .join('\n  ')}

The API address is --api URL, else GANFORGE_API, else ${DEFAULT_API}.
`;

function describe(field: FieldSchema): string {
  if (field.enum) return field.enum.join('|');
  return field.type === 'string' ? 'TEXT' : field.type === 'integer' ? 'N' : 'X';
}

const COMMANDS = ['submit', 'list', 'status', 'watch', 'samples', 'checkpoint', 'generate', 'cancel', 'resume', 'delete'] as const;
type CommandName = (typeof COMMANDS)[number];

const string = { type: 'string' } as const;
const flag = { type: 'boolean' } as const;
const COMMON = { api: string, help: { type: 'boolean', short: 'h' } } as const;
const OPTIONS = {
  submit: { ...COMMON, ...Object.fromEntries(Object.keys(SPEC_FLAGS).map((f) => [f, string])) },
  list: { ...COMMON, status: string, limit: string, json: flag },
  status: { ...COMMON, json: flag },
  watch: COMMON,
  samples: { ...COMMON, out: string },
  checkpoint: { ...COMMON, out: string, iteration: string },
  generate: { ...COMMON, out: string, label: string, n: string, seed: string, iteration: string },
  cancel: COMMON,
  resume: { ...COMMON, iterations: string },
  delete: COMMON,
} satisfies Record<CommandName, Record<string, { type: 'string' | 'boolean'; short?: string }>>;

/** Parses argv (without node and the script). Throws UsageError for anything that is not a valid command line. */
export function parseClientArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): ClientArgs {
  const name = findCommand(argv);
  const help = argv.includes('--help') || argv.includes('-h') || name === 'help';
  if (name === undefined || help) {
    if (!help) throw new UsageError('missing command');
    return { api: new URL(DEFAULT_API), command: { name: 'help' } };
  }
  if (!(COMMANDS as readonly string[]).includes(name)) throw new UsageError(`unknown command ${JSON.stringify(name)}`);
  const command = name as CommandName;

  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = OPTIONS[command];
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  } catch (err) {
    throw new UsageError(describeParseError(err));
  }
  const { values } = parsed;
  const positionals = parsed.positionals.filter((p, i) => !(i === 0 && p === command));
  const api = parseApi(values.api as string | undefined, env.GANFORGE_API);

  if (command === 'submit') {
    expectPositionals(command, positionals, 0);
    return { api, command: { name: 'submit', spec: specFromFlags(values) } };
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
    return { api, command: { name: 'list', status: status as JobStatus | undefined, limit, json: values.json === true } };
  }

  expectPositionals(command, positionals, 1);
  const id = positionals[0]!;
  switch (command) {
    case 'status':
      return { api, command: { name: 'status', id, json: values.json === true } };
    case 'samples': {
      const out = values.out as string | undefined;
      if (!out) throw new UsageError('samples: missing required flag --out DIR');
      return { api, command: { name: 'samples', id, out } };
    }
    case 'checkpoint': {
      const out = values.out as string | undefined;
      if (!out) throw new UsageError('checkpoint: missing required flag --out DIR');
      const raw = values.iteration as string | undefined;
      if (raw !== undefined && !/^(0|[1-9]\d{0,6})$/.test(raw)) {
        throw new UsageError(`--iteration: must be a checkpoint's iteration (an integer >= 0), got ${JSON.stringify(raw)}`);
      }
      return { api, command: { name: 'checkpoint', id, iteration: raw === undefined ? undefined : Number(raw), out } };
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
      return { api, command: { name: 'generate', id, out, query } };
    }
    case 'resume': {
      const raw = values.iterations as string | undefined;
      // The API checks the limits, as for submit.
      if (raw !== undefined && !/^[1-9]\d{0,8}$/.test(raw)) {
        throw new UsageError(`--iterations: must be a positive integer, got ${JSON.stringify(raw)}`);
      }
      return { api, command: { name: 'resume', id, iterations: raw === undefined ? undefined : Number(raw) } };
    }
    default:
      return { api, command: { name: command, id } };
  }
}

/** The first argument that is neither a flag nor the value of --api (the one flag that may come before the command). */
function findCommand(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--api') i++;
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
      if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(raw)) {
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

/** node:util parseArgs errors run over several sentences; keep one line that names the flag. */
function describeParseError(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const flagName = /'(-[^' ]*)/.exec(e.message ?? '')?.[1] ?? '';
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown flag ${flagName}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return e.message?.includes('does not take an argument') ? `${flagName}: takes no value` : `${flagName}: missing value`;
    default:
      return (e.message ?? String(err)).split('\n')[0]!;
  }
}
