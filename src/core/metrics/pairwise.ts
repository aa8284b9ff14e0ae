/**
 * Pairwise distances between feature sets by matrix products (‖a‖² + ‖b‖² − 2 a·b), on whatever tfjs backend is
 * active, in row chunks so that an N×M matrix is never held at once. Shared by the k-NN manifolds of
 * precision/recall and the k-NN classifier.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Rows of `a` per chunk: a 512 × 10,000 float32 block is 20 MB. */
export const DEFAULT_CHUNK = 512;

/**
 * Squared Euclidean distances, clamped at 0 (the expansion can round slightly below).
 * @param a [N,D]
 * @param b [M,D]
 * @returns [N,M]
 */
export function squaredDistances(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  checkPair(a, b);
  return tf.tidy(() => {
    const aa = tf.sum(tf.square(a), 1, true); // [N,1]
    const bb = tf.reshape(tf.sum(tf.square(b), 1), [1, -1]); // [1,M]
    const ab = tf.matMul(a, b, false, true); // [N,M]
    return tf.relu(tf.sub(tf.add(aa, bb), tf.mul(2, ab))) as tf.Tensor2D;
  });
}

/**
 * Applies `fn` to consecutive row blocks of `a` and concatenates the results along axis 0. `fn` runs inside a tidy;
 * the returned tensor is the caller's.
 * @param a [N,D]
 * @param fn block [n,D] → [n,...]
 */
export function mapRowChunks(a: tf.Tensor2D, fn: (block: tf.Tensor2D) => tf.Tensor, chunk = DEFAULT_CHUNK): tf.Tensor {
  const n = a.shape[0];
  const parts: tf.Tensor[] = [];
  for (let start = 0; start < n; start += chunk) {
    const size = Math.min(chunk, n - start);
    parts.push(tf.tidy(() => fn(tf.slice(a, [start, 0], [size, -1]))));
  }
  if (parts.length === 1) return parts[0];
  const out = tf.concat(parts, 0);
  tf.dispose(parts);
  return out;
}

/**
 * Squared distance from every row of `a` to its k-th nearest row of `b`.
 * @param a [N,D]
 * @param b [M,D]
 * @param k 1-based rank; with `excludeSelf` (a and b are the same set) the zero self-distance is skipped
 * @returns [N] float32
 */
export function kthNearestSquaredDistance(a: tf.Tensor2D, b: tf.Tensor2D, k: number, excludeSelf = false, chunk = DEFAULT_CHUNK): Float32Array {
  const rank = excludeSelf ? k + 1 : k;
  if (!Number.isInteger(k) || k < 1 || rank > b.shape[0]) {
    throw new Error(`kthNearestSquaredDistance: k=${k} needs at least ${rank} reference rows, got ${b.shape[0]}`);
  }
  const out = mapRowChunks(
    a,
    (block) => {
      const negD = tf.neg(squaredDistances(block, b));
      const { values } = tf.topk(negD, rank, true); // descending −d², i.e. ascending d²
      return tf.reshape(tf.neg(tf.slice(values, [0, rank - 1], [-1, 1])), [-1]);
    },
    chunk,
  );
  const data = out.dataSync() as Float32Array;
  out.dispose();
  return data;
}

function checkPair(a: tf.Tensor, b: tf.Tensor): void {
  if (a.rank !== 2 || b.rank !== 2 || a.shape[1] !== b.shape[1]) {
    throw new Error(`pairwise distances need [N,D] and [M,D] with the same D, got [${a.shape}] and [${b.shape}]`);
  }
}
