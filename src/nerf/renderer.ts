/**
 * The stateless volume renderer (Mildenhall et al. 2020, eq. 3; Max 1995): α_i = 1 − exp(−σ_i δ_i),
 * T_i = ∏_{j<i} (1 − α_j + 1e-10), w_i = T_i α_i; any per-sample value v composites to Σ w_i v_i (colour, depth,
 * normals), the opacity is Σ w_i, and a background shows through with weight 1 − Σ w_i.
 * δ_i = z_{i+1} − z_i, and the last interval runs to the ray's far end: δ_S = far − z_S. (Without `far`, δ_S = 1e10 —
 * the unbounded convention of the original NeRF code, which makes the ray's end opaque wherever σ > 0; kept only for
 * the bench workload until it renders through `render.ts`.)
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * Compositing weights w_i = T_i·α_i.
 * @param density σ [R, S]
 * @param z sample depths [R, S], increasing along each ray
 * @param far the far end of each ray [R] (or one number for all); see the file comment for its absence
 * @returns [R, S]
 */
export function compositeWeights(density: tf.Tensor2D, z: tf.Tensor2D, far?: tf.Tensor1D | number): tf.Tensor2D {
  return tf.tidy(() => {
    const [r, s] = z.shape;
    const last =
      far === undefined
        ? tf.fill([r, 1], 1e10)
        : tf.sub(typeof far === 'number' ? tf.fill([r, 1], far) : tf.reshape(far, [r, 1]), tf.slice(z, [0, s - 1], [r, 1]));
    const delta = s > 1 ? tf.concat([tf.sub(tf.slice(z, [0, 1], [r, s - 1]), tf.slice(z, [0, 0], [r, s - 1])), last], 1) : last;
    const alpha = tf.sub(1, tf.exp(tf.neg(tf.mul(density, delta))));
    // The exclusive cumulative product as exp(exclusive cumsum(log)): tfjs's cumprod has no gradient.
    const trans = tf.exp(tf.cumsum(tf.log(tf.add(tf.sub(1, alpha), 1e-10)), 1, true));
    return tf.mul(alpha, trans) as tf.Tensor2D;
  });
}

/**
 * Σ_i w_i v_i along each ray, for any per-sample value.
 * @param weights [R, S]
 * @param values [R, S, C] (colour, normals, …) or [R, S] (depth: pass z)
 * @returns [R, C], or [R] for [R, S] values
 */
export function compositeValues<T extends tf.Tensor2D | tf.Tensor3D>(weights: tf.Tensor2D, values: T): T extends tf.Tensor3D ? tf.Tensor2D : tf.Tensor1D {
  return tf.tidy(() => {
    const [r, s] = weights.shape;
    if (values.rank === 2) return tf.sum(tf.mul(weights, values), 1);
    return tf.sum(tf.mul(tf.reshape(weights, [r, s, 1]), values), 1);
  }) as T extends tf.Tensor3D ? tf.Tensor2D : tf.Tensor1D;
}

/** Σ_i w_i [R]: how much of each ray the scene stops. */
export function opacityOf(weights: tf.Tensor2D): tf.Tensor1D {
  return tf.sum(weights, 1) as tf.Tensor1D;
}

/**
 * c + (1 − opacity)·background.
 * @param color [R, C] composited values
 * @param opacity [R]
 * @param background [C] or [R, C]
 */
export function overBackground(color: tf.Tensor2D, opacity: tf.Tensor1D, background: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => tf.add(color, tf.mul(tf.reshape(tf.sub(1, opacity), [-1, 1]), background)) as tf.Tensor2D);
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
    const color = compositeValues(weights, rgb);
    const opacity = opacityOf(weights);
    return { rgb: background ? overBackground(color, opacity, background) : color, opacity };
  });
}
