// Small helpers over tfjs-backend-wasm's tensor data shared by the kernels of every provider.
import * as tf from '@tensorflow/tfjs';
import type { WasmBackend } from './provider.js';

/** The all-zero result of a·bᵀ (batch dims broadcast), for products that nothing reads (see input-gradient.ts). */
export function zerosProduct(a: tf.TensorInfo, b: tf.TensorInfo, backend: WasmBackend): tf.TensorInfo {
  const batch = tf.backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const out = backend.makeOutput([...batch, a.shape.at(-2)!, b.shape.at(-2)!], 'float32');
  backend.typedArrayFromHeap(out).fill(0);
  return out;
}

/** Byte offset of a tensor's data in the wasm heap. */
export function heapOffset(backend: WasmBackend, t: tf.TensorInfo): number {
  return backend.dataIdMap.get(t.dataId)!.memoryOffset;
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
