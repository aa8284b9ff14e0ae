/**
 * Shared plumbing of the native kernels: reading a tensor's Float32Array from the cpu-style storage, allocating an
 * output, and falling back to the `cpu` kernel of the same name for anything the native code does not handle
 * (int32/bool/complex dtypes, unusual attributes).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { DalAddon } from '../addon.ts';
import type { BufferPool } from '../pool.ts';

/** What the kernels need from the addon: all of it (the one typed interface, `DalAddon` in addon.ts). */
export type KernelAddon = DalAddon;

const ELEMENTWISE_FUNCTIONS = ['binaryOp', 'unaryOp', 'addN', 'reduce', 'softmax', 'transpose', 'stridedCopy'] as const;
const DAL_FUNCTIONS = ['matmul', 'conv2d', 'conv2dBackpropInput', 'conv2dBackpropFilter', 'numThreads'] as const;

/** The addon functions the backend needs that `addon` lacks (an addon built from older sources). */
export function missingAddonFunctions(addon: Record<string, unknown>): string[] {
  return [...ELEMENTWISE_FUNCTIONS, ...DAL_FUNCTIONS].filter((name) => typeof addon[name] !== 'function');
}

/** The kernel parameters tfjs passes to every kernel function, with the backend narrowed to the cpu storage. */
export interface NativeKernelParams {
  /** Inputs by name; `bias` and `preluActivationWeights` of the fused kernels may be absent. */
  inputs: Record<string, tf.TensorInfo> & { bias?: tf.TensorInfo; preluActivationWeights?: tf.TensorInfo };
  backend: MathBackendCPU;
  attrs?: tf.NamedAttrMap;
}

export type NativeKernelFunc = (params: NativeKernelParams) => tf.TensorInfo | tf.TensorInfo[];

/** A native kernel: `run` returns null when it declines the call, and the cpu kernel runs instead. */
export interface NativeKernel {
  kernelName: string;
  run: (params: NativeKernelParams) => tf.TensorInfo | tf.TensorInfo[] | null;
}

/** The cpu kernel function registered for `kernelName` (the fallback of every native kernel). */
export function cpuKernel(kernelName: string): tf.KernelFunc {
  const k = tf.getKernel(kernelName, 'cpu');
  if (!k) throw new Error(`native backend: the cpu backend has no kernel ${kernelName}`);
  return k.kernelFunc;
}

/** Wraps a native kernel so that a declined call (null) runs the cpu kernel on the same backend. */
export function withFallback(kernel: NativeKernel): tf.KernelConfig {
  const fallback = cpuKernel(kernel.kernelName);
  return {
    kernelName: kernel.kernelName,
    backendName: 'native',
    kernelFunc: (params) => {
      const p = params as unknown as NativeKernelParams;
      return kernel.run(p) ?? fallback(params);
    },
  };
}

/** True when every tensor is float32 and stored as a plain Float32Array (not complex). */
export function allFloat32(backend: MathBackendCPU, ...ts: (tf.TensorInfo | undefined)[]): boolean {
  for (const t of ts) {
    if (!t) continue;
    if (t.dtype !== 'float32') return false;
    if (!(backend.data.get(t.dataId).values instanceof Float32Array)) return false;
  }
  return true;
}

/** The Float32Array behind a float32 tensor (check with allFloat32 first). */
export function f32(backend: MathBackendCPU, t: tf.TensorInfo): Float32Array {
  return backend.data.get(t.dataId).values as Float32Array;
}

/** The backend's buffer pool (the native backend's; none on a plain cpu backend). */
function poolOf(backend: MathBackendCPU): BufferPool | undefined {
  return (backend as MathBackendCPU & { pool?: BufferPool }).pool;
}

/** Storage for an output of n floats that the kernel overwrites entirely (may be a recycled buffer). */
export function alloc(backend: MathBackendCPU, n: number): Float32Array {
  return poolOf(backend)?.alloc(n) ?? new Float32Array(n);
}

/** Zero-filled storage for an output of n floats. */
export function allocZeroed(backend: MathBackendCPU, n: number): Float32Array {
  return poolOf(backend)?.allocZeroed(n) ?? new Float32Array(n);
}

/** Allocates an output tensor of `shape` whose storage is `values` (default: zero-filled storage). */
export function output(backend: MathBackendCPU, shape: number[], values?: Float32Array): tf.TensorInfo {
  return backend.makeTensorInfo(shape, 'float32', values ?? allocZeroed(backend, sizeOf(shape)));
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
