// Makes the tfjs WebAssembly Identity kernel share its input's data instead of copying it: autodiff clones every saved tensor.
import * as tf from '@tensorflow/tfjs';

/*
 * Why: while gradients are recorded, tfjs clones (Identity kernel) every tensor a gradient will need: the inputs and
 * outputs of each layer, and each weight matrix once per forward pass. tfjs-backend-wasm 4.22's Identity copies the
 * data; its own Reshape, and Identity on the CPU and WebGL backends, share the data and count references instead.
 * Tensors are immutable, so sharing is safe; a training step then copies none of its saved tensors, and the saved
 * weights keep their data id, which lets wasm-matmul-fix.ts recognise them (withoutInputGradient).
 */

const BACKEND = 'wasm';

/** The part of tfjs-backend-wasm's BackendWasm this kernel uses. */
interface WasmBackend {
  incRef(dataId: object): void;
}

let original: tf.KernelConfig | undefined;

/** Re-registers the wasm Identity kernel. Idempotent; other backends are untouched. */
export function installWasmIdentityFix(): void {
  if (original) return;
  const config = tf.getKernel('Identity', BACKEND);
  if (!config) return;
  original = config;
  tf.unregisterKernel('Identity', BACKEND);
  tf.registerKernel({ ...config, kernelFunc: shareData as unknown as tf.KernelFunc });
}

/** Restores tfjs-backend-wasm's own kernel (for comparisons). Idempotent. */
export function uninstallWasmIdentityFix(): void {
  if (!original) return;
  tf.unregisterKernel('Identity', BACKEND);
  tf.registerKernel(original);
  original = undefined;
}

function shareData(args: { inputs: { x: tf.TensorInfo }; backend: WasmBackend }): tf.TensorInfo {
  const { x } = args.inputs;
  if (x.dtype === 'string') return original!.kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  args.backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}
