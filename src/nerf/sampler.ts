/**
 * Stratified sampling along rays (Mildenhall et al. 2020, eq. 2): [near, far] is split into S equal bins and one
 * depth is drawn uniformly in each, t_i = near + (far − near)·(i + u_i)/S, so the samples cover the ray without a
 * fixed grid. `sphereSamples` takes [near, far] per ray from the ray's chord through the scene's bounding sphere, so
 * no sample is wasted outside the scene and the density there is never seen (nor trained).
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

/** Samples with the far end of each ray (the last sample's interval runs to it). */
export interface BoundedRaySamples extends RaySamples {
  /** far end of each ray [R]; = near for a ray that misses the bounds (all its intervals are empty) */
  far: tf.Tensor1D;
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
    const zt = tf.tensor2d(stratifiedDepths(new Float32Array(r).fill(near), new Float32Array(r).fill(far), numSamples, rng), [r, numSamples]);
    return { z: zt, points: pointsAlong(rays, zt) };
  });
}

/**
 * Stratified samples on each ray's chord through the sphere |p| ≤ radius (a ray that misses it gets an empty
 * interval: its samples sit at the point of closest approach with zero spacing, so they add nothing).
 * @param rays origins and unit directions [R, 3]
 * @param rng jitter (order: ray-major, sample-minor), or null for bin midpoints
 */
export function sphereSamples(rays: Rays, radius: number, numSamples: number, rng: Rng | null): BoundedRaySamples {
  const o = rays.origins.dataSync();
  const d = rays.directions.dataSync();
  const r = rays.origins.shape[0];
  const near = new Float32Array(r);
  const far = new Float32Array(r);
  for (let i = 0; i < r; i++) {
    // |o + t d|² = r²  ⇔  t² + 2bt + c = 0 with b = o·d, c = |o|² − r² (|d| = 1).
    const b = o[3 * i] * d[3 * i] + o[3 * i + 1] * d[3 * i + 1] + o[3 * i + 2] * d[3 * i + 2];
    const c = o[3 * i] ** 2 + o[3 * i + 1] ** 2 + o[3 * i + 2] ** 2 - radius * radius;
    const disc = b * b - c;
    if (disc <= 0) {
      near[i] = far[i] = Math.max(0, -b);
    } else {
      const h = Math.sqrt(disc);
      near[i] = Math.max(0, -b - h);
      far[i] = Math.max(0, -b + h);
    }
  }
  return tf.tidy(() => {
    const zt = tf.tensor2d(stratifiedDepths(near, far, numSamples, rng), [r, numSamples]);
    return { z: zt, points: pointsAlong(rays, zt), far: tf.tensor1d(far) };
  });
}

/** t_ij = near_i + (far_i − near_i)·(j + u_ij)/S, [R·S] row-major. */
function stratifiedDepths(near: Float32Array, far: Float32Array, s: number, rng: Rng | null): Float32Array {
  const z = new Float32Array(near.length * s);
  for (let i = 0; i < near.length; i++) {
    const step = (far[i] - near[i]) / s;
    for (let j = 0; j < s; j++) z[i * s + j] = near[i] + step * (j + (rng ? rng.uniform() : 0.5));
  }
  return z;
}

/** o + z·d: [R, S, 3]. */
function pointsAlong(rays: Rays, z: tf.Tensor2D): tf.Tensor3D {
  const [r, s] = z.shape;
  return tf.add(
    tf.reshape(rays.origins, [r, 1, 3]),
    tf.mul(tf.reshape(rays.directions, [r, 1, 3]), tf.reshape(z, [r, s, 1])),
  ) as tf.Tensor3D;
}
