// Loads the N-API addon (native/ganforge_kernels.cc, built by `npm run build`), or says what is missing to build it.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The addon's functions; offsets are byte offsets into the wasm heap, counts and sizes in elements. */
export interface NativeAddon {
  matMul(
    heap: Uint8Array, batch: number, transposeA: boolean, transposeB: boolean, m: number, n: number, k: number,
    aOffset: number, aBatchStride: number, bOffset: number, bBatchStride: number, cOffset: number,
    biasOffset: number, activation: number, alpha: number,
  ): void;
  adam(
    heap: Uint8Array, count: number, w: number, m: number, v: number, g: number, outW: number, outM: number, outV: number,
    beta1: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number, accBeta1: number, accBeta2: number,
    epsilon: number, negLearningRate: number,
  ): void;
  conv2d(heap: Uint8Array, x: number, w: number, y: number, bias: number, activation: number, alpha: number, ...shape: number[]): void;
  conv2dBackpropInput(heap: Uint8Array, dy: number, w: number, dx: number, ...shape: number[]): void;
  conv2dBackpropFilter(heap: Uint8Array, x: number, dy: number, dw: number, ...shape: number[]): void;
  reduce(heap: Uint8Array, x: number, y: number, outer: number, size: number, inner: number, mean: boolean): void;
  unary(heap: Uint8Array, op: number, x: number, y: number, count: number, alpha: number): void;
  /** False (nothing written) when an index is out of range. */
  gatherRows(heap: Uint8Array, x: number, indices: number, y: number, count: number, rowSize: number, rows: number): boolean;
  batchNorm(
    heap: Uint8Array, x: number, y: number, rows: number, cols: number, mean: number, variance: number, offset: number,
    scale: number, meanStride: number, varianceStride: number, offsetStride: number, scaleStride: number, epsilon: number,
  ): void;
  greater(heap: Uint8Array, a: number, b: number, bStride: number, y: number, count: number): void;
  select(heap: Uint8Array, condition: number, t: number, e: number, y: number, count: number): void;
  /** y = full op row per row (row op full when rowFirst); op 0 multiply, 1 add, 2 subtract. */
  binaryRows(heap: Uint8Array, op: number, full: number, row: number, y: number, rows: number, cols: number, rowFirst: boolean): void;
  /** Nearest-neighbour resize of NHWC images by row and column maps; with grad, its gradient (see resize.ts). */
  resizeNearest(
    heap: Uint8Array, x: number, y: number, batch: number, inH: number, inW: number, channels: number, outH: number, outW: number,
    rowMap: Int32Array, colMap: Int32Array, grad: boolean,
  ): void;
  setThreads(threads: number): void;
  threads(): number;
  config(): string;
  /** Whose sgemm does the products: 'onednn' when built with libdnnl-dev, else 'openblas'. */
  gemmLibrary(): 'onednn' | 'openblas';
}

/** Where node-gyp puts the addon: build/Release under the package root (four levels up from src/ or dist/). */
const ADDON_PATH = fileURLToPath(new URL('../../../../build/Release/ganforge_kernels.node', import.meta.url));
export const INSTALL_HINT = 'apt-get install g++ make python3 libopenblas-dev, then npm run build';

let loaded: { addon?: NativeAddon; error?: string } | undefined;

/** The addon, or undefined with the reason in nativeAddonError(). Loaded once. */
export function nativeAddon(): NativeAddon | undefined {
  if (!loaded) {
    if (!existsSync(ADDON_PATH)) {
      loaded = { error: `native kernels not built (${INSTALL_HINT})` };
    } else {
      try {
        const addon = createRequire(import.meta.url)(ADDON_PATH) as NativeAddon;
        // OpenBLAS starts a thread per core; one job per core is the default (configureNativeKernels changes it).
        addon.setThreads(1);
        loaded = { addon };
      } catch (err) {
        const why = (err instanceof Error ? err.message : String(err)).split('\n')[0];
        loaded = { error: `cannot load ${ADDON_PATH}: ${why} (apt-get install libopenblas0 libdnnl2, or ${INSTALL_HINT})` };
      }
    }
  }
  return loaded.addon;
}

export function nativeAddonError(): string | undefined {
  nativeAddon();
  return loaded?.error;
}
