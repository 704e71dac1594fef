// A scorer as files (scorer.json last, the classifier in the layers format, the held-out arrays) and back.
import * as tf from '@tensorflow/tfjs';
import { jsonBytes, parseJsonFile, serializeModel, type CheckpointFiles } from '../checkpoint-files.js';
import { modelFiles } from '../../contract/checkpoint-layout.js';
import { FEATURE_DIM } from './feature-net.js';
import { SCORER_FORMAT, Scorer, type ScorerMeta } from './scorer.js';

export const SCORER_FILES = {
  meta: 'scorer.json',
  heldOut: 'held-out.bin',
  heldOutFeatures: 'held-out-features.bin',
  net: modelFiles('classifier'),
} as const;

/** Written in this order; scorer.json last, so that its presence marks a whole scorer. */
export async function scorerToFiles(scorer: Scorer): Promise<CheckpointFiles> {
  const files: CheckpointFiles = new Map([
    ...(await serializeModel(scorer.net, 'classifier')),
    [SCORER_FILES.heldOut, new Uint8Array(scorer.heldOut.slice().buffer)],
    [SCORER_FILES.heldOutFeatures, new Uint8Array(scorer.heldOutFeatures.slice().buffer)],
  ]);
  files.set(SCORER_FILES.meta, jsonBytes(scorer.meta));
  return files;
}

/** Loads a layers model saved by serializeModel from files. */
export async function loadModelFiles(files: CheckpointFiles, prefix: string): Promise<tf.LayersModel> {
  const names = modelFiles(prefix);
  const json = parseJsonFile<{ modelTopology: tf.io.ModelArtifacts['modelTopology']; weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[] }>(files, names.model);
  const bytes = files.get(names.weights);
  if (!bytes || !json.weightsManifest?.[0]) throw new Error(`${names.weights} is missing`);
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest[0].weights,
      weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
    }),
  );
}

function copyOf(files: CheckpointFiles, name: string): ArrayBuffer {
  const bytes = files.get(name);
  if (!bytes) throw new Error(`scorer file ${name} is missing`);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

export async function scorerFromFiles(files: CheckpointFiles): Promise<Scorer> {
  const meta = parseJsonFile<ScorerMeta>(files, SCORER_FILES.meta);
  if (meta.format !== SCORER_FORMAT) throw new Error(`unknown scorer format ${JSON.stringify(meta.format)}`);
  const heldOut = new Int32Array(copyOf(files, SCORER_FILES.heldOut));
  const heldOutFeatures = new Float32Array(copyOf(files, SCORER_FILES.heldOutFeatures));
  if (heldOutFeatures.length !== heldOut.length * FEATURE_DIM) throw new Error('scorer held-out features do not match its split');
  const net = await loadModelFiles(files, 'classifier');
  return new Scorer(meta, net, heldOut, heldOutFeatures);
}
