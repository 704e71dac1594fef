// Skipping the input gradient of a first layer, which tfjs computes and throws away (see withoutInputGradient).
import type * as tf from '@tensorflow/tfjs';

/*
 * tfjs computes gradients only along paths from the variables asked for to the loss, and calls a kernel's gradient
 * only for inputs on such a path; but the fused matMul behind every Dense layer is a customGrad op whose gradient
 * computes dx = dy·Wᵀ, dW and db together, so the gradient of D's input images is computed in both D steps and thrown
 * away (a product as large as the layer's forward pass). The matmul kernels of every provider answer it with zeros.
 */
let skippedWeights: object | undefined;

/**
 * Runs f with the products dy·Wᵀ of the weights `w` answered with zeros instead of computed: for training steps in
 * which w's layer takes a constant input, so that nothing uses its input gradient. The caller vouches for that.
 * Matching is by data: the gradient uses the copy the engine saved of w, which shares w's data only with the
 * data-sharing Identity kernel installed (js/identity.ts); without it, or on another backend, f runs unchanged.
 */
export function withoutInputGradient<T>(w: tf.Tensor, f: () => T): T {
  const outer = skippedWeights;
  skippedWeights = w.dataId;
  try {
    return f();
  } finally {
    skippedWeights = outer;
  }
}

/** True for a product a·bᵀ whose b is the weight matrix of a withoutInputGradient call in progress. */
export function isSkippedProduct(b: tf.TensorInfo, transposeA: boolean, transposeB: boolean): boolean {
  return transposeB && !transposeA && skippedWeights !== undefined && b.dataId === skippedWeights;
}
