// The native provider: the addon's kernels for the tfjs WebAssembly backend, computing on the wasm heap, labelled by its sgemm's library.
import type { KernelProvider } from '../provider.js';
import { nativeAddon, nativeAddonError, type NativeAddon } from './addon.js';
import { installFusedAdam, nativeAdamKernel } from './adam.js';
import { nativeConvKernels } from './conv.js';
import { installHeapDropout } from './dropout.js';
import { installHeapGradients } from './gradients.js';
import { nativeElementwiseKernels } from './elementwise.js';
import { nativeMatMulKernels } from './matmul.js';
import { nativeResizeKernels } from './resize.js';

function kernelsOf(addon: NativeAddon | undefined): KernelProvider['kernels'] {
  if (!addon) return [];
  return [...nativeMatMulKernels(addon), ...nativeConvKernels(addon), nativeAdamKernel(addon), ...nativeElementwiseKernels(addon), ...nativeResizeKernels(addon)];
}

export const nativeProvider: KernelProvider = {
  name: 'native',
  // 'onednn' or 'openblas': the library of the products and convolutions, nearly all of the work.
  label: () => nativeAddon()?.gemmLibrary() ?? 'native',
  backendName: 'wasm',
  unavailable: nativeAddonError,
  get kernels() {
    return kernelsOf(nativeAddon());
  },
  install: () => {
    const addon = nativeAddon()!;
    addon.setThreads(blasThreads);
    const undo = [installFusedAdam('wasm', addon), installHeapDropout('wasm'), installHeapGradients()];
    return () => undo.forEach((u) => u());
  },
};

let blasThreads = 1;

/** The BLAS threads to use from the next install on (OpenBLAS would otherwise take every core). */
export function setBlasThreads(threads: number): void {
  blasThreads = threads;
}
