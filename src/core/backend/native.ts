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

export const NATIVE_BACKEND = 'native';

/** The backend object: the cpu backend's storage and helpers; only the kernel table differs. */
export class NativeBackend extends MathBackendCPU {
  constructor() {
    super();
    // MathBackendCPU advertises tfjs-node on its first write; on this backend that advice does not apply.
    (this as unknown as { firstUse: boolean }).firstUse = false;
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
  return registeredKernels;
}

/** The kernels registered natively (empty before registerNativeBackend). */
export function nativeKernelNames(): string[] {
  return registeredKernels ?? [];
}
