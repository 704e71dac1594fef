// Serialises models and optimizer state to files (TensorFlow.js layers format + our own state) and back.
import * as tf from '@tensorflow/tfjs';
import { CHECKPOINT_FORMAT, OPTIMIZERS_FILES, WEIGHTS_FILE, modelFiles } from '../contract/checkpoint-layout.js';
import { AppError } from '../errors.js';

/** Relative posix path -> bytes. 'state.json' is written last by every sink: its presence marks a whole checkpoint. */
export type CheckpointFiles = Map<string, Uint8Array>;

export { CHECKPOINT_FORMAT, WEIGHTS_FILE };

export class InvalidCheckpointError extends AppError {
  readonly code = 'INVALID_CHECKPOINT';
  readonly status = 500;
  readonly retry = 'permanent';
  constructor(message: string) {
    super(`invalid checkpoint: ${message}`);
    this.name = 'InvalidCheckpointError';
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function jsonBytes(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value, null, 1));
}

export function parseJsonFile<T>(files: CheckpointFiles, path: string): T {
  const bytes = files.get(path);
  if (!bytes) throw new InvalidCheckpointError(`${path} is missing`);
  try {
    return JSON.parse(decoder.decode(bytes)) as T;
  } catch (err) {
    throw new InvalidCheckpointError(`${path} is not valid JSON (${(err as Error).message})`);
  }
}

function joinWeightData(data: tf.io.WeightData): Uint8Array {
  const buffer = tf.io.CompositeArrayBuffer.join(data);
  return new Uint8Array(buffer);
}

/** A layers model as `model.json` + `weights.bin`, loadable with tf.loadLayersModel. */
export async function serializeModel(model: tf.LayersModel, prefix: string): Promise<CheckpointFiles> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!artifacts?.weightSpecs || !artifacts.weightData) throw new Error(`could not serialise ${model.name}`);
  const modelJson = {
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: null,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: [`./${WEIGHTS_FILE}`], weights: artifacts.weightSpecs }],
  };
  return new Map([
    [modelFiles(prefix).model, jsonBytes(modelJson)],
    [modelFiles(prefix).weights, joinWeightData(artifacts.weightData)],
  ]);
}

interface ModelJson {
  weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

/** Copies the weights saved under `prefix` into `model` (same architecture), matching them by name. */
export function restoreModelWeights(model: tf.LayersModel, files: CheckpointFiles, prefix: string): void {
  const manifest = parseJsonFile<ModelJson>(files, modelFiles(prefix).model).weightsManifest;
  const data = files.get(modelFiles(prefix).weights);
  if (!manifest?.[0] || !data) throw new InvalidCheckpointError(`${prefix} has no weights`);
  const specs = manifest[0].weights;
  const named = decodeExact(data, specs, modelFiles(prefix).weights);
  try {
    const tensors = model.weights.map((w) => {
      const t = named[w.originalName];
      if (!t) throw new InvalidCheckpointError(`${prefix} lacks weight ${w.originalName}`);
      if (!tf.util.arraysEqual(t.shape, w.shape as number[])) {
        throw new InvalidCheckpointError(`${prefix} weight ${w.originalName} has shape [${t.shape}], expected [${w.shape}]`);
      }
      return t;
    });
    model.setWeights(tensors);
  } finally {
    tf.dispose(Object.values(named));
  }
}

function decodeExact(data: Uint8Array, specs: tf.io.WeightsManifestEntry[], what: string): tf.NamedTensorMap {
  const expected = specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1) * 4, 0);
  if (data.byteLength !== expected) {
    throw new InvalidCheckpointError(`${what} holds ${data.byteLength} bytes, its manifest needs ${expected}`);
  }
  const copy = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
  return tf.io.decodeWeights(copy, specs);
}

/**
 * Optimizer state: its slots (positional, as tfjs matches them to variables by order: Adam's moments, RMSprop's mean
 * squares and moments), plus Adam's running beta powers, which tfjs would otherwise recompute with pow() on restore
 * and so lose bit-exactness.
 */
interface AdamInternals {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
}

/** tfjs' optimizers answer instanceof by duck typing (any optimizer is an AdamOptimizer), so ask for the class name. */
const isAdam = (opt: tf.Optimizer): boolean => opt.getClassName() === 'Adam';

export async function serializeOptimizers(optimizers: Record<string, tf.Optimizer>): Promise<CheckpointFiles> {
  const named: { name: string; tensor: tf.Tensor }[] = [];
  const created: tf.Tensor[] = [];
  for (const [key, opt] of Object.entries(optimizers)) {
    const weights = await opt.getWeights();
    created.push(weights[0]!.tensor); // the iteration count, made fresh by getWeights; the rest are the live moments
    weights.forEach((w, i) => named.push({ name: `${key}/${String(i).padStart(5, '0')}`, tensor: w.tensor }));
    if (isAdam(opt)) {
      const internals = opt as unknown as AdamInternals;
      named.push({ name: `${key}/accBeta1`, tensor: internals.accBeta1 });
      named.push({ name: `${key}/accBeta2`, tensor: internals.accBeta2 });
    }
  }
  const { data, specs } = await tf.io.encodeWeights(named).finally(() => tf.dispose(created));
  return new Map([
    [OPTIMIZERS_FILES.manifest, jsonBytes({ weights: specs })],
    [OPTIMIZERS_FILES.data, joinWeightData(data)],
  ]);
}

export async function restoreOptimizers(optimizers: Record<string, tf.Optimizer>, files: CheckpointFiles): Promise<void> {
  const { weights: specs } = parseJsonFile<{ weights: tf.io.WeightsManifestEntry[] }>(files, OPTIMIZERS_FILES.manifest);
  const data = files.get(OPTIMIZERS_FILES.data);
  if (!data || !Array.isArray(specs)) throw new InvalidCheckpointError('optimizer state is missing');
  const named = decodeExact(data, specs, OPTIMIZERS_FILES.data);
  try {
    for (const [key, opt] of Object.entries(optimizers)) {
      const own = specs.filter((s) => s.name.startsWith(`${key}/`) && /\/\d+$/.test(s.name));
      if (own.length === 0) throw new InvalidCheckpointError(`no state for optimizer ${key}`);
      // setWeights makes variables that share the decoded tensors' data, so disposing those below is safe.
      await opt.setWeights(own.map((s) => ({ name: s.name, tensor: named[s.name]! })));
      if (!isAdam(opt)) continue;
      const internals = opt as unknown as AdamInternals;
      const b1 = named[`${key}/accBeta1`];
      const b2 = named[`${key}/accBeta2`];
      if (!b1 || !b2) throw new InvalidCheckpointError(`optimizer ${key} lacks its beta powers`);
      internals.accBeta1.assign(b1);
      internals.accBeta2.assign(b2);
    }
  } finally {
    tf.dispose(Object.values(named));
  }
}
