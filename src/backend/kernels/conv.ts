/**
 * Native 2-D convolution kernels (NHWC, filter [KH,KW,Cin,Cout]): Conv2D, FusedConv2D (per-channel bias +
 * activation in the epilogue), Conv2DBackpropInput and Conv2DBackpropFilter. NCHW and PReLU fall back to cpu.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BINARY_OPS } from './elementwise.ts';
import { ACTIVATION_CODES, ACTIVATION_UNARY, isColumnBias } from './matmul.ts';
import { alloc, allFloat32, f32, output, sizeOf, type KernelAddon, type NativeKernel } from './util.ts';

type Conv2DInfo = tf.backend_util.Conv2DInfo;

/** The geometry arguments every addon conv function takes after its three arrays. */
function geometry(c: Conv2DInfo): number[] {
  return [
    c.batchSize, c.inHeight, c.inWidth, c.inChannels, c.outHeight, c.outWidth, c.outChannels,
    c.filterHeight, c.filterWidth, c.strideHeight, c.strideWidth, c.padInfo.top, c.padInfo.left,
    c.dilationHeight, c.dilationWidth,
  ];
}

function dataFormatOk(attrs: tf.NamedAttrMap | undefined): boolean {
  const f = attrs?.dataFormat as string | undefined;
  return f === undefined || f === 'NHWC' || f === 'channelsLast';
}

function conv2dInfo(x: number[], filter: number[], attrs: tf.NamedAttrMap | undefined, dilations: unknown): Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    x as [number, number, number, number],
    filter as [number, number, number, number],
    attrs?.strides as number | [number, number],
    dilations as number | [number, number],
    attrs?.pad as 'valid' | 'same' | number,
    attrs?.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
    false,
    'channelsLast',
  );
}

function conv2dKernel(addon: KernelAddon, fused: boolean): NativeKernel {
  return {
    kernelName: fused ? 'FusedConv2D' : 'Conv2D',
    run: ({ inputs, backend, attrs }) => {
      const { x, filter, bias, preluActivationWeights } = inputs;
      const act = fused ? ACTIVATION_CODES[(attrs?.activation as string | undefined) ?? 'linear'] : 0;
      if (act === undefined || preluActivationWeights || !dataFormatOk(attrs)) return null;
      if (x.shape.length !== 4 || !allFloat32(backend, x, filter, bias)) return null;
      const info = conv2dInfo(x.shape, filter.shape, attrs, attrs?.dilations ?? 1);
      const alpha = (attrs?.leakyreluAlpha as number | undefined) ?? 0.2;
      const fuseBias = bias !== undefined && isColumnBias(bias, info.outChannels);
      const y = alloc(backend, sizeOf(info.outShape));
      if (y.length > 0) {
        addon.conv2d(
          f32(backend, x), f32(backend, filter), y, ...(geometry(info) as Geometry),
          fuseBias ? f32(backend, bias) : null, fuseBias || !bias ? act : 0, alpha,
        );
      }
      if (!bias || fuseBias) return output(backend, info.outShape, y);
      // A bias of another broadcast shape: add it with the native broadcasting Add, then the activation.
      const outShape = tf.backend_util.assertAndGetBroadcastShape(info.outShape, bias.shape);
      // In place when the bias does not widen the output (e.g. a per-image bias [N,1,1,Cout]).
      const z = sizeOf(outShape) === y.length ? y : alloc(backend, sizeOf(outShape));
      addon.binaryOp(BINARY_OPS.Add, y, info.outShape, f32(backend, bias), bias.shape, z, outShape);
      if (act !== 0) addon.unaryOp(ACTIVATION_UNARY[act], z, z, alpha);
      return output(backend, outShape, z);
    },
  };
}

type Geometry = [
  number, number, number, number, number, number, number, number, number, number, number, number, number, number,
  number,
];

function backpropInputKernel(addon: KernelAddon): NativeKernel {
  return {
    kernelName: 'Conv2DBackpropInput',
    run: ({ inputs, backend, attrs }) => {
      const { dy, filter } = inputs;
      if (!dataFormatOk(attrs) || !allFloat32(backend, dy, filter)) return null;
      const inputShape = attrs?.inputShape as number[];
      const info = conv2dInfo(inputShape, filter.shape, attrs, 1);
      const dx = alloc(backend, sizeOf(inputShape));
      if (dx.length > 0) {
        addon.conv2dBackpropInput(f32(backend, dy), f32(backend, filter), dx, ...(geometry(info) as Geometry));
      }
      return output(backend, inputShape, dx);
    },
  };
}

function backpropFilterKernel(addon: KernelAddon): NativeKernel {
  return {
    kernelName: 'Conv2DBackpropFilter',
    run: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs;
      if (!dataFormatOk(attrs) || !allFloat32(backend, x, dy)) return null;
      const filterShape = attrs?.filterShape as number[];
      const info = conv2dInfo(x.shape, filterShape, attrs, 1);
      const dw = alloc(backend, sizeOf(filterShape));
      if (dw.length > 0) {
        addon.conv2dBackpropFilter(f32(backend, x), f32(backend, dy), dw, ...(geometry(info) as Geometry));
      }
      return output(backend, filterShape, dw);
    },
  };
}

/** The native convolution kernels. */
export function convKernels(addon: KernelAddon): NativeKernel[] {
  return [conv2dKernel(addon, false), conv2dKernel(addon, true), backpropInputKernel(addon), backpropFilterKernel(addon)];
}
