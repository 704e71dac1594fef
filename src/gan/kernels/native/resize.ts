// Nearest-neighbour resizing (UpSampling2D) and its gradient in the addon: tfjs-backend-wasm has a scalar loop for the one and a window search per pixel for the other.
import type * as tf from '@tensorflow/tfjs';
import type { KernelOverride, WasmBackend } from '../provider.js';
import { heapOffset } from '../wasm-tensors.js';
import type { NativeAddon } from './addon.js';

interface Attrs {
  alignCorners: boolean;
  halfPixelCenters?: boolean;
}

/** The source row (or column) of each output one, as tfjs computes it (float64 ratios, floor or round, clamped). */
function sourceMap(from: number, to: number, { alignCorners, halfPixelCenters }: Attrs): Int32Array {
  const ratio = (alignCorners && to > 1 ? from - 1 : from) / (alignCorners && to > 1 ? to - 1 : to);
  const map = new Int32Array(to);
  for (let i = 0; i < to; i++) {
    const frac = halfPixelCenters ? ratio * (i + 0.5) : ratio * i;
    const nearest = Math.min(from - 1, alignCorners ? Math.round(frac) : Math.floor(frac));
    map[i] = halfPixelCenters ? Math.max(0, nearest) : nearest;
  }
  return map;
}

export function nativeResizeKernels(addon: NativeAddon): KernelOverride[] {
  const run = (backend: WasmBackend, x: tf.TensorInfo, y: tf.TensorInfo, small: number[], large: number[], attrs: Attrs, grad: boolean) => {
    const [batch, inH, inW, channels] = small as [number, number, number, number];
    const [, outH, outW] = large as [number, number, number];
    addon.resizeNearest(
      backend.wasm.HEAPU8, heapOffset(backend, x), heapOffset(backend, y), batch, inH, inW, channels, outH, outW,
      sourceMap(inH, outH, attrs), sourceMap(inW, outW, attrs), grad,
    );
    return y;
  };
  return [
    {
      kernelName: 'ResizeNearestNeighbor',
      make: (below) => (args) => {
        const { images } = args.inputs as { images: tf.TensorInfo };
        const attrs = args.attrs as unknown as Attrs & { size: [number, number] };
        if (images.dtype !== 'float32' || images.shape.length !== 4) return below!(args);
        const large = [images.shape[0]!, attrs.size[0], attrs.size[1], images.shape[3]!];
        const backend = args.backend as WasmBackend;
        return run(backend, images, backend.makeOutput(large, 'float32'), images.shape, large, attrs, false);
      },
    },
    {
      kernelName: 'ResizeNearestNeighborGrad',
      make: (below) => (args) => {
        const { images, dy } = args.inputs as { images: tf.TensorInfo; dy: tf.TensorInfo };
        const attrs = args.attrs as unknown as Attrs;
        // tfjs' own gradient ignores halfPixelCenters; left to it, so that both agree.
        if (dy.dtype !== 'float32' || dy.shape.length !== 4 || images.shape.length !== 4 || attrs.halfPixelCenters) return below!(args);
        const backend = args.backend as WasmBackend;
        return run(backend, dy, backend.makeOutput(images.shape, 'float32'), images.shape, dy.shape, attrs, true);
      },
    },
  ];
}
