/**
 * Native elementwise kernels: broadcasting binary ops (NumPy broadcasting), unary activations and AddN, all float32;
 * other dtypes fall back to the cpu kernels.
 */
import * as tf from '@tensorflow/tfjs-core';
import { alloc, allFloat32, f32, output, sizeOf, type NativeKernel, type KernelAddon } from './util.ts';

/** Binary op codes of native/src/elementwise.cc. */
export const BINARY_OPS = {
  Add: 0,
  Sub: 1,
  Multiply: 2,
  RealDiv: 3,
  Maximum: 4,
  Minimum: 5,
  SquaredDifference: 6,
  Pow: 7,
} as const;

/** Unary op codes of native/src/elementwise.cc (Step and LeakyRelu take their `alpha` attribute). */
export const UNARY_OPS = {
  Neg: 0,
  Exp: 1,
  Log: 2,
  Sqrt: 3,
  Rsqrt: 4,
  Square: 5,
  Sigmoid: 6,
  Softplus: 7,
  Relu: 8,
  Step: 9,
  Tanh: 10,
  Abs: 11,
  Reciprocal: 12,
  Sin: 13,
  Cos: 14,
  LeakyRelu: 15,
  Relu6: 16,
  Elu: 17,
  Log1p: 18,
} as const;

function binaryKernel(addon: KernelAddon, kernelName: keyof typeof BINARY_OPS): NativeKernel {
  const op = BINARY_OPS[kernelName];
  return {
    kernelName,
    run: ({ inputs, backend }) => {
      const { a, b } = inputs;
      if (!allFloat32(backend, a, b)) return null;
      const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
      const out = alloc(backend, sizeOf(outShape));
      addon.binaryOp(op, f32(backend, a), a.shape, f32(backend, b), b.shape, out, outShape);
      return output(backend, outShape, out);
    },
  };
}

function unaryKernel(addon: KernelAddon, kernelName: keyof typeof UNARY_OPS): NativeKernel {
  const op = UNARY_OPS[kernelName];
  return {
    kernelName,
    run: ({ inputs, backend, attrs }) => {
      const { x } = inputs;
      if (!allFloat32(backend, x)) return null;
      const out = alloc(backend, sizeOf(x.shape));
      const alpha = (attrs?.alpha as number | undefined) ?? 0;
      addon.unaryOp(op, f32(backend, x), out, alpha);
      return output(backend, x.shape, out);
    },
  };
}

function addNKernel(addon: KernelAddon): NativeKernel {
  return {
    kernelName: 'AddN',
    run: ({ inputs, backend }) => {
      const xs = inputs as unknown as tf.TensorInfo[];
      if (xs.length === 0 || !allFloat32(backend, ...xs)) return null;
      const out = alloc(backend, sizeOf(xs[0].shape));
      addon.addN(
        xs.map((t) => f32(backend, t)),
        out,
      );
      return output(backend, xs[0].shape, out);
    },
  };
}

/** Every native elementwise kernel. */
export function elementwiseKernels(addon: KernelAddon): NativeKernel[] {
  return [
    ...(Object.keys(BINARY_OPS) as (keyof typeof BINARY_OPS)[]).map((k) => binaryKernel(addon, k)),
    ...(Object.keys(UNARY_OPS) as (keyof typeof UNARY_OPS)[]).map((k) => unaryKernel(addon, k)),
    addNKernel(addon),
  ];
}
