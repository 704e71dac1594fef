// Our JS kernels for the tfjs WebAssembly backend: faster transposed products, Tile and Identity, and the missing Conv2DBackpropFilter and UnsortedSegmentSum.
import type { KernelProvider } from '../provider.js';
import { jsConv2DBackpropFilterKernel } from './conv2d-backprop-filter.js';
import { jsIdentityKernel } from './identity.js';
import { jsMatMulKernels } from './matmul.js';
import { jsTileKernel } from './tile.js';
import { jsUnsortedSegmentSumKernel } from './unsorted-segment-sum.js';

export const jsProvider: KernelProvider = {
  name: 'js',
  backendName: 'wasm',
  unavailable: () => undefined,
  kernels: [...jsMatMulKernels, jsTileKernel, jsIdentityKernel, jsConv2DBackpropFilterKernel, jsUnsortedSegmentSumKernel],
};
