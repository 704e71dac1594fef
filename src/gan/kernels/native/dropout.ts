// Dropout with its uniform noise written straight into the wasm heap: the same masks as tfjs', without a JS array per call.
import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import type { WasmBackend } from '../provider.js';

/*
 * tfjs' dropout (tfjs-core ops/dropout.ts) draws its noise with randomUniform, which fills a new JS Float32Array of
 * the input's size (seedrandom's alea, as UniformRandom seeds it) and copies it into the wasm heap: dcgan's D makes
 * ~8 MB of such arrays per application, three applications per step. The arrays are garbage at once, but on the
 * native path a step is over before V8 collects them, so 25-50 MB of them sat beside the wasm heap at the peak.
 * Here the same numbers go into a heap tensor directly; the arithmetic after them is tfjs' own ops, unchanged, so
 * masks, outputs and gradients are bit-identical to tfjs' Dropout (tested). Anything but the plain case (a noise
 * shape, another dtype, inference) stays with tfjs' own call.
 */

interface DropoutLayer {
  rate: number;
  seed?: number;
  noiseShape?: number[];
  invokeCallHook(inputs: tf.Tensor | tf.Tensor[], kwargs: tf.serialization.ConfigDict): void;
}

type Call = (this: DropoutLayer, inputs: tf.Tensor | tf.Tensor[], kwargs: tf.serialization.ConfigDict) => tf.Tensor | tf.Tensor[];

/** randomUniform(shape, 0, 1, 'float32', seed) of tfjs-core, allocated in the wasm heap. */
export function heapUniform(backend: WasmBackend, shape: number[], seed: number | string | undefined): tf.Tensor {
  const info = backend.makeOutput(shape, 'float32');
  const values = backend.typedArrayFromHeap(info);
  // As tfjs' UniformRandom: no seed draws one; a number seeds by its decimal string; min + range · alea() = alea().
  const random = seedrandom.alea(String(seed ?? Math.random()));
  for (let i = 0; i < values.length; i++) values[i] = random();
  return tf.engine().makeTensorFromTensorInfo(info);
}

/** Replaces tfjs-layers' Dropout.call on `backendName` while installed; returns what undoes it. */
export function installHeapDropout(backendName: string): () => void {
  const proto = Object.getPrototypeOf(tf.layers.dropout({ rate: 0.5 })) as { call: Call };
  const original = proto.call;
  proto.call = function (inputs, kwargs) {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const plain = Array.isArray(inputs) ? inputs.length === 1 : true;
    const training = kwargs['training'] === true;
    if (tf.getBackend() !== backendName || !plain || !training || this.noiseShape != null || x?.dtype !== 'float32' || !(this.rate > 0 && this.rate < 1)) {
      return original.call(this, inputs, kwargs);
    }
    return tf.tidy(() => {
      this.invokeCallHook(inputs, kwargs);
      const keepProb = 1 - this.rate;
      const noise = heapUniform(tf.backend() as unknown as WasmBackend, x.shape, this.seed);
      return tf.mul(x, tf.div(tf.floor(tf.add(noise, keepProb)), keepProb));
    });
  };
  return () => {
    proto.call = original;
  };
}
