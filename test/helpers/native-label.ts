// The backend label of the native kernels as the engine names them (e.g. 'wasm+onednn'), for tests to match reports against.
import { nativeBackendLabel } from '../../src/gan/kernels/index.js';

/** 'wasm+onednn' or 'wasm+openblas' by how the addon was built ('wasm+native' when it is not: never reported then). */
export const NATIVE_LABEL = nativeBackendLabel();

/** NATIVE_LABEL as regular-expression source. */
export const NATIVE_LABEL_SOURCE = NATIVE_LABEL.replace(/[+]/g, '\\+');
