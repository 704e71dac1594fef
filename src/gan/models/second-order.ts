// Zero gradients for tfjs' comparison kernels, so that a gradient can itself be differentiated (wgan-gp's penalty).
import * as tf from '@tensorflow/tfjs';

/*
 * tfjs differentiates LeakyReLU, ReLU and friends with where(greater(x, 0), dy, ...): the first gradient is built from
 * a comparison. Differentiating that gradient again walks back through the comparison, and tfjs has no gradient for
 * comparisons, so it throws "gradient function not found for Greater". A comparison is piecewise constant: its
 * gradient is zero wherever it exists, which is what is registered here (only for kernels that have none).
 */
const COMPARISONS = ['Greater', 'GreaterEqual', 'Less', 'LessEqual', 'Equal', 'NotEqual'];

let installed = false;

export function installSecondOrderGradients(): void {
  if (installed) return;
  installed = true;
  for (const kernelName of COMPARISONS) {
    if (tf.getGradient(kernelName)) continue;
    tf.registerGradient({
      kernelName,
      inputsToSave: ['a', 'b'],
      gradFunc: (_dy, saved) => ({ a: () => tf.zerosLike(saved[0]!), b: () => tf.zerosLike(saved[1]!) }),
    });
  }
}
