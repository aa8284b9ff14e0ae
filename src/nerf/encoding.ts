/**
 * NeRF positional encoding (Mildenhall et al. 2020, eq. 4): γ(p) = (p, sin(2⁰p), cos(2⁰p), …, sin(2^{L−1}p),
 * cos(2^{L−1}p)), applied to each coordinate; with the input included, 3 + 6L features for points in 3-D.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Width of γ(p) for `inDim`-dimensional points and L = numFreqs. */
export function encodedDim(numFreqs: number, inDim = 3): number {
  return inDim * (1 + 2 * numFreqs);
}

/**
 * @param p [N, D] points
 * @param numFreqs L
 * @returns [N, D·(1 + 2L)], ordered p, then for k = 0…L−1: sin(2^k p) (D values), cos(2^k p) (D values)
 */
export function positionalEncoding(p: tf.Tensor2D, numFreqs: number): tf.Tensor2D {
  return tf.tidy(() => {
    const [n, d] = p.shape;
    if (numFreqs === 0) return p;
    // Scales 2^k and phases (0 for sin, π/2 for cos: cos x = sin(x + π/2)) so that one sin covers both.
    const freq = new Float32Array(numFreqs);
    for (let k = 0; k < numFreqs; k++) freq[k] = 2 ** k;
    const arg = tf.add(
      tf.mul(tf.reshape(p, [n, 1, 1, d]), tf.tensor4d(freq, [1, numFreqs, 1, 1])),
      tf.tensor4d([0, Math.PI / 2], [1, 1, 2, 1]),
    );
    return tf.concat([p, tf.reshape(tf.sin(arg), [n, 2 * numFreqs * d])], 1) as tf.Tensor2D;
  });
}
