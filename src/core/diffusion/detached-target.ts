/**
 * The detached-target loss shared by SDS (Poole et al. 2022, eq. 3) and DMD (Yin et al. 2023, eq. 7): for a gradient
 * g computed off the tape,
 *   target = stopGradient(x − g),  loss = ½ Σ ‖x − target‖² = ½ Σ g²   (a SUM over all elements and the batch),
 * so that ∂loss/∂x = g exactly and the logged loss tracks the gradient's size. tfjs has no stopGradient: the loss is a
 * `tf.customGrad` whose forward pass computes g (by `makeG`, off the tape) and whose backward pass returns dy·g.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * @param x [B, ...] the tensor the gradient flows into (a render, a generator's output)
 * @param makeG called once, in the forward pass, with x; returns g of x's shape (the caller keeps nothing else alive)
 * @returns the scalar ½ Σ g² with ∂/∂x = g
 */
export function detachedTargetLoss(x: tf.Tensor, makeG: (x: tf.Tensor) => tf.Tensor): tf.Scalar {
  const lossFn = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xIn, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const g = makeG(xIn);
    if (g.shape.join() !== xIn.shape.join()) {
      throw new Error(`detachedTargetLoss: g must have x's shape [${xIn.shape}], got [${g.shape}]`);
    }
    save([g]);
    const value = tf.tidy(() => tf.mul(tf.sum(tf.square(g)), 0.5) as tf.Scalar);
    return { value, gradFunc: (dy: tf.Scalar, saved: tf.Tensor[]) => tf.mul(dy, saved[0]) };
  });
  return lossFn(x) as tf.Scalar;
}

/** mean over the batch of the per-sample L2 norms ‖g_i‖₂ of g [B, ...] (batch-size independent). */
export function meanSampleNorm(g: tf.Tensor): number {
  return tf.tidy(() => tf.mean(tf.norm(tf.reshape(g, [g.shape[0], -1]), 'euclidean', 1)).dataSync()[0]);
}

/**
 * The terms every detached-target loss logs: `<name>` = ½ Σ g² (the loss value), `gradNorm` = `meanSampleNorm(g)`,
 * `tMean` = the mean of the sampled times.
 * @param g [B, ...] the gradient @param t [B] the times it was computed at
 */
export function detachedTargetTerms(name: string, g: tf.Tensor, t: ArrayLike<number>): Record<string, number> {
  return { [name]: tf.tidy(() => tf.mul(tf.sum(tf.square(g)), 0.5).dataSync()[0]), gradNorm: meanSampleNorm(g), tMean: meanOf(t) };
}

/** The mean of a list of numbers. */
export function meanOf(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s / a.length;
}
