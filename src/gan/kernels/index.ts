// The kernel layer: providers in order (native > our JS/wasm kernels > tfjs' own), installed from this one list by the engine and the bench.
import * as tf from '@tensorflow/tfjs';
import { jsProvider } from './js/index.js';
import { nativeAddon } from './native/addon.js';
import { nativeProvider, setBlasThreads } from './native/index.js';
import type { KernelProvider } from './provider.js';

export type { KernelProvider, KernelOverride } from './provider.js';
export { withoutInputGradient } from './input-gradient.js';

export interface NativeSettings {
  /** BLAS threads (default 1). */
  blasThreads: number;
}

/** Settings of the native provider, applied when it is installed; BLAS runs single-threaded unless told otherwise. */
export function configureNativeKernels(settings: NativeSettings): void {
  setBlasThreads(settings.blasThreads);
}

/** The BLAS threads the native provider runs with while installed (OpenBLAS' own count), else undefined. */
export function nativeBlasThreads(): number | undefined {
  return installed?.providers.includes(nativeProvider.name) ? nativeAddon()?.threads() : undefined;
}

/**
 * The backend label of `backendName` with these providers in use: the backend, then what each provider but our JS
 * kernels (always there) shows, e.g. 'wasm+onednn' (products on oneDNN's sgemm), 'wasm+openblas', plain 'wasm'.
 */
export function backendLabel(backendName: string, providers: readonly string[]): string {
  const shown = kernelProviders.filter((p) => p.backendName === backendName && p.name !== 'js' && providers.includes(p.name));
  return [backendName, ...shown.map((p) => p.label?.() ?? p.name)].join('+');
}

/** The label a wasm worker reports when the native kernels are in use (what tests compare against). */
export function nativeBackendLabel(): string {
  return backendLabel('wasm', [nativeProvider.name]);
}

/** Highest priority first. tfjs' own kernels are the implicit last entry. */
export const kernelProviders: readonly KernelProvider[] = [nativeProvider, jsProvider];

export interface InstalledKernels {
  backendName: string;
  /** Names of the providers in use, highest first (e.g. ['native', 'js']). */
  providers: string[];
  /** Providers left out because they cannot run here, with the reason. */
  unavailable: { provider: string; reason: string }[];
}

/** tfjs' own kernel configs (undefined: none registered) replaced by the installed providers, per kernel name. */
let replaced: Map<string, tf.KernelConfig | undefined> | undefined;
let installed: InstalledKernels | undefined;
let undoExtras: (() => void)[] = [];

export interface InstallOptions {
  /** Only these providers (default: every one that can run here). */
  providers?: readonly string[];
  /** Leave these kernels to the provider below (for comparisons). */
  without?: readonly string[];
}

/**
 * Registers the kernels of the providers for `backendName`, each over the one below it. Replaces what an earlier
 * call installed.
 */
export function installKernels(backendName: string, options: InstallOptions = {}): InstalledKernels {
  uninstallKernels();
  const unavailable: InstalledKernels['unavailable'] = [];
  const chosen = kernelProviders.filter((p) => {
    if (p.backendName !== backendName || (options.providers && !options.providers.includes(p.name))) return false;
    const reason = p.unavailable();
    if (reason !== undefined) unavailable.push({ provider: p.name, reason });
    return reason === undefined;
  });
  replaced = new Map();
  for (const provider of [...chosen].reverse()) {
    for (const k of provider.kernels) {
      if (options.without?.includes(k.kernelName)) continue;
      const below = tf.getKernel(k.kernelName, backendName);
      if (!replaced.has(k.kernelName)) replaced.set(k.kernelName, below);
      if (below) tf.unregisterKernel(k.kernelName, backendName);
      // setupFunc/disposeFunc stay with the config: tfjs-backend-wasm binds its wasm functions there.
      tf.registerKernel({ ...below, kernelName: k.kernelName, backendName, kernelFunc: k.make(below?.kernelFunc) });
    }
  }
  undoExtras = chosen.flatMap((p) => (p.install ? [p.install()] : []));
  installed = { backendName, providers: chosen.map((p) => p.name), unavailable };
  return installed;
}

/** Restores tfjs' own kernels (for comparisons and the bench). Idempotent. */
export function uninstallKernels(): void {
  if (!installed || !replaced) return;
  for (const [name, config] of replaced) {
    tf.unregisterKernel(name, installed.backendName);
    if (config) tf.registerKernel(config);
  }
  for (const undo of undoExtras.reverse()) undo();
  undoExtras = [];
  replaced = undefined;
  installed = undefined;
}
