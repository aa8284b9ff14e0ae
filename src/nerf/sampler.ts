/**
 * Stratified sampling along rays (Mildenhall et al. 2020, eq. 2): [near, far] is split into S equal bins and one
 * depth is drawn uniformly in each, t_i = near + (far − near)·(i + u_i)/S, so the samples cover the ray without a
 * fixed grid.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../core/rng.ts';

export interface Rays {
  /** [R, 3] */
  origins: tf.Tensor2D;
  /** [R, 3], unit length */
  directions: tf.Tensor2D;
}

export interface RaySamples {
  /** depths along each ray, increasing, [R, S] */
  z: tf.Tensor2D;
  /** o + z·d, [R, S, 3] */
  points: tf.Tensor3D;
}

/**
 * @param rays origins and directions [R, 3]
 * @param near start depth
 * @param far end depth
 * @param numSamples S
 * @param rng the jitter u_i ~ U[0, 1); null for bin midpoints (deterministic, e.g. evaluation)
 */
export function stratifiedSamples(rays: Rays, near: number, far: number, numSamples: number, rng: Rng | null): RaySamples {
  return tf.tidy(() => {
    const r = rays.origins.shape[0];
    const s = numSamples;
    const z = new Float32Array(r * s);
    const step = (far - near) / s;
    for (let i = 0; i < r; i++) {
      for (let j = 0; j < s; j++) z[i * s + j] = near + step * (j + (rng ? rng.uniform() : 0.5));
    }
    const zt = tf.tensor2d(z, [r, s]);
    const points = tf.add(
      tf.reshape(rays.origins, [r, 1, 3]),
      tf.mul(tf.reshape(rays.directions, [r, 1, 3]), tf.reshape(zt, [r, s, 1])),
    ) as tf.Tensor3D;
    return { z: zt, points };
  });
}
