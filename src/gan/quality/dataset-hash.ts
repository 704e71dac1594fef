// A dataset's content hash: SHA-256 over its shape, images and labels, which names its scorer wherever it is loaded.
import { createHash } from 'node:crypto';
import type { Dataset } from '../datasets/dataset.js';

// Decoded datasets are cached by their source (datasets/sources.ts): a built-in is hashed once while it stays cached.
const hashes = new WeakMap<Dataset, string>();

export function datasetHash(d: Dataset): string {
  let hash = hashes.get(d);
  if (!hash) {
    const h = createHash('sha256');
    h.update(JSON.stringify({ count: d.count, shape: [d.height, d.width, d.channels] }));
    h.update(new Uint8Array(d.images.buffer, d.images.byteOffset, d.images.byteLength));
    h.update(d.labels);
    hash = h.digest('hex');
    hashes.set(d, hash);
  }
  return hash;
}
