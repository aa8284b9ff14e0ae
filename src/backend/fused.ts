/**
 * Fused compound ops with hand-written gradients (tf.customGrad), run as one C++ pass each way on the `native`
 * backend. Each returns null where the native pass is not available; the nn layer then uses its tf-op path.
 *
 * - nativeGroupNormSilu: GroupNorm (Wu & He 2018, eq. 1–3; biased variance as PyTorch) optionally followed by SiLU.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { loadAddon } from './addon.ts';
import { NATIVE_BACKEND } from './native.ts';
import type { BufferPool } from './pool.ts';

interface FusedAddon {
  groupNormForward(
    x: Float32Array, gamma: Float32Array, beta: Float32Array, B: number, HW: number, C: number, G: number, eps: number,
    silu: boolean, out: Float32Array, mean: Float32Array, rstd: Float32Array,
  ): void;
  groupNormBackward(
    dout: Float32Array, x: Float32Array, gamma: Float32Array, beta: Float32Array, mean: Float32Array, rstd: Float32Array,
    B: number, HW: number, C: number, G: number, silu: boolean, dx: Float32Array, dgamma: Float32Array, dbeta: Float32Array,
  ): void;
}

function fusedAddon(): FusedAddon | null {
  if (tf.getBackend() !== NATIVE_BACKEND) return null;
  const addon = loadAddon() as (Partial<FusedAddon> & object) | null;
  return addon && typeof addon.groupNormForward === 'function' && typeof addon.groupNormBackward === 'function'
    ? (addon as FusedAddon)
    : null;
}

/** n floats of output storage from the native backend's buffer pool (to be overwritten entirely by the addon). */
export function poolAlloc(n: number): Float32Array {
  return (tf.backend() as MathBackendCPU & { pool?: BufferPool }).pool?.alloc(n) ?? new Float32Array(n);
}

/** The stored values of t (no copy); a tensor still held by another backend is read through the engine. */
export function backendValues(t: tf.Tensor): Float32Array {
  const data = (tf.backend() as MathBackendCPU).data;
  return (data.has(t.dataId) ? data.get(t.dataId).values : t.dataSync()) as Float32Array;
}

/**
 * GroupNorm over `groups` groups of channels, then SiLU when `silu`, as one native C++ pass each way (forward and
 * hand-written backward, tf.customGrad). Returns null when that pass is not available here (backend not `native`,
 * addon without the functions, or non-float32 inputs): the caller then uses its tf-op path (nn/groupnorm.ts).
 * @param x [B, H, W, C] with C divisible by groups
 * @param gamma [C]
 * @param beta [C]
 * @returns [B, H, W, C], or null
 */
export function nativeGroupNormSilu(
  x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, groups: number, epsilon: number, silu: boolean,
): tf.Tensor4D | null {
  const [b, h, w, c] = x.shape;
  if (c % groups !== 0 || gamma.size !== c || beta.size !== c) {
    throw new Error(`nativeGroupNormSilu: ${c} channels, ${groups} groups, γ [${gamma.shape}], β [${beta.shape}] do not fit`);
  }
  const addon = fusedAddon();
  if (!addon || x.dtype !== 'float32' || gamma.dtype !== 'float32' || beta.dtype !== 'float32') return null;
  const f = tf.customGrad(((xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor, save: tf.GradSaveFunc) => {
    const out = poolAlloc(b * h * w * c);
    const mean = new Float32Array(b * groups);
    const rstd = new Float32Array(b * groups);
    addon.groupNormForward(backendValues(xi), backendValues(gi), backendValues(bi), b, h * w, c, groups, epsilon, silu, out, mean, rstd);
    save([xi, gi, bi, tf.tensor1d(mean), tf.tensor1d(rstd)]);
    return {
      value: tf.tensor4d(out, [b, h, w, c]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, gs, bs, ms, rs] = saved;
        const dx = poolAlloc(b * h * w * c);
        const dg = new Float32Array(c);
        const db = new Float32Array(c);
        const dyv = dy.dtype === 'float32' ? dy : tf.cast(dy, 'float32');
        addon.groupNormBackward(
          backendValues(dyv), backendValues(xs), backendValues(gs), backendValues(bs), backendValues(ms), backendValues(rs), b, h * w, c, groups, silu, dx, dg, db,
        );
        if (dyv !== dy) dyv.dispose();
        return [tf.tensor4d(dx, [b, h, w, c]), tf.tensor1d(dg), tf.tensor1d(db)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(x, gamma, beta) as tf.Tensor4D;
}
