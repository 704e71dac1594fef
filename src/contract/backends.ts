// The TensorFlow.js backends by name, in the order `auto` tries them: shared by the engine, the environment and the CLI.
/**
 * 'wasm' takes the native kernel provider when it can load (see gan/kernels/); 'wasm-plain' is WebAssembly with our
 * JS kernels only. 'auto' tries them in this order, without 'wasm-plain'.
 */
export const BACKENDS = ['tensorflow-gpu', 'tensorflow', 'wasm', 'wasm-plain', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
export type BackendPreference = BackendName | 'auto';
