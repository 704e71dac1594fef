// Decodes one uploaded image (PNG, JPEG, WebP) to size x size grayscale or RGB bytes with a centre crop, or says why not.
import sharp from 'sharp';

const FORMATS = new Set(['png', 'jpeg', 'webp']);

export interface DecodeOptions {
  size: number;
  channels: 1 | 3;
  /** Pixels a header may claim before the image is refused unread (sharp's limitInputPixels). */
  maxPixels: number;
}

export type Decoded = { pixels: Buffer } | { skipped: string };

export async function decodeImage(data: Buffer, opts: DecodeOptions): Promise<Decoded> {
  const input = { limitInputPixels: opts.maxPixels, failOn: 'error' as const, sequentialRead: true };
  let format: string | undefined;
  try {
    // The header only: the pixel count is checked here so the reason can say so; decoding below enforces it again.
    const meta = await sharp(data, { ...input, limitInputPixels: false }).metadata();
    format = meta.format;
    if (!format || !FORMATS.has(format)) return { skipped: `not a PNG, JPEG or WebP image${format ? ` (${format})` : ''}` };
    if ((meta.width ?? 0) * (meta.height ?? 0) > opts.maxPixels) {
      return { skipped: `image of ${meta.width}x${meta.height} pixels is over the limit of ${opts.maxPixels} (GANFORGE_DATASET_MAX_PIXELS)` };
    }
  } catch {
    return { skipped: 'not a PNG, JPEG or WebP image' };
  }
  try {
    let img = sharp(data, input)
      .flatten({ background: '#000000' })
      .resize(opts.size, opts.size, { fit: 'cover', position: 'centre' });
    img = opts.channels === 1 ? img.grayscale() : img.toColourspace('srgb');
    const { data: pixels, info } = await img.raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== opts.channels || pixels.length !== opts.size * opts.size * opts.channels) {
      return { skipped: `decoded to ${info.channels} channels, expected ${opts.channels}` };
    }
    return { pixels };
  } catch (err) {
    return { skipped: `corrupt ${format} image (${(err as Error).message.split('\n')[0].slice(0, 120)})` };
  }
}
