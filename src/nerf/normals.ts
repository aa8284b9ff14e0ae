/**
 * Surface normals from the density field: n = −∇σ/‖∇σ‖ (the density grows inwards, so its negative gradient points
 * out of the object), with ∇σ by central finite differences, ∂σ/∂x ≈ (σ(p + h·x̂) − σ(p − h·x̂))/2h — six density
 * evaluations, differentiable in the field's parameters (the orientation loss and shading train through them).
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * @param density σ of points [N, 3] → [N]
 * @param points [N, 3]
 * @param h finite-difference step (world units)
 * @returns unit normals [N, 3] (0 where the gradient vanishes)
 */
export function densityNormals(density: (p: tf.Tensor2D) => tf.Tensor1D, points: tf.Tensor2D, h = 1e-2): tf.Tensor2D {
  return tf.tidy(() => {
    const n = points.shape[0];
    const offsets: number[] = [];
    for (let axis = 0; axis < 3; axis++) for (const sign of [1, -1]) offsets.push(...[0, 1, 2].map((k) => (k === axis ? sign * h : 0)));
    // One batched call over the six shifted copies: [6, N, 3] → [6N].
    const shifted = tf.add(tf.reshape(points, [1, n, 3]), tf.reshape(tf.tensor2d(offsets, [6, 3]), [6, 1, 3]));
    const s = tf.reshape(density(tf.reshape(shifted, [6 * n, 3]) as tf.Tensor2D), [3, 2, n]);
    const [plus, minus] = tf.unstack(s, 1);
    const grad = tf.transpose(tf.div(tf.sub(plus, minus), 2 * h)); // [N, 3]
    const norm = tf.sqrt(tf.add(tf.sum(tf.square(grad), 1, true), 1e-20));
    return tf.neg(tf.div(grad, norm)) as tf.Tensor2D;
  });
}
