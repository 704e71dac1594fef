// The TensorFlow.js backends by name, in the order `auto` tries them: shared by the engine, the environment and the CLI.
export const BACKENDS = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
export type BackendPreference = BackendName | 'auto';
