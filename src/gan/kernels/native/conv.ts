// Conv2D, FusedConv2D, Conv2DBackpropInput and Conv2DBackpropFilter (NHWC) as im2col + OpenBLAS sgemm in the addon.
import * as tf from '@tensorflow/tfjs';
import type { KernelOverride, WasmBackend } from '../provider.js';
import { heapOffset } from '../wasm-tensors.js';
import type { NativeAddon } from './addon.js';
import { activationCode } from './activation.js';

type Shape4 = [number, number, number, number];

interface ConvAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  activation?: string;
  leakyreluAlpha?: number;
  inputShape?: Shape4;
  filterShape?: Shape4;
}

/** The 15 shape fields the addon's conv functions take after their offsets. */
function shapeFields(info: tf.backend_util.Conv2DInfo): number[] {
  return [
    info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth, info.outChannels,
    info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth, info.dilationHeight, info.dilationWidth,
    info.padInfo.top, info.padInfo.left,
  ];
}

function convInfo(xShape: number[], filterShape: number[], attrs: ConvAttrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as Shape4, filterShape as Shape4, attrs.strides, attrs.dilations ?? 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast',
  );
}

const floats = (...ts: (tf.TensorInfo | undefined)[]) => ts.every((t) => !t || t.dtype === 'float32');

export function nativeConvKernels(addon: NativeAddon): KernelOverride[] {
  const forward: KernelOverride['make'] = (below) => (args) => {
    const { x, filter, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
    const attrs = args.attrs as unknown as ConvAttrs;
    const activation = activationCode(attrs.activation);
    const nchw = attrs.dataFormat === 'NCHW';
    if (nchw || preluActivationWeights || activation === undefined || !floats(x, filter, bias)) return below!(args);
    const info = convInfo(x!.shape, filter!.shape, attrs);
    if (bias && bias.shape.reduce((p, d) => p * d, 1) !== info.outChannels) return below!(args);
    const backend = args.backend as WasmBackend;
    const y = backend.makeOutput(info.outShape, 'float32');
    addon.conv2d(
      backend.wasm.HEAPU8, heapOffset(backend, x!), heapOffset(backend, filter!), heapOffset(backend, y),
      bias ? heapOffset(backend, bias) : -1, activation, attrs.leakyreluAlpha ?? 0.2, ...shapeFields(info),
    );
    return y;
  };
  return [
    { kernelName: 'Conv2D', make: forward },
    { kernelName: 'FusedConv2D', make: forward },
    {
      kernelName: 'Conv2DBackpropInput',
      make: (below) => (args) => {
        const { dy, filter } = args.inputs as Record<string, tf.TensorInfo>;
        const attrs = args.attrs as unknown as ConvAttrs;
        if (attrs.dataFormat === 'NCHW' || !floats(dy, filter)) return below!(args);
        const info = convInfo(attrs.inputShape!, filter!.shape, attrs);
        const backend = args.backend as WasmBackend;
        const dx = backend.makeOutput(info.inShape, 'float32');
        addon.conv2dBackpropInput(
          backend.wasm.HEAPU8, heapOffset(backend, dy!), heapOffset(backend, filter!), heapOffset(backend, dx), ...shapeFields(info),
        );
        return dx;
      },
    },
    {
      kernelName: 'Conv2DBackpropFilter',
      make: (below) => (args) => {
        const { x, dy } = args.inputs as Record<string, tf.TensorInfo>;
        const attrs = args.attrs as unknown as ConvAttrs;
        if (attrs.dataFormat === 'NCHW' || !floats(x, dy)) return below!(args);
        const info = convInfo(x!.shape, attrs.filterShape!, attrs);
        const backend = args.backend as WasmBackend;
        const dw = backend.makeOutput(info.filterShape, 'float32');
        addon.conv2dBackpropFilter(
          backend.wasm.HEAPU8, heapOffset(backend, x!), heapOffset(backend, dy!), heapOffset(backend, dw), ...shapeFields(info),
        );
        return dw;
      },
    },
  ];
}
