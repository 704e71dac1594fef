// The models by name: the trainer, checkpoints, API, CLIs and dashboard read a model's module from here.
import { cgan } from './cgan.js';
import { dcgan } from './dcgan.js';
import { gan } from './gan.js';
import { lsgan } from './lsgan.js';
import type { GanModel } from './model.js';
import { wgan } from './wgan.js';
import { wganGp } from './wgan-gp.js';

/** One line per model; `gan` first, as the default. */
export const MODELS = [gan, dcgan, cgan, lsgan, wgan, wganGp] as const;
/** Their config schemas, the members of the job spec's union. */
export const MODEL_SCHEMAS = [gan.schema, dcgan.schema, cgan.schema, lsgan.schema, wgan.schema, wganGp.schema] as const;

export type AnyModel = (typeof MODELS)[number];
export type ModelName = AnyModel['name'];
export const MODEL_NAMES = MODELS.map((m) => m.name) as [ModelName, ...ModelName[]];

export function getModel(name: string): GanModel {
  const entry = MODELS.find((m) => m.name === name);
  if (!entry) throw new Error(`unknown model "${name}"; known: ${MODEL_NAMES.join(', ')}`);
  return entry as unknown as GanModel;
}
