// A tiny generator (dense 4 -> 6) recorded as a job's checkpoint, for tests that load it with tf.loadLayersModel.
import * as tf from '@tensorflow/tfjs';
import { serializeModel } from '../../src/gan/checkpoint-files.js';
import type { ArtifactIndex } from '../../src/jobs/artifact-index.js';

export async function addGeneratorCheckpoint(artifacts: ArtifactIndex, jobId: string, iteration: number): Promise<void> {
  await tf.setBackend('cpu');
  const g = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 6 })] });
  const files = await serializeModel(g, 'generator');
  g.dispose();
  files.set('state.json', new TextEncoder().encode('{}'));
  await artifacts.addCheckpoint(jobId, iteration, files);
}
