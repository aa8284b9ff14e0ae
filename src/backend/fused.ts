/**
 * Fused compound ops as registered tfjs kernels with registered gradients (tfjs's op/kernel split), one C++ pass each
 * way on the `native` backend; `registerNativeBackend` registers them. Each op returns null where no kernel is
 * registered for the active backend; the nn layer then uses its tf-op path.
 *
 * - nativeGroupNormSilu: GroupNorm (Wu & He 2018, eq. 1–3; biased variance as PyTorch) optionally followed by SiLU.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { GroupNormAddon } from './addon.ts';
import { alloc, f32, output } from './kernels/util.ts';
import { NATIVE_BACKEND } from './native.ts';
import type { BufferPool } from './pool.ts';

/** n floats of output storage from the native backend's buffer pool (to be overwritten entirely by the addon). */
export function poolAlloc(n: number): Float32Array {
  return (tf.backend() as MathBackendCPU & { pool?: BufferPool }).pool?.alloc(n) ?? new Float32Array(n);
}

/** The stored values of t (no copy); a tensor still held by another backend is read through the engine. */
export function backendValues(t: tf.Tensor): Float32Array {
  const data = (tf.backend() as MathBackendCPU).data;
  return (data.has(t.dataId) ? data.get(t.dataId).values : t.dataSync()) as Float32Array;
}

/** The GroupNorm(+SiLU) kernel: inputs {x [B,H,W,C], gamma [C], beta [C]}, attrs {groups, epsilon, silu};
 * outputs [y [B,H,W,C], mean [B·G], rstd [B·G]] (the statistics are what its gradient needs). */
export const GROUP_NORM_SILU = 'DalGroupNormSilu';
/** Its backward kernel: inputs {dy, x, gamma, beta, mean, rstd}; outputs [dx, dγ, dβ]. */
const GROUP_NORM_SILU_GRAD = 'DalGroupNormSiluGrad';

interface GroupNormAttrs {
  groups: number;
  epsilon: number;
  silu: boolean;
}

/** The native backend's GroupNorm kernels (forward and backward: one C++ pass each), for `registerNativeBackend`. */
export function groupNormKernels(addon: GroupNormAddon): tf.KernelConfig[] {
  return [
    {
      kernelName: GROUP_NORM_SILU,
      backendName: NATIVE_BACKEND,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const { x, gamma, beta } = inputs as { x: tf.TensorInfo; gamma: tf.TensorInfo; beta: tf.TensorInfo };
        const { groups, epsilon, silu } = attrs as unknown as GroupNormAttrs;
        const cpu = backend as MathBackendCPU;
        const [b, h, w, c] = x.shape;
        const out = alloc(cpu, b * h * w * c);
        const mean = new Float32Array(b * groups);
        const rstd = new Float32Array(b * groups);
        addon.groupNormForward(f32(cpu, x), f32(cpu, gamma), f32(cpu, beta), b, h * w, c, groups, epsilon, silu, out, mean, rstd);
        return [output(cpu, x.shape, out), output(cpu, [b * groups], mean), output(cpu, [b * groups], rstd)];
      },
    },
    {
      kernelName: GROUP_NORM_SILU_GRAD,
      backendName: NATIVE_BACKEND,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const { dy, x, gamma, beta, mean, rstd } = inputs as Record<'dy' | 'x' | 'gamma' | 'beta' | 'mean' | 'rstd', tf.TensorInfo>;
        const { groups, silu } = attrs as unknown as GroupNormAttrs;
        const cpu = backend as MathBackendCPU;
        const [b, h, w, c] = x.shape;
        const dx = alloc(cpu, b * h * w * c);
        const dg = new Float32Array(c);
        const db = new Float32Array(c);
        addon.groupNormBackward(
          f32(cpu, dy), f32(cpu, x), f32(cpu, gamma), f32(cpu, beta), f32(cpu, mean), f32(cpu, rstd), b, h * w, c, groups, silu, dx, dg, db,
        );
        return [output(cpu, x.shape, dx), output(cpu, [c], dg), output(cpu, [c], db)];
      },
    },
  ];
}

/** The gradient of GROUP_NORM_SILU (global, as every tfjs gradient): the backward kernel of the active backend. */
export const groupNormGradient: tf.GradConfig = {
  kernelName: GROUP_NORM_SILU,
  inputsToSave: ['x', 'gamma', 'beta'],
  outputsToSave: [false, true, true],
  gradFunc: (dy, saved, attrs) => {
    const [x, gamma, beta, mean, rstd] = saved;
    const dyY = Array.isArray(dy) ? dy[0] : dy;
    const d = dyY.dtype === 'float32' ? dyY : tf.cast(dyY, 'float32');
    const [dx, dg, db] = tf.engine().runKernel(GROUP_NORM_SILU_GRAD, { dy: d, x, gamma, beta, mean, rstd }, attrs as tf.NamedAttrMap) as tf.Tensor[];
    if (d !== dyY) d.dispose();
    return { x: () => dx, gamma: () => dg, beta: () => db };
  },
};

/**
 * GroupNorm over `groups` groups of channels, then SiLU when `silu`, through the GROUP_NORM_SILU kernel of the active
 * backend (the op/kernel split of tfjs: the op asks the kernel registry, the kernel and its registered gradient do the
 * work). Returns null where no backend kernel is registered or an input is not float32: the caller then uses its
 * tf-op path (nn/groupnorm.ts).
 * @param x [B, H, W, C] with C divisible by groups
 * @param gamma [C]
 * @param beta [C]
 * @returns [B, H, W, C], or null
 */
export function nativeGroupNormSilu(
  x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, groups: number, epsilon: number, silu: boolean,
): tf.Tensor4D | null {
  const c = x.shape[3];
  if (c % groups !== 0 || gamma.size !== c || beta.size !== c) {
    throw new Error(`nativeGroupNormSilu: ${c} channels, ${groups} groups, γ [${gamma.shape}], β [${beta.shape}] do not fit`);
  }
  if (!tf.getKernel(GROUP_NORM_SILU, tf.getBackend()) || x.dtype !== 'float32' || gamma.dtype !== 'float32' || beta.dtype !== 'float32') return null;
  const attrs: GroupNormAttrs = { groups, epsilon, silu };
  const [y, mean, rstd] = tf.engine().runKernel(GROUP_NORM_SILU, { x, gamma, beta }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
  mean.dispose(); // a gradient tape keeps its own references
  rstd.dispose();
  return y as tf.Tensor4D;
}
