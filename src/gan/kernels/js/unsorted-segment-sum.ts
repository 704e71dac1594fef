// UnsortedSegmentSum for the tfjs WebAssembly backend, which has none: it is the gradient of Gather, so without it no
// Embedding (the label input of model cgan) can be trained there.
import type * as tf from '@tensorflow/tfjs';
import type { KernelOverride, WasmBackend } from '../provider.js';

/*
 * out[s, ...] = Σ over i with segmentIds[i] = s of x[i, ...]; ids outside [0, numSegments) are dropped, as tfjs' CPU
 * kernel does. Rows are added in index order in float32 (deterministic; the CPU kernel's own Sum may order them
 * otherwise, so the two agree to rounding).
 */
export const jsUnsortedSegmentSumKernel: KernelOverride = {
  kernelName: 'UnsortedSegmentSum',
  make: () => (args) =>
    unsortedSegmentSum(
      args.inputs.x!,
      args.inputs.segmentIds!,
      (args.attrs as { numSegments: number }).numSegments,
      args.backend as WasmBackend,
    ),
};

export function unsortedSegmentSum(x: tf.TensorInfo, segmentIds: tf.TensorInfo, numSegments: number, backend: WasmBackend): tf.TensorInfo {
  if (x.dtype !== 'float32') throw new Error(`UnsortedSegmentSum on wasm supports float32 only, got ${x.dtype}`);
  const rows = segmentIds.shape.reduce((a, b) => a * b, 1);
  const xSize = x.shape.reduce((a, b) => a * b, 1);
  const width = rows === 0 ? 0 : xSize / rows;
  const out = backend.makeOutput([numSegments, ...x.shape.slice(segmentIds.shape.length)], 'float32');
  // Views are taken after makeOutput, which may grow (and so replace) the wasm memory.
  const xs = backend.typedArrayFromHeap(x) as Float32Array;
  const ids = backend.typedArrayFromHeap(segmentIds) as Int32Array;
  const sums = backend.typedArrayFromHeap(out) as Float32Array;
  sums.fill(0);
  for (let i = 0; i < rows; i++) {
    const s = ids[i]!;
    if (s < 0 || s >= numSegments) continue;
    const from = i * width;
    const to = s * width;
    for (let k = 0; k < width; k++) sums[to + k] = Math.fround(sums[to + k]! + xs[from + k]!);
  }
  return out;
}
