// Conv2DBackpropFilter for the tfjs WebAssembly backend, which has none: without it no convolution can be trained there.
import * as tf from '@tensorflow/tfjs';
import type { KernelOverride, WasmBackend } from '../provider.js';

/*
 * dW[r, c, i, o] = Σ over batch and output pixels of x[b, y·sh + r - top, x·sw + c - left, i] · dy[b, y, x, o], NHWC.
 * The loops run over filter taps, then output pixels, then the two channel axes innermost, so both reads and the
 * accumulator row are contiguous. Sums are kept in doubles like tfjs' CPU kernel, so results match it to rounding.
 */

interface Attrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

export const jsConv2DBackpropFilterKernel: KernelOverride = {
  kernelName: 'Conv2DBackpropFilter',
  make: () => (args) => conv2DBackpropFilter(args.inputs.x!, args.inputs.dy!, args.attrs as unknown as Attrs, args.backend as WasmBackend),
};

export function conv2DBackpropFilter(x: tf.TensorInfo, dy: tf.TensorInfo, attrs: Attrs, backend: WasmBackend): tf.TensorInfo {
  if (attrs.dataFormat === 'NCHW') throw new Error('Conv2DBackpropFilter on wasm supports dataFormat NHWC only');
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const sums = new Float64Array(filterHeight * filterWidth * inChannels * outChannels);
  const out = backend.makeOutput(info.filterShape, 'float32');
  // Views are taken after makeOutput, which may grow (and so replace) the wasm memory.
  const xs = backend.typedArrayFromHeap(x) as Float32Array;
  const dys = backend.typedArrayFromHeap(dy) as Float32Array;
  for (let r = 0; r < filterHeight; r++) {
    const yMin = Math.max(0, Math.ceil((top - r) / strideHeight));
    const yMax = Math.min(outHeight, Math.ceil((inHeight + top - r) / strideHeight));
    for (let c = 0; c < filterWidth; c++) {
      const xMin = Math.max(0, Math.ceil((left - c) / strideWidth));
      const xMax = Math.min(outWidth, Math.ceil((inWidth + left - c) / strideWidth));
      const tap = (r * filterWidth + c) * inChannels * outChannels;
      for (let b = 0; b < batchSize; b++) {
        for (let y = yMin; y < yMax; y++) {
          const row = y * strideHeight + r - top;
          for (let xo = xMin; xo < xMax; xo++) {
            const col = xo * strideWidth + c - left;
            const xBase = ((b * inHeight + row) * inWidth + col) * inChannels;
            const dyBase = ((b * outHeight + y) * outWidth + xo) * outChannels;
            for (let i = 0; i < inChannels; i++) {
              const xv = xs[xBase + i]!;
              const acc = tap + i * outChannels;
              for (let o = 0; o < outChannels; o++) sums[acc + o] += xv * dys[dyBase + o]!;
            }
          }
        }
      }
    }
  }
  (backend.typedArrayFromHeap(out) as Float32Array).set(sums);
  return out;
}
