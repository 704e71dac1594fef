// One training iteration with Keras-GAN semantics: D on real (1) and on G's inference-mode fakes (0), then G through frozen D (1).
import * as tf from '@tensorflow/tfjs';
import { withoutInputGradient } from './kernels/index.js';

export interface StepModels {
  generator: tf.LayersModel;
  discriminator: tf.LayersModel;
  dOptimizer: tf.Optimizer;
  gOptimizer: tf.Optimizer;
}

export interface StepInputs {
  real: tf.Tensor;
  noiseD: tf.Tensor2D;
  noiseG: tf.Tensor2D;
  ones: tf.Tensor2D;
  zeros: tf.Tensor2D;
}

export interface StepResult {
  dLossReal: number;
  dLossFake: number;
  dAccReal: number;
  dAccFake: number;
  gLoss: number;
  /** False when any discriminator output was NaN or infinite: BCE clips probabilities and would hide it. */
  finite: boolean;
}

const bce = (labels: tf.Tensor, probs: tf.Tensor): tf.Scalar => tf.mean(tf.metrics.binaryCrossentropy(labels, probs));
const accuracy = (labels: tf.Tensor, probs: tf.Tensor): tf.Scalar => tf.mean(tf.metrics.binaryAccuracy(labels, probs));

function trainableVariables(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}

/**
 * Runs one iteration and reads its five numbers back in a single transfer. The optimisers only see the variables
 * of the model they train: that is what freezes D while G learns.
 */
export function trainStep(m: StepModels, x: StepInputs): StepResult {
  const dVars = trainableVariables(m.discriminator);
  const gVars = trainableVariables(m.generator);
  const kept: tf.Tensor[] = [];

  // D's input is a constant in its own steps: nothing needs the input gradient of its first layer (kernel dVars[0]).
  const dStep = (images: tf.Tensor, labels: tf.Tensor2D): tf.Scalar =>
    withoutInputGradient(dVars[0]!, () =>
      m.dOptimizer.minimize(
        () => {
          const probs = m.discriminator.apply(images, { training: true }) as tf.Tensor;
          kept.push(tf.keep(accuracy(labels, probs)), tf.keep(tf.sum(probs)));
          return bce(labels, probs);
        },
        true,
        dVars,
      ),
    )!;

  const summary = tf.tidy(() => {
    // Keras-GAN makes its fakes with generator.predict: inference mode, BatchNorm on its moving statistics.
    const fake = m.generator.apply(x.noiseD, { training: false }) as tf.Tensor;
    const dLossReal = dStep(x.real, x.ones);
    const dLossFake = dStep(fake, x.zeros);
    const gLoss = m.gOptimizer.minimize(
      () => {
        const images = m.generator.apply(x.noiseG, { training: true }) as tf.Tensor;
        const probs = m.discriminator.apply(images, { training: true }) as tf.Tensor;
        kept.push(tf.keep(tf.sum(probs)));
        return bce(x.ones, probs);
      },
      true,
      gVars,
    )!;
    const [accReal, sumReal, accFake, sumFake, sumG] = kept;
    return tf.stack([dLossReal, dLossFake, accReal!, accFake!, gLoss, tf.addN([sumReal!, sumFake!, sumG!])]);
  });
  try {
    const v = summary.dataSync();
    return {
      dLossReal: v[0]!,
      dLossFake: v[1]!,
      dAccReal: v[2]!,
      dAccFake: v[3]!,
      gLoss: v[4]!,
      finite: Number.isFinite(v[5]!),
    };
  } finally {
    summary.dispose();
    tf.dispose(kept);
  }
}
