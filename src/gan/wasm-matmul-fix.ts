// Makes transposed matrix products fast on the tfjs WebAssembly backend by transposing operands before the kernel runs.
import * as tf from '@tensorflow/tfjs';

/*
 * Why: tfjs-backend-wasm 4.22 (src/cc/batch_mat_mul_impl.cc) only sends a product to XNNPACK when
 * transposeA and transposeB are both false and both operands have batch size 1; anything else runs a naive
 * blocked loop that is 10-30x slower. Backprop through a Dense layer needs dy·Wᵀ and xᵀ·dy, so training
 * spends most of its time there. Transposing the operand explicitly (a cheap copy) and calling the original
 * kernel without transposes takes the XNNPACK path. The slow loop also gets _FusedMatMul wrong: it adds the bias
 * (at index min(i*cols+j, len-1)) and clamps for relu after every 48-wide block of the shared dimension, so fused
 * products with a transpose and a bias or relu become correct as a side effect.
 */

const BACKEND = 'wasm';
export const PATCHED_KERNELS = ['BatchMatMul', '_FusedMatMul'] as const;
export type PatchedKernel = (typeof PATCHED_KERNELS)[number];

interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

/** Kernel configs as registered by tfjs-backend-wasm, kept while the fix is installed. */
const originals = new Map<PatchedKernel, tf.KernelConfig>();
/** Our wrappers, so a registry entry that is already patched (e.g. by a second module instance) is recognised. */
const wrappers = new WeakSet<tf.KernelFunc>();

/**
 * Re-registers the wasm BatchMatMul and _FusedMatMul kernels with the explicit-transpose wrapper.
 * Idempotent; does nothing for kernels the wasm backend has not registered. Other backends are untouched.
 */
export function installWasmMatMulFix(): void {
  for (const name of PATCHED_KERNELS) {
    if (originals.has(name)) continue;
    const config = tf.getKernel(name, BACKEND);
    if (!config || wrappers.has(config.kernelFunc)) continue;
    originals.set(name, config);
    replaceKernel({ ...config, kernelFunc: withExplicitTranspose(config.kernelFunc) });
  }
}

/** Restores the kernels tfjs-backend-wasm registered (for comparisons and benchmarks). Idempotent. */
export function uninstallWasmMatMulFix(): void {
  for (const [name, config] of originals) {
    replaceKernel(config);
    originals.delete(name);
  }
}

export function isWasmMatMulFixInstalled(): boolean {
  return originals.size > 0;
}

/** The unpatched kernel function while the fix is installed, else undefined. */
export function originalWasmKernel(name: PatchedKernel): tf.KernelFunc | undefined {
  return originals.get(name)?.kernelFunc;
}

function replaceKernel(config: tf.KernelConfig): void {
  tf.unregisterKernel(config.kernelName, config.backendName);
  tf.registerKernel(config);
}

function withExplicitTranspose(original: tf.KernelFunc): tf.KernelFunc {
  const fixed: tf.KernelFunc = (args) => {
    const { inputs, attrs } = args;
    const { transposeA, transposeB } = (attrs ?? {}) as unknown as MatMulAttrs;
    const { a, b } = inputs;
    // Anything unusual goes straight to the original so that it raises its own error.
    if ((!transposeA && !transposeB) || a?.dtype !== 'float32' || b?.dtype !== 'float32') return original(args);

    const backend = args.backend as tf.KernelBackend;
    const temporaries: tf.TensorInfo[] = [];
    const swapInnerDims = (x: tf.TensorInfo): tf.TensorInfo => {
      const t = transposeInnerDims(x, args.backend);
      temporaries.push(t);
      return t;
    };
    try {
      return original({
        inputs: { ...inputs, a: transposeA ? swapInnerDims(a) : a, b: transposeB ? swapInnerDims(b) : b },
        backend: args.backend,
        attrs: { ...attrs, transposeA: false, transposeB: false },
      });
    } finally {
      // The copies live only in the backend (never became engine tensors), so free their data directly.
      for (const t of temporaries) backend.disposeData(t.dataId);
    }
  };
  wrappers.add(fixed);
  return fixed;
}

/** Swaps the last two dimensions with the wasm Transpose kernel; the result is backend data the caller must free. */
function transposeInnerDims(x: tf.TensorInfo, backend: {}): tf.TensorInfo {
  const rank = x.shape.length;
  const perm = [...Array(rank).keys()];
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  const transpose = tf.getKernel('Transpose', BACKEND);
  return transpose.kernelFunc({ inputs: { x }, backend, attrs: { perm } }) as tf.TensorInfo;
}
