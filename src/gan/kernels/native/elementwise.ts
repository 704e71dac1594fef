// Memory-bound kernels the profile shows after the products: reductions over leading axes, LeakyReLU (and its gradient), tanh, sigmoid, BatchNorm, row gathers, per-channel broadcasts.
import * as tf from '@tensorflow/tfjs';
import type { KernelOverride, WasmBackend } from '../provider.js';
import { heapOffset, sizeOf } from '../wasm-tensors.js';
import type { NativeAddon } from './addon.js';

/*
 * Why these: tfjs-backend-wasm reduces only over the innermost axes, so a bias gradient or a BatchNorm statistic
 * (a sum over the batch, axis 0) first transposes the whole tensor; its tanh and LeakyReLU are scalar loops; its
 * GatherV2 computes an index per element (the real batch of every step is a gather of 128 rows of the dataset).
 */

type Inputs = Record<string, tf.TensorInfo | undefined>;
const UNARY = { LeakyRelu: 0, Tanh: 1, Sigmoid: 2 } as const;

export function nativeElementwiseKernels(addon: NativeAddon): KernelOverride[] {
  const reduction = (kernelName: 'Sum' | 'Mean'): KernelOverride => ({
    kernelName,
    make: (below) => (args) => {
      const { x } = args.inputs as Inputs;
      const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
      if (x!.dtype !== 'float32') return below!(args);
      const axes = tf.util.parseAxisParam(axis, x!.shape).sort((a, b) => a - b);
      // Only a contiguous run of axes: the input is then [outer, size, inner] without moving data.
      if (axes.length === 0 || axes.some((a, i) => i > 0 && a !== axes[i - 1]! + 1)) return below!(args);
      const first = axes[0]!;
      const last = axes.at(-1)!;
      const size = sizeOf(x!.shape.slice(first, last + 1));
      if (size === 0) return below!(args);
      const outShape = keepDims ? x!.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x!.shape.filter((_, i) => !axes.includes(i));
      const backend = args.backend as WasmBackend;
      const y = backend.makeOutput(outShape, 'float32');
      addon.reduce(
        backend.wasm.HEAPU8, heapOffset(backend, x!), heapOffset(backend, y),
        sizeOf(x!.shape.slice(0, first)), size, sizeOf(x!.shape.slice(last + 1)), kernelName === 'Mean',
      );
      return y;
    },
  });

  const unary = (kernelName: keyof typeof UNARY): KernelOverride => ({
    kernelName,
    make: (below) => (args) => {
      const { x } = args.inputs as Inputs;
      if (x!.dtype !== 'float32') return below!(args);
      const backend = args.backend as WasmBackend;
      const y = backend.makeOutput(x!.shape, 'float32');
      const alpha = (args.attrs as { alpha?: number } | undefined)?.alpha ?? 0;
      addon.unary(backend.wasm.HEAPU8, UNARY[kernelName], heapOffset(backend, x!), heapOffset(backend, y), sizeOf(x!.shape), alpha);
      return y;
    },
  });

  const gather: KernelOverride = {
    kernelName: 'GatherV2',
    make: (below) => (args) => {
      const { x, indices } = args.inputs as Inputs;
      const { axis, batchDims } = args.attrs as unknown as { axis: number; batchDims?: number };
      if (x!.dtype !== 'float32' || indices!.dtype !== 'int32' || (batchDims ?? 0) !== 0) return below!(args);
      if (tf.util.parseAxisParam(axis, x!.shape)[0] !== 0 || x!.shape.length === 0) return below!(args);
      const backend = args.backend as WasmBackend;
      const y = backend.makeOutput([...indices!.shape, ...x!.shape.slice(1)], 'float32');
      const ok = addon.gatherRows(
        backend.wasm.HEAPU8, heapOffset(backend, x!), heapOffset(backend, indices!), heapOffset(backend, y),
        sizeOf(indices!.shape), sizeOf(x!.shape.slice(1)), x!.shape[0]!,
      );
      if (ok) return y;
      backend.disposeData(y.dataId);
      return below!(args);
    },
  };

  const batchNorm: KernelOverride = {
    kernelName: 'FusedBatchNorm',
    make: (below) => (args) => {
      const { x, mean, variance, offset, scale } = args.inputs as Inputs;
      const { varianceEpsilon } = args.attrs as unknown as { varianceEpsilon: number };
      const cols = x!.shape.at(-1) ?? 1;
      const params = [mean, variance, offset, scale];
      const fits = (t: tf.TensorInfo | undefined) => !t || (t.dtype === 'float32' && (sizeOf(t.shape) === cols || sizeOf(t.shape) === 1));
      if (x!.dtype !== 'float32' || x!.shape.length === 0 || !params.every(fits)) return below!(args);
      const backend = args.backend as WasmBackend;
      const y = backend.makeOutput(x!.shape, 'float32');
      const stride = (t: tf.TensorInfo | undefined) => (t && sizeOf(t.shape) === cols ? 1 : 0);
      addon.batchNorm(
        backend.wasm.HEAPU8, heapOffset(backend, x!), heapOffset(backend, y), sizeOf(x!.shape) / cols, cols,
        heapOffset(backend, mean!), heapOffset(backend, variance!), offset ? heapOffset(backend, offset) : -1,
        scale ? heapOffset(backend, scale) : -1, stride(mean), stride(variance), stride(offset), stride(scale), varianceEpsilon,
      );
      return y;
    },
  };

  // LeakyReLU's gradient: where(x > 0, dy, dy·α).
  const greater: KernelOverride = {
    kernelName: 'Greater',
    make: (below) => (args) => {
      const { a, b } = args.inputs as Inputs;
      const scalar = sizeOf(b!.shape) === 1;
      const alike = a!.shape.length === b!.shape.length && a!.shape.every((d, i) => d === b!.shape[i]);
      if (a!.dtype !== 'float32' || b!.dtype !== 'float32' || !(scalar || alike)) return below!(args);
      const backend = args.backend as WasmBackend;
      const y = backend.makeOutput(a!.shape, 'bool');
      addon.greater(backend.wasm.HEAPU8, heapOffset(backend, a!), heapOffset(backend, b!), scalar ? 0 : 1, heapOffset(backend, y), sizeOf(a!.shape));
      return y;
    },
  };

  const select: KernelOverride = {
    kernelName: 'Select',
    make: (below) => (args) => {
      const { condition, t, e } = args.inputs as Inputs;
      const alike = [condition!, e!].every((x) => x.shape.length === t!.shape.length && x.shape.every((d, i) => d === t!.shape[i]));
      if (condition!.dtype !== 'bool' || t!.dtype !== 'float32' || e!.dtype !== 'float32' || !alike) return below!(args);
      const backend = args.backend as WasmBackend;
      const y = backend.makeOutput(t!.shape, 'float32');
      addon.select(
        backend.wasm.HEAPU8, heapOffset(backend, condition!), heapOffset(backend, t!), heapOffset(backend, e!), heapOffset(backend, y), sizeOf(t!.shape),
      );
      return y;
    },
  };

  // BatchNorm's and Dropout's gradients broadcast a per-channel vector over 4D maps: tfjs-backend-wasm computes an
  // index per element for that; equal shapes stay with it (XNNPACK).
  const byRow = (kernelName: 'Multiply' | 'Add' | 'Sub', op: number): KernelOverride => ({
    kernelName,
    make: (below) => (args) => {
      const { a, b } = args.inputs as Inputs;
      if (a!.dtype !== 'float32' || b!.dtype !== 'float32') return below!(args);
      const rowFirst = sizeOf(a!.shape) < sizeOf(b!.shape);
      const [full, row] = rowFirst ? [b!, a!] : [a!, b!];
      const cols = full.shape.at(-1) ?? 0;
      const isRow = row.shape.length >= 1 && row.shape.length <= full.shape.length && row.shape.at(-1) === cols && sizeOf(row.shape) === cols;
      if (!isRow || cols === 0 || sizeOf(full.shape) === cols) return below!(args);
      const backend = args.backend as WasmBackend;
      const y = backend.makeOutput(full.shape, 'float32');
      addon.binaryRows(backend.wasm.HEAPU8, op, heapOffset(backend, full), heapOffset(backend, row), heapOffset(backend, y), sizeOf(full.shape) / cols, cols, rowFirst);
      return y;
    },
  });

  return [byRow('Multiply', 0), byRow('Add', 1), byRow('Sub', 2), greater, select, reduction('Sum'), reduction('Mean'), unary('LeakyRelu'), unary('Tanh'), unary('Sigmoid'), gather, batchNorm];
}
