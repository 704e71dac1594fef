// A small deterministic dataset for engine tests: fast to build, no files needed.
import type { Dataset } from '../../src/gan/datasets/dataset.js';

export function syntheticDataset(count = 256, seed = 7): Dataset {
  const images = new Float32Array(count * 28 * 28);
  let s = seed;
  for (let i = 0; i < images.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    images[i] = (s / 2 ** 32) * 2 - 1;
  }
  const labels = Uint8Array.from({ length: count }, (_, i) => i % 10);
  return { name: 'synthetic', source: 'test helper', count, height: 28, width: 28, channels: 1, images, labels };
}
