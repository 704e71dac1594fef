// BatchMatMul and _FusedMatMul on OpenBLAS sgemm: transposes by sgemm's flags, bias and activation fused in the addon.
import * as tf from '@tensorflow/tfjs';
import type { KernelOverride, WasmBackend } from '../provider.js';
import { isSkippedProduct } from '../input-gradient.js';
import { heapOffset, sizeOf, zerosProduct } from '../wasm-tensors.js';
import type { NativeAddon } from './addon.js';
import { activationCode } from './activation.js';

interface Attrs {
  transposeA: boolean;
  transposeB: boolean;
  activation?: string;
  leakyreluAlpha?: number;
}

export function nativeMatMulKernels(addon: NativeAddon): KernelOverride[] {
  return (['BatchMatMul', '_FusedMatMul'] as const).map((kernelName) => ({
    kernelName,
    make: (below) => (args) => {
      const { a, b, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
      const attrs = args.attrs as unknown as Attrs;
      const backend = args.backend as WasmBackend;
      const out = matMul(addon, backend, a!, b!, bias, preluActivationWeights, attrs, kernelName === 'BatchMatMul');
      return out ?? below!(args);
    },
  }));
}

/** The product, or undefined for what sgemm does not cover here (other dtypes, prelu, general broadcasts). */
function matMul(
  addon: NativeAddon,
  backend: WasmBackend,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  bias: tf.TensorInfo | undefined,
  prelu: tf.TensorInfo | undefined,
  attrs: Attrs,
  maySkip: boolean,
): tf.TensorInfo | undefined {
  const { transposeA, transposeB } = attrs;
  const activation = activationCode(attrs.activation);
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || prelu || activation === undefined) return undefined;
  if (a.shape.length < 2 || b.shape.length < 2) return undefined;
  const m = transposeA ? a.shape.at(-1)! : a.shape.at(-2)!;
  const k = transposeA ? a.shape.at(-2)! : a.shape.at(-1)!;
  const n = transposeB ? b.shape.at(-2)! : b.shape.at(-1)!;
  if (k !== (transposeB ? b.shape.at(-1)! : b.shape.at(-2)!)) return undefined; // the kernel below raises tfjs' error
  const aBatch = sizeOf(a.shape.slice(0, -2));
  const bBatch = sizeOf(b.shape.slice(0, -2));
  if (aBatch !== bBatch && aBatch !== 1 && bBatch !== 1) return undefined;
  const batchShape = tf.backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const batch = Math.max(aBatch, bBatch);
  if (sizeOf(batchShape) !== batch) return undefined;
  if (bias && (bias.dtype !== 'float32' || sizeOf(bias.shape) !== n)) return undefined;
  if (maySkip && isSkippedProduct(b, transposeA, transposeB)) return zerosProduct(a, b, backend);

  const out = backend.makeOutput([...batchShape, m, n], 'float32');
  // The heap view is taken after makeOutput, which may grow (and so replace) the wasm memory.
  addon.matMul(
    backend.wasm.HEAPU8, batch, transposeA, transposeB, m, n, k,
    heapOffset(backend, a), aBatch === 1 ? 0 : m * k,
    heapOffset(backend, b), bBatch === 1 ? 0 : k * n,
    heapOffset(backend, out), bias ? heapOffset(backend, bias) : -1, activation, attrs.leakyreluAlpha ?? 0.2,
  );
  return out;
}
