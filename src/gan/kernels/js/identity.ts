// Makes the tfjs WebAssembly Identity kernel share its input's data instead of copying it: autodiff clones every saved tensor.
import type { KernelOverride, WasmBackend } from '../provider.js';

/*
 * Why: while gradients are recorded, tfjs clones (Identity kernel) every tensor a gradient will need: the inputs and
 * outputs of each layer, and each weight matrix once per forward pass. tfjs-backend-wasm 4.22's Identity copies the
 * data; its own Reshape, and Identity on the CPU and WebGL backends, share the data and count references instead.
 * Tensors are immutable, so sharing is safe; a training step then copies none of its saved tensors, and the saved
 * weights keep their data id, which lets the matmul kernels recognise them (withoutInputGradient in ../input-gradient.ts).
 */

export const jsIdentityKernel: KernelOverride = {
  kernelName: 'Identity',
  make: (below) => (args) => {
    const x = args.inputs.x!;
    if (x.dtype === 'string') return below!(args);
    (args.backend as WasmBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  },
};
