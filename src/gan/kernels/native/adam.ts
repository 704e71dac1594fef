// One fused Adam update per variable (a kernel of the addon) in place of tfjs' ~12 small kernels per variable.
import * as tf from '@tensorflow/tfjs';
import type { KernelOverride, WasmBackend } from '../provider.js';
import { heapOffset, sizeOf } from '../wasm-tensors.js';
import type { NativeAddon } from './addon.js';

/*
 * tfjs' AdamOptimizer.applyGradients runs, per variable and step, mul, mul, add, square, mul, mul, add, div, div,
 * sqrt, add, div, mul, add: ~14 kernel calls and as many temporary tensors, about 20 ms a GAN iteration on wasm.
 * The kernel below does the same operations in the same order, each rounded to float32 as tfjs' kernels round them,
 * in one pass, in place when no other tensor shares the variable's data. applyGradients is replaced on AdamOptimizer's prototype while the native provider is installed,
 * because the optimisers are built by tf.train.adam in the engine and by tfjs-layers; the replacement keeps tfjs'
 * fields (accumulated moments, accBeta1/2, iterations), so checkpoints save and restore as before.
 */

export const ADAM_KERNEL = 'GanforgeAdam';

interface AdamAttrs {
  beta1: number;
  beta2: number;
  epsilon: number;
  learningRate: number;
}

export function nativeAdamKernel(addon: NativeAddon): KernelOverride {
  return {
    kernelName: ADAM_KERNEL,
    make: () => (args) => {
      const { value, m, v, gradient, accBeta1, accBeta2 } = args.inputs as Record<string, tf.TensorInfo>;
      const { beta1, beta2, epsilon, learningRate } = args.attrs as unknown as AdamAttrs;
      const backend = args.backend as WasmBackend;
      const outs = [value!, m!, v!].map((t) => backend.makeOutput(t.shape, 'float32'));
      const [outW, outM, outV] = outs.map((t) => heapOffset(backend, t));
      addon.adam(
        backend.wasm.HEAPU8, sizeOf(value!.shape),
        heapOffset(backend, value!), heapOffset(backend, m!), heapOffset(backend, v!), heapOffset(backend, gradient!),
        outW!, outM!, outV!, beta1, 1 - beta1, beta2, 1 - beta2, heapOffset(backend, accBeta1!), heapOffset(backend, accBeta2!),
        epsilon, -learningRate,
      );
      return outs;
    },
  };
}

/** The fields of tfjs' AdamOptimizer that applyGradients uses (private in its typings). */
interface AdamInternals {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
  incrementIterations(): void;
}

type ApplyGradients = tf.AdamOptimizer['applyGradients'];

/** Replaces AdamOptimizer.applyGradients on wasm with the fused kernel; returns what undoes it. */
export function installFusedAdam(backendName: string, addon: NativeAddon): () => void {
  const proto = tf.AdamOptimizer.prototype as unknown as { applyGradients: ApplyGradients };
  const original = proto.applyGradients;
  proto.applyGradients = function (this: tf.AdamOptimizer, variableGradients) {
    const fused = tf.getBackend() === backendName && tf.getKernel(ADAM_KERNEL, backendName) !== undefined;
    if (!fused) return original.call(this, variableGradients);
    fusedApplyGradients(this as unknown as AdamInternals, variableGradients, addon);
  };
  return () => {
    proto.applyGradients = original;
  };
}

/** tfjs' applyGradients (tfjs-core optimizers/adam_optimizer.ts), with the arithmetic in one kernel per variable. */
function fusedApplyGradients(
  opt: AdamInternals,
  variableGradients: tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[],
  addon: NativeAddon,
): void {
  const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
  const engine = tf.engine();
  const backend = tf.backend() as unknown as WasmBackend & { refCount(dataId: object): number };
  const sole = (t: tf.Tensor) => t.dtype === 'float32' && backend.refCount(t.dataId) === 1;
  tf.tidy(() => {
    names.forEach((name, i) => {
      const value = engine.registeredVariables[name]!;
      opt.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
      opt.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
      const gradient = Array.isArray(variableGradients) ? variableGradients[i]!.tensor : variableGradients[name];
      if (gradient == null) return;
      const m = opt.accumulatedFirstMoment[i]!.variable;
      const v = opt.accumulatedSecondMoment[i]!.variable;
      if (sole(value) && sole(m) && sole(v) && gradient.dtype === 'float32') {
        // Nothing else holds these buffers (no clone shares them): update them in place, as PyTorch does.
        const [w, mo, vo] = [value, m, v].map((t) => heapOffset(backend, t));
        addon.adam(
          backend.wasm.HEAPU8, value.size, w!, mo!, vo!, heapOffset(backend, gradient), w!, mo!, vo!,
          opt.beta1, 1 - opt.beta1, opt.beta2, 1 - opt.beta2, heapOffset(backend, opt.accBeta1), heapOffset(backend, opt.accBeta2),
          opt.epsilon, -opt.learningRate,
        );
        return;
      }
      const attrs = { beta1: opt.beta1, beta2: opt.beta2, epsilon: opt.epsilon, learningRate: opt.learningRate };
      const inputs = { value, m, v, gradient, accBeta1: opt.accBeta1, accBeta2: opt.accBeta2 };
      const [newValue, newM, newV] = engine.runKernel(ADAM_KERNEL, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
      m.assign(newM!);
      v.assign(newV!);
      value.assign(newValue!);
    });
    opt.accBeta1.assign(tf.mul(opt.accBeta1, opt.beta1));
    opt.accBeta2.assign(tf.mul(opt.accBeta2, opt.beta2));
  });
  opt.incrementIterations();
}
