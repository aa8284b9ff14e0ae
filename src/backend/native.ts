/**
 * The `native` tfjs backend: a MathBackendCPU (so tensors share the cpu backend's storage layout) whose kernel table
 * is the cpu backend's, with the hot kernels replaced by C++ ones from the dal_native addon. Any kernel not listed
 * in nativeKernels(), and any call a native kernel declines (non-float32 dtypes, unusual attributes), runs the cpu
 * kernel: the fallback is transparent. Gradients are registered per kernel name, so they work unchanged.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { convKernels } from './kernels/conv.ts';
import { copyKernels } from './kernels/copy.ts';
import { elementwiseKernels } from './kernels/elementwise.ts';
import { matmulKernels } from './kernels/matmul.ts';
import { reduceKernels } from './kernels/reduce.ts';
import { withFallback, type KernelAddon, type NativeKernel } from './kernels/util.ts';
import { GROUP_NORM_SILU, groupNormGradient, groupNormKernels } from './fused.ts';
import { BufferPool } from './pool.ts';

export const NATIVE_BACKEND = 'native';

/** DAL_POOL_MB: the most memory (MB) that disposed outputs kept for reuse may hold (pool.ts); 0 turns it off. */
function poolBytes(): number {
  const mb = Number(process.env.DAL_POOL_MB ?? 2048);
  return Number.isFinite(mb) && mb > 0 ? mb * 2 ** 20 : 0;
}

/**
 * The backend object: the cpu backend's storage and helpers; only the kernel table differs, and disposed outputs
 * are recycled through a BufferPool (see pool.ts for when a buffer may be reused).
 */
export class NativeBackend extends MathBackendCPU {
  readonly pool = new BufferPool(poolBytes());

  override write(values: tf.BackendValues, shape: number[], dtype: tf.DataType): tf.DataId {
    const dataId = super.write(values, shape, dtype);
    this.pool.adopt(values);
    return dataId;
  }

  override move(dataId: tf.DataId, values: tf.BackendValues, shape: number[], dtype: tf.DataType, refCount: number): void {
    super.move(dataId, values, shape, dtype, refCount);
    this.pool.adopt(values);
  }

  /** A read hands the stored array itself to the caller (dataSync, data, array): it is never recycled. */
  override readSync(dataId: tf.DataId): tf.BackendValues {
    const values = super.readSync(dataId);
    this.pool.escape(this.data.get(dataId).values);
    return values;
  }

  override disposeData(dataId: tf.DataId, force = false): boolean {
    const values = this.data.has(dataId) ? this.data.get(dataId).values : undefined;
    const disposed = super.disposeData(dataId, force);
    if (values !== undefined && !this.data.has(dataId)) this.pool.release(values);
    return disposed;
  }

  override dispose(): void {
    this.pool.clear();
    super.dispose();
  }
}

/** Every natively implemented kernel, in registration order. */
export function nativeKernels(addon: KernelAddon): NativeKernel[] {
  return [
    ...matmulKernels(addon),
    ...convKernels(addon),
    ...elementwiseKernels(addon),
    ...reduceKernels(addon),
    ...copyKernels(addon),
  ];
}

let registeredKernels: string[] | null = null;

/**
 * Registers the `native` backend (priority 2, above cpu's 1, so it is tfjs's default once registered) and its
 * kernels. Idempotent.
 * @returns the names of the kernels that run natively
 */
export function registerNativeBackend(addon: KernelAddon): string[] {
  if (registeredKernels) return registeredKernels;
  tf.registerBackend(NATIVE_BACKEND, () => new NativeBackend(), 2);
  const natives = new Map(nativeKernels(addon).map((k) => [k.kernelName, k]));
  for (const k of tf.getKernelsForBackend('cpu')) {
    const nat = natives.get(k.kernelName);
    tf.registerKernel(nat ? withFallback(nat) : { ...k, backendName: NATIVE_BACKEND });
  }
  registeredKernels = [...natives.keys()].filter((name) => tf.getKernel(name, 'cpu'));
  // dal's own kernels (no cpu counterpart), when the addon has them (an older build may not)
  if (typeof addon.groupNormForward === 'function' && typeof addon.groupNormBackward === 'function') {
    for (const k of groupNormKernels(addon)) tf.registerKernel(k);
    tf.registerGradient(groupNormGradient);
    registeredKernels.push(GROUP_NORM_SILU);
  }
  return registeredKernels;
}

/** The kernels registered natively (empty before registerNativeBackend). */
export function nativeKernelNames(): string[] {
  return registeredKernels ?? [];
}
