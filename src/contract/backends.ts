// The TensorFlow.js backends by name, in the order `auto` tries them: shared by the engine, the environment and the CLI.
/**
 * 'wasm' takes the native kernel provider when it can load (see gan/kernels/); 'wasm-plain' is WebAssembly with our
 * JS kernels only. 'auto' tries them in this order, without 'wasm-plain'.
 */
export const BACKENDS = ['tensorflow-gpu', 'tensorflow', 'wasm', 'wasm-plain', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
export type BackendPreference = BackendName | 'auto';

/**
 * The --backend value that loads again what a job's backend label names (the engine's label: the tfjs backend plus
 * its native kernel providers, e.g. 'wasm+onednn'), or undefined for a label it does not know. A plain 'wasm' label
 * means our JS kernels only: 'wasm-plain' (where the native kernels exist, 'wasm' would take them).
 */
export function backendFlagOf(label: string): BackendName | undefined {
  const [name, ...providers] = label.split('+');
  if (name === 'wasm') return providers.length > 0 ? 'wasm' : 'wasm-plain';
  if (name === 'tensorflow' || name === 'cpu') return name;
  return undefined;
}
