// Makes transposed matrix products fast on the tfjs WebAssembly backend by transposing operands before the kernel runs.
import * as tf from '@tensorflow/tfjs';
import type { KernelOverride, WasmBackend } from '../provider.js';
import { isSkippedProduct } from '../input-gradient.js';
import { zerosProduct } from '../wasm-tensors.js';

/*
 * Why: tfjs-backend-wasm 4.22 (src/cc/batch_mat_mul_impl.cc) only sends a product to XNNPACK when
 * transposeA and transposeB are both false and both operands have batch size 1; anything else runs a naive
 * blocked loop that is 10-30x slower. Backprop through a Dense layer needs dy·Wᵀ and xᵀ·dy, so training
 * spends most of its time there. Transposing the operand explicitly (a cheap copy) and calling the original
 * kernel without transposes takes the XNNPACK path. The slow loop also gets _FusedMatMul wrong: it adds the bias
 * (at index min(i*cols+j, len-1)) and clamps for relu after every 48-wide block of the shared dimension, so fused
 * products with a transpose and a bias or relu become correct as a side effect.
 *
 * Which operand to transpose: XNNPACK packs the right operand into its own layout on every call with new data
 * (tfjs caches the packing per data id, and weights, their transposes and gradients are new every step), at ~5 ns an
 * element. For dx = dy·Wᵀ the direct way copies and packs all of W; (W·dyᵀ)ᵀ moves only batch-sized matrices, and
 * XNNPACK adds the same products in the same order either way, so the result is the same bit for bit.
 */

const MATMUL_KERNELS = ['BatchMatMul', '_FusedMatMul'] as const;
type MatMulKernel = (typeof MATMUL_KERNELS)[number];

interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

export const jsMatMulKernels: KernelOverride[] = MATMUL_KERNELS.map((name) => ({
  kernelName: name,
  make: (below) => withExplicitTranspose(below!, name),
}));

function withExplicitTranspose(original: tf.KernelFunc, name: MatMulKernel): tf.KernelFunc {
  const fixed: tf.KernelFunc = (args) => {
    const { inputs, attrs } = args;
    const { transposeA, transposeB } = (attrs ?? {}) as unknown as MatMulAttrs;
    const { a, b } = inputs;
    // Anything unusual goes straight to the original so that it raises its own error.
    if ((!transposeA && !transposeB) || a?.dtype !== 'float32' || b?.dtype !== 'float32') return original(args);

    const backend = args.backend as WasmBackend;
    if (name === 'BatchMatMul' && isSkippedProduct(b, transposeA, transposeB)) return zerosProduct(a, b, backend);
    const temporaries: tf.TensorInfo[] = [];
    const swapInnerDims = (x: tf.TensorInfo): tf.TensorInfo => {
      const t = transposeInnerDims(x, backend);
      temporaries.push(t);
      return t;
    };
    const plain = (left: tf.TensorInfo, right: tf.TensorInfo): tf.TensorInfo =>
      original({
        inputs: { ...inputs, a: left, b: right },
        backend: args.backend,
        attrs: { ...attrs, transposeA: false, transposeB: false },
      }) as tf.TensorInfo;
    try {
      // Only BatchMatMul: a fused bias would be added along the wrong axis of the swapped product.
      if (name === 'BatchMatMul' && swappingIsCheaper(a.shape, b.shape, transposeA, transposeB)) {
        // op(a)·op(b) = (op(b)ᵀ·op(a)ᵀ)ᵀ, where op(b)ᵀ is b itself when transposeB, and op(a)ᵀ is a when transposeA.
        const productT = plain(transposeB ? b : swapInnerDims(b), transposeA ? a : swapInnerDims(a));
        temporaries.push(productT);
        return transposeInnerDims(productT, backend);
      }
      return plain(transposeA ? swapInnerDims(a) : a, transposeB ? swapInnerDims(b) : b);
    } finally {
      // The copies live only in the backend (never became engine tensors), so free their data directly.
      for (const t of temporaries) backend.disposeData(t.dataId);
    }
  };
  return fixed;
}

/** Compares the elements each way copies: the transposed operands, the packed right operand, the swapped product. */
function swappingIsCheaper(aShape: number[], bShape: number[], transposeA: boolean, transposeB: boolean): boolean {
  // Only products without batch dimensions reach XNNPACK; the rest take tfjs' loop either way.
  if (aShape.slice(0, -2).some((d) => d !== 1) || bShape.slice(0, -2).some((d) => d !== 1)) return false;
  const [m, k] = transposeA ? [aShape.at(-1)!, aShape.at(-2)!] : [aShape.at(-2)!, aShape.at(-1)!];
  const n = transposeB ? bShape.at(-2)! : bShape.at(-1)!;
  const direct = (transposeA ? m * k : 0) + (transposeB ? n * k : 0) + k * n;
  const swapped = (transposeB ? 0 : n * k) + (transposeA ? 0 : m * k) + k * m + m * n;
  return swapped < direct;
}

/**
 * Swaps the last two dimensions; the result is backend data the caller must free. tfjs' Transpose writes the output
 * column by column, which thrashes the cache when output rows are a multiple of 32 floats apart (8-20 ns an element
 * for [1024, 784], against 0.5 otherwise); those go through 16x16 tiles instead (~2 ns), the rest keep the kernel.
 */
function transposeInnerDims(x: tf.TensorInfo, backend: WasmBackend): tf.TensorInfo {
  const rank = x.shape.length;
  const rows = x.shape[rank - 2]!;
  const cols = x.shape[rank - 1]!;
  if (rows % 32 !== 0) {
    const perm = [...Array(rank).keys()];
    [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1]!, perm[rank - 2]!];
    const transpose = tf.getKernel('Transpose', 'wasm');
    return transpose.kernelFunc({ inputs: { x }, backend: backend as {}, attrs: { perm } }) as tf.TensorInfo;
  }
  const out = backend.makeOutput([...x.shape.slice(0, -2), cols, rows], x.dtype);
  // Views are taken after makeOutput, which may grow (and so replace) the wasm memory.
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  for (let offset = 0; offset < src.length; offset += rows * cols) transposeTiled(src, dst, offset, rows, cols);
  return out;
}

const TILE = 16;

function transposeTiled(src: tf.TypedArray, dst: tf.TypedArray, offset: number, rows: number, cols: number): void {
  for (let j0 = 0; j0 < cols; j0 += TILE) {
    const j1 = Math.min(j0 + TILE, cols);
    for (let i0 = 0; i0 < rows; i0 += TILE) {
      const i1 = Math.min(i0 + TILE, rows);
      for (let j = j0; j < j1; j++) {
        let d = offset + j * rows + i0;
        let s = offset + i0 * cols + j;
        for (let i = i0; i < i1; i++, d++, s += cols) dst[d] = src[s]!;
      }
    }
  }
}
