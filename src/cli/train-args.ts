// Parses the command-line trainer's flags into a validated TrainConfig plus CLI-only options, with one-line errors.
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { BACKENDS, type BackendPreference } from '../contract/backends.js';
import { AppError } from '../errors.js';
import { describeParseArgsError, isNumberText } from './flags.js';
import { MODELS, getModel } from '../gan/models/registry.js';
import { isBuiltinDataset } from '../gan/datasets/sources.js';
import { CONFIG_FIELDS, DATASET_NAMES, MODEL_NAMES, trainConfigSchema, type TrainConfig } from '../gan/train-config.js';

/** A bad command line; the message is one line naming the flag, fit to print before the usage text. */
export class UsageError extends AppError {
  readonly code = 'USAGE';
  readonly status = 400;
  readonly retry = 'permanent';
  override name = 'UsageError';
}

export type TrainArgs =
  | { help: true }
  | { help: false; config: TrainConfig; out: string; resume: boolean; backend: BackendPreference; logEvery: number };

/** Options that only the CLI has; validated like the engine's config so both give the same kind of message. */
const cliOptionsSchema = z.object({
  out: z.string().min(1),
  resume: z.boolean().default(false),
  backend: z.enum(['auto', ...BACKENDS]).default('auto'),
  logEvery: z.number().int().min(1).max(1_000_000).default(100),
});

const flagOf = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
/** Flag name -> config key, for every field of every model, so a job's spec is expressible (trainFlags). */
const CONFIG_FLAGS: Record<string, string> = Object.fromEntries(CONFIG_FIELDS.map((key) => [flagOf(key), key]));

const CLI_FLAGS = {
  out: 'out',
  resume: 'resume',
  backend: 'backend',
  'log-every': 'logEvery',
} as const satisfies Record<string, keyof z.input<typeof cliOptionsSchema>>;

const VALUE_FLAGS = [...Object.keys(CONFIG_FLAGS), 'out', 'backend', 'log-every'];
const OPTIONS = {
  ...Object.fromEntries(VALUE_FLAGS.map((f) => [f, { type: 'string' as const }])),
  resume: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** JSON Schema of each field: the one place that says which values are valid, read back for error messages. */
type FieldSchema = {
  type?: string;
  enum?: unknown[];
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
  exclusiveMaximum?: number;
};
/** Each model's fields as JSON Schema: the one place that says which values are valid, read back for messages. */
const modelFields = (model: string) =>
  z.toJSONSchema(getModel(model).schema, { io: 'input' }).properties as Record<string, FieldSchema>;
const configFields: Record<string, FieldSchema> = Object.assign({}, ...MODELS.map((m) => modelFields(m.name)).reverse());
const cliFields = z.toJSONSchema(cliOptionsSchema, { io: 'input' }).properties as Record<string, FieldSchema>;

const configDefaults = trainConfigSchema.parse({}) as Extract<TrainConfig, { model: 'gan' }>;
/** The options only some models take, with the models and their defaults. */
const modelOptionLines = CONFIG_FIELDS.filter((key) => !MODELS.every((m) => key in m.schema.shape)).map((key) => {
  const owners = MODELS.filter((m) => key in m.schema.shape).map((m) => {
    const d = (m.schema.shape as Record<string, z.ZodType>)[key]!.parse(undefined);
    return `${m.name} ${String(d)}`;
  });
  return `  ${`--${flagOf(key)} X`.padEnd(28)}${owners.join(', ')}`;
});
export const TRAIN_USAGE = `Usage: ganforge train --out DIR [options]

Trains a GAN, writing checkpoints/, samples/ and metrics.csv under DIR.

  --out DIR                   run directory (required)
  --resume                    continue from the newest checkpoint in DIR
  --model NAME                ${MODEL_NAMES.join(' | ')} (default ${configDefaults.model})
  --dataset NAME              ${DATASET_NAMES.join(' | ')} (default ${configDefaults.dataset})
  --iterations N              training iterations (default ${configDefaults.iterations})
  --batch-size N              batch size (default ${configDefaults.batchSize})
  --latent-dim N              generator input size (default ${configDefaults.latentDim})
  --sample-interval N         write a sample grid every N iterations (default ${configDefaults.sampleInterval})
  --checkpoint-interval N     write a checkpoint every N iterations (default ${configDefaults.checkpointInterval})
  --seed N                    random seed (default ${configDefaults.seed})
  --sample-grid N             sample grids of N x N images (default ${configDefaults.sampleGrid})
  --backend NAME              auto | ${BACKENDS.join(' | ')} (default auto, or $GANFORGE_BACKEND)
  --log-every N               print a progress line every N iterations (default 100)
  -h, --help                  show this help

Options of some models (the models that take each, with their defaults):
${modelOptionLines.join('\n')}
`;

/** Parses argv (without the node and script entries). Throws UsageError for anything invalid. */
export function parseTrainArgs(argv: string[]): TrainArgs {
  if (argv.some((a) => a === '--help' || a === '-h')) return { help: true };
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new UsageError(describeParseArgsError(err));
  }

  const configInput: Record<string, unknown> = {};
  for (const [flag, key] of Object.entries(CONFIG_FLAGS)) {
    const raw = values[flag];
    if (typeof raw === 'string') configInput[key] = fromFlag(flag, raw, configFields[key]);
  }
  const model = typeof configInput.model === 'string' && MODEL_NAMES.includes(configInput.model as never) ? configInput.model : 'gan';
  const config = trainConfigSchema.safeParse(configInput);
  if (!config.success) throw new UsageError(describeIssue(config.error, CONFIG_FLAGS, modelFields(model), values, model));
  // An uploaded dataset lives in the service's artifact store: this trainer reads the built-ins only.
  if (!isBuiltinDataset(config.data.dataset)) throw new UsageError(mustBeBuiltin(config.data.dataset));

  if (values.out === undefined) throw new UsageError('missing required flag --out');
  const cliInput: Record<string, unknown> = { resume: values.resume === true };
  for (const [flag, key] of Object.entries(CLI_FLAGS)) {
    const raw = values[flag];
    if (typeof raw === 'string') cliInput[key] = fromFlag(flag, raw, cliFields[key]);
  }
  const cli = cliOptionsSchema.safeParse(cliInput);
  if (!cli.success) throw new UsageError(describeIssue(cli.error, CLI_FLAGS, cliFields, values));

  return { help: false, config: config.data, ...cli.data };
}

/** Converts a flag's text to the type its field expects; a malformed number ('12abc', '') is a usage error here. */
function fromFlag(flag: string, raw: string, field: FieldSchema): unknown {
  if (field.type !== 'number' && field.type !== 'integer') return raw;
  if (!isNumberText(raw)) throw new UsageError(mustBe(flag, field, raw));
  return Number(raw);
}

function describeIssue(
  error: z.ZodError,
  flags: Record<string, string>,
  fields: Record<string, FieldSchema>,
  values: Record<string, unknown>,
  model?: string,
): string {
  const issue = error.issues[0];
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    const owners = MODELS.filter((m) => key in m.schema.shape).map((m) => m.name);
    return `--${flagOf(key)}: not an option of model ${model}; it belongs to ${owners.join(', ')}`;
  }
  const key = String(issue.path[0]);
  if (key === 'model') return `--model: must be one of ${MODEL_NAMES.join(', ')}, got ${JSON.stringify(String(values.model))}`;
  if (key === 'dataset') return mustBeBuiltin(String(values.dataset));
  const flag = Object.keys(flags).find((f) => flags[f] === key);
  if (flag === undefined) return issue.message;
  return mustBe(flag, fields[key], String(values[flag]));
}

const mustBeBuiltin = (raw: string) =>
  `--dataset: must be one of ${DATASET_NAMES.join(', ')}, got ${JSON.stringify(raw)} (uploaded datasets train through the service)`;

function mustBe(flag: string, field: FieldSchema, raw: string): string {
  return `--${flag}: must be ${describeField(field)}, got ${JSON.stringify(raw)}`;
}

function describeField(field: FieldSchema): string {
  if (field.enum) return `one of ${field.enum.join(', ')}`;
  if (field.type === 'string') return 'a non-empty string';
  const kind = field.type === 'integer' ? 'an integer' : 'a number';
  const { minimum: min, maximum: max, exclusiveMinimum: xmin, exclusiveMaximum: xmax } = field;
  if (min !== undefined && max !== undefined) return `${kind} between ${min} and ${max}`;
  const bounds = [
    min !== undefined ? `>= ${min}` : xmin !== undefined ? `> ${xmin}` : undefined,
    max !== undefined ? `<= ${max}` : xmax !== undefined ? `< ${xmax}` : undefined,
  ].filter((b) => b !== undefined);
  return bounds.length === 0 ? kind : `${kind} ${bounds.join(' and ')}`;
}
