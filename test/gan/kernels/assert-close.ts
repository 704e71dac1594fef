// The kernel parity tests' comparison: |actual - expected| <= tolerance · max(1, max |expected|), element by element.
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';

type Values = tf.Tensor | Float32Array;

export function assertClose(actual: Values, expected: Values, tolerance: number, what: string): void {
  if (actual instanceof tf.Tensor && expected instanceof tf.Tensor) assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  const a = actual instanceof tf.Tensor ? actual.dataSync() : actual;
  const e = expected instanceof tf.Tensor ? expected.dataSync() : expected;
  assert.equal(a.length, e.length, `${what}: size`);
  let scale = 1;
  for (const v of e) scale = Math.max(scale, Math.abs(v as number));
  for (let i = 0; i < e.length; i++) {
    const diff = Math.abs((a[i] as number) - (e[i] as number));
    if (!(diff <= tolerance * scale)) assert.fail(`${what}: element ${i} is ${a[i]}, expected ${e[i]} (scale ${scale})`);
  }
}
