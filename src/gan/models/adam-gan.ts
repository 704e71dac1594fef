// What the Adam models of Keras-GAN (gan, dcgan, cgan, lsgan) share: two Adam(lr, β1, β2), the 1/0 targets, the D-D-G step.
import * as tf from '@tensorflow/tfjs';
import type { Draws, TrainableGan } from './model.js';
import { keraslikeMetrics, trainStep, type StepInputs, type StepOptions } from '../train-step.js';

export interface AdamConfig {
  batchSize: number;
  learningRate: number;
  beta1: number;
  beta2: number;
}

/**
 * A TrainableGan whose step is trainStep on the inputs `inputs` draws (given the batch size); it reports Keras-GAN's
 * [dLoss, dAcc, gLoss].
 */
export function adamGan(
  config: AdamConfig,
  generator: tf.LayersModel,
  discriminator: tf.LayersModel,
  inputs: (draw: Draws, n: number) => Omit<StepInputs, 'ones' | 'zeros'>,
  options: (draw: Draws) => StepOptions,
): TrainableGan {
  const adam = () => tf.train.adam(config.learningRate, config.beta1, config.beta2);
  const nets = { generator, discriminator, dOptimizer: adam(), gOptimizer: adam() };
  const n = config.batchSize;
  const ones = tf.ones([n, 1]) as tf.Tensor2D;
  const zeros = tf.zeros([n, 1]) as tf.Tensor2D;
  return {
    generator,
    discriminator,
    optimizers: { d: nets.dOptimizer, g: nets.gOptimizer },
    step: (draw) => keraslikeMetrics(trainStep(nets, { ...inputs(draw, n), ones, zeros }, options(draw))),
    dispose: () => tf.dispose([ones, zeros]),
  };
}
