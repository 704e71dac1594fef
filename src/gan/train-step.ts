// One adversarial iteration with Keras-GAN semantics: D on real (1) and on G's inference-mode fakes (0), then G through frozen D (1).
import * as tf from '@tensorflow/tfjs';
import { withoutInputGradient } from './kernels/index.js';

export interface StepModels {
  generator: tf.LayersModel;
  discriminator: tf.LayersModel;
  dOptimizer: tf.Optimizer;
  gOptimizer: tf.Optimizer;
}

/** Each network input is a list: [noise] or [noise, label] for G, [image] or [image, label] for D. */
export interface StepInputs {
  /** D's inputs for the real batch. */
  real: tf.Tensor[];
  /** G's inputs for the fakes D learns from. */
  fakeFrom: tf.Tensor[];
  /** D's inputs after the image for those fakes (their labels), if any. */
  fakeWith: tf.Tensor[];
  /** G's inputs for its own step, and D's inputs after the image there. */
  gFrom: tf.Tensor[];
  gWith: tf.Tensor[];
  ones: tf.Tensor2D;
  zeros: tf.Tensor2D;
}

export interface StepOptions {
  /** 'bce' for a sigmoid D (gan.py), 'mse' for the least-squares D of lsgan.py. */
  loss: 'bce' | 'mse';
  /**
   * A weight of D whose MatMul needs no input gradient in D's own steps (D's first Dense when the image is D's first
   * input): the wasm fix then skips that product. Unset when D's input feeds a trained layer (an embedding product).
   */
  skipInputGradientOf?: tf.Tensor;
  /** Called before each of D's three applications (0 real, 1 fake, 2 G's step): reseeds D's dropout masks. */
  beforeDiscriminator?(call: number): void;
}

export interface AdversarialResult {
  dLossReal: number;
  dLossFake: number;
  dAccReal: number;
  dAccFake: number;
  gLoss: number;
  /** False when any discriminator output was NaN or infinite: BCE clips probabilities and would hide it. */
  finite: boolean;
}

const bce = (labels: tf.Tensor, probs: tf.Tensor): tf.Scalar => tf.mean(tf.metrics.binaryCrossentropy(labels, probs));
const mse = (labels: tf.Tensor, out: tf.Tensor): tf.Scalar => tf.mean(tf.losses.meanSquaredError(labels, out));
const accuracy = (labels: tf.Tensor, probs: tf.Tensor): tf.Scalar => tf.mean(tf.metrics.binaryAccuracy(labels, probs));

/** One input stays a tensor, as the seed model always called its Sequential networks. */
const inputs = (xs: tf.Tensor[]): tf.Tensor | tf.Tensor[] => (xs.length === 1 ? xs[0]! : xs);

export function trainableVariables(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}

/**
 * Runs one iteration and reads its numbers back in a single transfer. The optimisers only see the variables of the
 * model they train: that is what freezes D while G learns.
 */
export function trainStep(m: StepModels, x: StepInputs, opts: StepOptions = { loss: 'bce' }): AdversarialResult {
  const dVars = trainableVariables(m.discriminator);
  const gVars = trainableVariables(m.generator);
  const loss = opts.loss === 'mse' ? mse : bce;
  const kept: tf.Tensor[] = [];
  const skip = opts.skipInputGradientOf;

  const dMinimize = (d: tf.Tensor[], labels: tf.Tensor2D, call: number): tf.Scalar =>
    m.dOptimizer.minimize(
      () => {
        opts.beforeDiscriminator?.(call);
        const probs = m.discriminator.apply(inputs(d), { training: true }) as tf.Tensor;
        kept.push(tf.keep(accuracy(labels, probs)), tf.keep(tf.sum(probs)));
        return loss(labels, probs);
      },
      true,
      dVars,
    )!;
  // D's input is a constant in its own steps: the input gradient of its first layer is not needed when nothing before it trains.
  const dStep = (d: tf.Tensor[], labels: tf.Tensor2D, call: number): tf.Scalar =>
    skip ? withoutInputGradient(skip, () => dMinimize(d, labels, call)) : dMinimize(d, labels, call);

  const summary = tf.tidy(() => {
    // Keras-GAN makes its fakes with generator.predict: inference mode, BatchNorm on its moving statistics.
    const fake = m.generator.apply(inputs(x.fakeFrom), { training: false }) as tf.Tensor;
    const dLossReal = dStep(x.real, x.ones, 0);
    const dLossFake = dStep([fake, ...x.fakeWith], x.zeros, 1);
    const gLoss = m.gOptimizer.minimize(
      () => {
        const images = m.generator.apply(inputs(x.gFrom), { training: true }) as tf.Tensor;
        opts.beforeDiscriminator?.(2);
        const probs = m.discriminator.apply(inputs([images, ...x.gWith]), { training: true }) as tf.Tensor;
        kept.push(tf.keep(tf.sum(probs)));
        return loss(x.ones, probs);
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

/** The [dLoss, dAcc, gLoss] that Keras-GAN prints: D's numbers averaged over its real and fake batch. */
export function keraslikeMetrics(r: AdversarialResult): { values: number[]; finite: boolean } {
  return { values: [0.5 * (r.dLossReal + r.dLossFake), 0.5 * (r.dAccReal + r.dAccFake), r.gLoss], finite: r.finite };
}

/** Gives every Dropout layer of `model` its own seed derived from `base`, so masks are a function of the draw. */
export function reseedDropout(model: tf.LayersModel, base: number): void {
  let i = 0;
  for (const layer of model.layers) {
    if (layer.getClassName() === 'Dropout') (layer as unknown as { seed: number }).seed = (base + 7919 * ++i) >>> 0;
  }
}
