// Sum's and Mean's gradients with their ones made by the Fill kernel (in the wasm heap) instead of a JS array per call.
import * as tf from '@tensorflow/tfjs';

/*
 * tfjs' Sum and Mean gradients (tfjs-core gradients/Sum_grad.ts, Mean_grad.ts) broadcast dy by multiplying it with
 * ones(x.shape): a new JS Float32Array of x's size, filled with 1 and copied into the wasm heap. BatchNorm's moments
 * are means over a batch of feature maps, so a dcgan step made ~100 MB of these arrays, garbage at once but not
 * collected before the next ones on the native path. tf.fill runs the backend's Fill kernel instead, writing the
 * same ones in the heap; every other operation is tfjs' own, in the same order, so the gradients are bit-identical.
 */

function expandedDy(dy: tf.Tensor, x: tf.Tensor, axis: number | number[]): tf.Tensor {
  const shape = x.shape.slice();
  for (const a of tf.util.parseAxisParam(axis, x.shape)) shape[a] = 1;
  return tf.reshape(dy, shape);
}

const sumGrad: tf.GradConfig = {
  kernelName: 'Sum',
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as [tf.Tensor];
    const derX = tf.mul(expandedDy(dy as tf.Tensor, x, (attrs as unknown as tf.SumAttrs).axis), tf.fill(x.shape, 1, 'float32'));
    return { x: () => derX };
  },
};

const meanGrad: tf.GradConfig = {
  kernelName: 'Mean',
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as [tf.Tensor];
    const { axis } = attrs as unknown as tf.MeanAttrs;
    const axes = tf.util.parseAxisParam(axis, x.shape);
    const reduceSize = tf.util.sizeFromShape(tf.backend_util.computeOutAndReduceShapes(x.shape, axes)[1]);
    return { x: () => tf.div(tf.mul(expandedDy(dy as tf.Tensor, x, axis), tf.fill(x.shape, 1, 'float32')), reduceSize) };
  },
};

/** Registers the two gradients while installed; returns what puts tfjs' own back. */
export function installHeapGradients(): () => void {
  const originals = [sumGrad, meanGrad].map((g) => tf.getGradient(g.kernelName));
  for (const g of [sumGrad, meanGrad]) tf.registerGradient(g);
  return () => {
    for (const g of originals) if (g) tf.registerGradient(g);
  };
}
