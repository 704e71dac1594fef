// What a kernel provider is: a named set of kernels for one tfjs backend, each built on top of the kernel below it.
import type * as tf from '@tensorflow/tfjs';

/** One kernel of a provider. `below` is what was registered before it (a lower provider's or tfjs' own), if any. */
export interface KernelOverride {
  kernelName: string;
  make(below: tf.KernelFunc | undefined): tf.KernelFunc;
}

export interface KernelProvider {
  /** Short name, to choose providers by (e.g. 'native', 'js'). */
  name: string;
  /** What the backend label shows for it (e.g. 'onednn' in 'wasm+onednn'); its name when absent. */
  label?(): string;
  /** The tfjs backend whose kernels it replaces. */
  backendName: string;
  /** Why it cannot run on this machine (what is missing and how to get it), or undefined when it can. */
  unavailable(): string | undefined;
  kernels: readonly KernelOverride[];
  /** Anything else to put in place while installed (e.g. an optimiser method); returns what undoes it. */
  install?(): () => void;
}

/** The part of tfjs-backend-wasm's BackendWasm that the kernels use. */
export interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): tf.TypedArray;
  disposeData(dataId: object): boolean;
  incRef(dataId: object): void;
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  wasm: { HEAPU8: Uint8Array };
}
