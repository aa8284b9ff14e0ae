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
    const d = p.shape[1];
    if (numFreqs === 0) return p;
    // All arguments 2^k·p_i (+ π/2 for the cosines: cos x = sin(x + π/2)) as one small matmul with a fused bias:
    // column k·2d + j·d + i of M holds 2^k in row i (exact in float32), the bias j·π/2.
    const cols = 2 * numFreqs * d;
    const m = new Float32Array(d * cols);
    const phase = new Float32Array(cols);
    for (let k = 0; k < numFreqs; k++) {
      for (let j = 0; j < 2; j++) {
        for (let i = 0; i < d; i++) {
          const col = k * 2 * d + j * d + i;
          m[i * cols + col] = 2 ** k;
          phase[col] = (j * Math.PI) / 2;
        }
      }
    }
    const arg = tf.fused.matMul({ a: p, b: tf.tensor2d(m, [d, cols]), bias: tf.tensor1d(phase) });
    return tf.concat([p, tf.sin(arg)], 1) as tf.Tensor2D;
  });
}
