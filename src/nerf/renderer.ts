/**
 * The stateless volume renderer (Mildenhall et al. 2020, eq. 3; Max 1995): α_i = 1 − exp(−σ_i δ_i),
 * T_i = ∏_{j<i} (1 − α_j + 1e-10), w_i = T_i α_i, C = Σ w_i c_i (+ (1 − Σ w_i)·background).
 * δ_i = z_{i+1} − z_i, with δ = 1e10 for the last sample (the ray's end is opaque where σ > 0).
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * Compositing weights w_i = T_i·α_i.
 * @param density σ [R, S]
 * @param z sample depths [R, S], increasing along each ray
 * @returns [R, S]
 */
export function compositeWeights(density: tf.Tensor2D, z: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const [r, s] = z.shape;
    const delta = tf.concat(
      [tf.sub(tf.slice(z, [0, 1], [r, s - 1]), tf.slice(z, [0, 0], [r, s - 1])), tf.fill([r, 1], 1e10)],
      1,
    );
    const alpha = tf.sub(1, tf.exp(tf.neg(tf.mul(density, delta))));
    // The exclusive cumulative product as exp(exclusive cumsum(log)): tfjs's cumprod has no gradient.
    const trans = tf.exp(tf.cumsum(tf.log(tf.add(tf.sub(1, alpha), 1e-10)), 1, true));
    return tf.mul(alpha, trans) as tf.Tensor2D;
  });
}

export interface RenderOutput {
  /** composited colour [R, 3] */
  rgb: tf.Tensor2D;
  /** Σ w_i [R] (accumulated opacity) */
  opacity: tf.Tensor1D;
}

/**
 * Composites colours along each ray.
 * @param weights [R, S] from compositeWeights
 * @param rgb [R, S, 3]
 * @param background colour behind the scene, [3] or [R, 3], weighted by 1 − opacity; none (black) by default
 */
export function composite(weights: tf.Tensor2D, rgb: tf.Tensor3D, background?: tf.Tensor | null): RenderOutput {
  return tf.tidy(() => {
    const [r, s] = weights.shape;
    const color = tf.sum(tf.mul(tf.reshape(weights, [r, s, 1]), rgb), 1) as tf.Tensor2D;
    const opacity = tf.sum(weights, 1) as tf.Tensor1D;
    if (!background) return { rgb: color, opacity };
    const rest = tf.reshape(tf.sub(1, opacity), [r, 1]);
    return { rgb: tf.add(color, tf.mul(rest, background)) as tf.Tensor2D, opacity };
  });
}
