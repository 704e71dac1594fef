// Replaces the tfjs WebAssembly Tile kernel with block copies: BatchNorm's backprop tiles every step.
import type * as tf from '@tensorflow/tfjs';
import type { KernelOverride, WasmBackend } from '../provider.js';

/*
 * Why: tfjs-backend-wasm 4.22's Tile computes an index per element and runs ~100x slower than an elementwise op of
 * the same size (15 ms to tile [1,1,1,1024] 128 times, where a multiply of [128,1024] takes 0.12 ms). BatchNorm's
 * gradient tiles its statistics to the batch on every step. Tiling is only copying: axis by axis, from the innermost,
 * each contiguous block is repeated with TypedArray.set.
 */

export const jsTileKernel: KernelOverride = {
  kernelName: 'Tile',
  make: (below) => (args) => tileByCopies(args as unknown as TileArgs) ?? below!(args),
};

type TileArgs = { inputs: { x: tf.TensorInfo }; backend: WasmBackend; attrs: { reps: number[] } };

/** The tiled tensor, or undefined for what the kernel below handles (strings, reps of another rank). */
function tileByCopies(args: TileArgs): tf.TensorInfo | undefined {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  const { reps } = attrs;
  if (x.dtype === 'string' || reps.length !== x.shape.length) return undefined;
  const outShape = x.shape.map((d, i) => d * reps[i]!);
  const out = backend.makeOutput(outShape, x.dtype);
  const target = backend.typedArrayFromHeap(out);
  let src = backend.typedArrayFromHeap(x);
  const shape = [...x.shape];
  // Innermost axis first: after axis k is tiled, the axes after it are already whole, so each block is contiguous.
  const axes = [...shape.keys()].reverse().filter((k) => reps[k]! > 1);
  if (axes.length === 0) {
    target.set(src);
    return out;
  }
  axes.forEach((axis, n) => {
    const block = shape.slice(axis).reduce((a, b) => a * b, 1);
    const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
    const r = reps[axis]!;
    const dst = n === axes.length - 1 ? target : new (src.constructor as { new (n: number): tf.TypedArray })(outer * block * r);
    for (let o = 0; o < outer; o++) {
      const chunk = src.subarray(o * block, (o + 1) * block);
      for (let k = 0; k < r; k++) dst.set(chunk, (o * r + k) * block);
    }
    shape[axis] = shape[axis]! * r;
    src = dst;
  });
  return out;
}
