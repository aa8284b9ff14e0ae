/**
 * Native MatMul kernels: BatchMatMul (transposed operands, batch broadcasting where one side has batch 1) and
 * _FusedMatMul (bias + activation fused into the GEMM epilogue when the bias is per column; otherwise the bias is
 * added by the native broadcasting Add). PReLU and general batch broadcasting fall back to the cpu kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { BINARY_OPS, UNARY_OPS } from './elementwise.ts';
import { alloc, allFloat32, f32, output, sizeOf, type KernelAddon, type NativeKernel } from './util.ts';

/** tfjs fused activation name → the addon's epilogue code (prelu is not fused natively). */
export const ACTIVATION_CODES: Record<string, number> = {
  linear: 0,
  relu: 1,
  relu6: 2,
  sigmoid: 3,
  elu: 4,
  leakyrelu: 5,
};

/** Epilogue code → the unary op applying the same activation (for the unfused path). */
export const ACTIVATION_UNARY: Record<number, number> = {
  1: UNARY_OPS.Relu,
  2: UNARY_OPS.Relu6,
  3: UNARY_OPS.Sigmoid,
  4: UNARY_OPS.Elu,
  5: UNARY_OPS.LeakyRelu,
};

/** True when `bias` adds one value per last-axis column: shape [n] or [1, …, 1, n]. */
export function isColumnBias(bias: tf.TensorInfo, n: number): boolean {
  const s = bias.shape;
  return s.length >= 1 && s[s.length - 1] === n && sizeOf(s) === n;
}

function batchMatMul(
  addon: KernelAddon,
  backend: MathBackendCPU,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  bias: tf.TensorInfo | undefined,
  activation: number,
  leakyAlpha: number,
): tf.TensorInfo | null {
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (ra < 2 || rb < 2) return null;
  const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  if (k !== kb) return null;  // let the cpu kernel raise tfjs's own error
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const outer = tf.backend_util.assertAndGetBroadcastShape(outerA, outerB);
  const batchA = sizeOf(outerA);
  const batchB = sizeOf(outerB);
  const batch = sizeOf(outer);
  if (!(batchA === batch || batchA === 1) || !(batchB === batch || batchB === 1)) return null;
  const outShape = [...outer, m, n];
  const out = alloc(backend, batch * m * n);
  if (out.length > 0) {
    addon.matmul(
      f32(backend, a), f32(backend, b), out, batch, m, n, k, transposeA, transposeB,
      batchA === 1 ? 0 : m * k, batchB === 1 ? 0 : k * n,
      bias ? f32(backend, bias) : null, activation, leakyAlpha,
    );
  }
  return output(backend, outShape, out);
}

function batchMatMulKernel(addon: KernelAddon, kernelName: 'BatchMatMul'): NativeKernel {
  return {
    kernelName,
    run: ({ inputs, backend, attrs }) => {
      const { a, b } = inputs;
      if (!allFloat32(backend, a, b)) return null;
      return batchMatMul(addon, backend, a, b, Boolean(attrs?.transposeA), Boolean(attrs?.transposeB), undefined, 0, 0);
    },
  };
}

function fusedMatMulKernel(addon: KernelAddon): NativeKernel {
  return {
    kernelName: '_FusedMatMul',
    run: ({ inputs, backend, attrs }) => {
      const { a, b, bias, preluActivationWeights } = inputs;
      const activationName = (attrs?.activation as string | undefined) ?? 'linear';
      const act = ACTIVATION_CODES[activationName];
      if (act === undefined || preluActivationWeights || !allFloat32(backend, a, b, bias)) return null;
      const transposeA = Boolean(attrs?.transposeA);
      const transposeB = Boolean(attrs?.transposeB);
      const alpha = (attrs?.leakyreluAlpha as number | undefined) ?? 0.2;
      const n = transposeB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1];
      if (!bias || isColumnBias(bias, n)) {
        return batchMatMul(addon, backend, a, b, transposeA, transposeB, bias, act, alpha);
      }
      // A bias of another broadcast shape: GEMM, then the broadcasting add, then the activation in place.
      const y = batchMatMul(addon, backend, a, b, transposeA, transposeB, undefined, 0, 0);
      if (!y) return null;
      const outShape = tf.backend_util.assertAndGetBroadcastShape(y.shape, bias.shape);
      const z = alloc(backend, sizeOf(outShape));
      addon.binaryOp(BINARY_OPS.Add, f32(backend, y), y.shape, f32(backend, bias), bias.shape, z, outShape);
      backend.disposeIntermediateTensorInfo(y);
      if (act !== 0) addon.unaryOp(ACTIVATION_UNARY[act], z, z, alpha);
      return output(backend, outShape, z);
    },
  };
}

/** The native MatMul kernels. */
export function matmulKernels(addon: KernelAddon): NativeKernel[] {
  return [batchMatMulKernel(addon, 'BatchMatMul'), fusedMatMulKernel(addon)];
}
