/**
 * Improved precision and recall by k-nearest-neighbour manifolds (Kynkäänniemi et al. 2019, arXiv 1904.06991, §2):
 * a set's manifold is the union of balls around its samples, each of radius the distance to the sample's k-th
 * nearest neighbour within the set (itself excluded).
 *   precision = share of generated samples inside the real manifold,
 *   recall    = share of real samples inside the generated manifold.
 */
import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_CHUNK, kthNearestSquaredDistance, mapRowChunks, squaredDistances } from './pairwise.ts';

export interface PrecisionRecall {
  precision: number;
  recall: number;
}

export interface PrecisionRecallOptions {
  /** The neighbourhood size of the manifold radii (the paper's k = 3). */
  k?: number;
  /** Rows per distance block. */
  chunk?: number;
}

/**
 * Kynkäänniemi et al. 2019, eq. 1–2 (the k-NN manifold estimate).
 * @param real [N,D] features of real samples
 * @param generated [M,D] features of generated samples
 */
export function precisionRecall(real: tf.Tensor2D, generated: tf.Tensor2D, opts: PrecisionRecallOptions = {}): PrecisionRecall {
  const k = opts.k ?? 3;
  const chunk = opts.chunk ?? DEFAULT_CHUNK;
  if (real.rank !== 2 || generated.rank !== 2 || real.shape[1] !== generated.shape[1]) {
    throw new Error(`precisionRecall: need [N,D] and [M,D] features, got [${real.shape}] and [${generated.shape}]`);
  }
  const realRadii = kthNearestSquaredDistance(real, real, k, true, chunk);
  const genRadii = kthNearestSquaredDistance(generated, generated, k, true, chunk);
  return {
    precision: shareInsideManifold(generated, real, realRadii, chunk),
    recall: shareInsideManifold(real, generated, genRadii, chunk),
  };
}

/**
 * The share of `queries` within some ball of the manifold: ∃ j with ‖q − c_j‖² ≤ r_j².
 * @param queries [N,D]
 * @param centres [M,D]
 * @param radiiSq [M] squared ball radii
 */
export function shareInsideManifold(queries: tf.Tensor2D, centres: tf.Tensor2D, radiiSq: Float32Array, chunk = DEFAULT_CHUNK): number {
  if (radiiSq.length !== centres.shape[0]) {
    throw new Error(`shareInsideManifold: ${radiiSq.length} radii for ${centres.shape[0]} centres`);
  }
  const r = tf.tensor2d(radiiSq, [1, radiiSq.length]);
  const inside = mapRowChunks(
    queries,
    (block) => tf.any(tf.lessEqual(squaredDistances(block, centres), r), 1),
    chunk,
  );
  const count = tf.tidy(() => tf.sum(tf.cast(inside, 'float32')).dataSync()[0]);
  tf.dispose([r, inside]);
  return count / queries.shape[0];
}
