/**
 * The Fréchet distance between Gaussians fitted to two feature sets — "FID" when the features come from a
 * classifier (Heusel et al. 2017, arXiv 1706.08500, eq. 6):
 *   d² = ‖μ₁ − μ₂‖² + tr(Σ₁ + Σ₂ − 2 (Σ₁^½ Σ₂ Σ₁^½)^½).
 * Everything is float64 in JS; the square roots go through symmetric eigendecompositions with tiny negative
 * eigenvalues (round-off on PSD matrices) clamped to zero.
 */
import * as tf from '@tensorflow/tfjs-core';
import { symmetricEigen, symmetricMatrixFunction } from './symmetric-eigen.ts';

/** A Gaussian fitted to N feature vectors of dimension d. */
export interface GaussianStats {
  d: number;
  /** Number of samples the statistics were fitted to. */
  n: number;
  /** [d] */
  mu: Float64Array;
  /** [d*d] row-major, the unbiased (N − 1) sample covariance. */
  sigma: Float64Array;
}

/**
 * Mean and unbiased covariance of feature vectors, accumulated in float64.
 * @param features [N,D] as a tensor, or a row-major array with its dimension `d`
 */
export function gaussianStats(features: tf.Tensor2D | ArrayLike<number>, d?: number): GaussianStats {
  let data: ArrayLike<number>;
  if (features instanceof tf.Tensor) {
    if (features.rank !== 2) throw new Error(`gaussianStats: features must be [N,D], got [${features.shape}]`);
    d = features.shape[1];
    data = features.dataSync();
  } else {
    if (d === undefined || d <= 0 || features.length % d !== 0) {
      throw new Error(`gaussianStats: ${features.length} values are not a whole number of rows of dimension ${d}`);
    }
    data = features;
  }
  const n = data.length / d;
  if (n < 2) throw new Error(`gaussianStats: need at least 2 samples for a covariance, got ${n}`);
  const mu = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mu[j] += data[i * d + j];
  for (let j = 0; j < d; j++) mu[j] /= n;
  const sigma = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) row[j] = data[i * d + j] - mu[j];
    for (let j = 0; j < d; j++) {
      const rj = row[j];
      if (rj === 0) continue;
      const base = j * d;
      for (let k = j; k < d; k++) sigma[base + k] += rj * row[k];
    }
  }
  for (let j = 0; j < d; j++) {
    for (let k = j; k < d; k++) {
      const v = sigma[j * d + k] / (n - 1);
      sigma[j * d + k] = v;
      sigma[k * d + j] = v;
    }
  }
  return { d, n, mu, sigma };
}

/**
 * tr((Σ₁^½ Σ₂ Σ₁^½)^½): the eigenvalues of Σ₁^½ Σ₂ Σ₁^½ (PSD) are clamped at 0 and square-rooted.
 * @param sigma1 [d*d] symmetric PSD
 * @param sigma2 [d*d] symmetric PSD
 */
export function traceSqrtProduct(sigma1: ArrayLike<number>, sigma2: ArrayLike<number>, d: number): number {
  const s1h = symmetricMatrixFunction(sigma1, d, (l) => Math.sqrt(Math.max(l, 0)));
  const m = matmul(matmul(s1h, sigma2, d), s1h, d);
  const { values } = symmetricEigen(m, d);
  let tr = 0;
  for (const l of values) tr += Math.sqrt(Math.max(l, 0));
  return tr;
}

/** Heusel et al. 2017, eq. 6: the squared Fréchet (2-Wasserstein) distance between two Gaussians. */
export function frechetDistance(a: GaussianStats, b: GaussianStats): number {
  if (a.d !== b.d) throw new Error(`frechetDistance: feature dimensions differ (${a.d} vs ${b.d})`);
  const d = a.d;
  let meanTerm = 0;
  for (let j = 0; j < d; j++) meanTerm += (a.mu[j] - b.mu[j]) ** 2;
  let trA = 0;
  let trB = 0;
  for (let j = 0; j < d; j++) {
    trA += a.sigma[j * d + j];
    trB += b.sigma[j * d + j];
  }
  const cross = traceSqrtProduct(a.sigma, b.sigma, d);
  // Round-off can push an exact 0 slightly negative; the distance itself is non-negative.
  return Math.max(meanTerm + trA + trB - 2 * cross, 0);
}

/**
 * The Fréchet distance between Gaussians fitted to two feature sets.
 * @param a [N,D]
 * @param b [M,D]
 */
export function featureFrechetDistance(a: tf.Tensor2D, b: tf.Tensor2D): number {
  return frechetDistance(gaussianStats(a), gaussianStats(b));
}

function matmul(x: ArrayLike<number>, y: ArrayLike<number>, d: number): Float64Array {
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let k = 0; k < d; k++) {
      const xik = x[i * d + k];
      if (xik === 0) continue;
      const yRow = k * d;
      const oRow = i * d;
      for (let j = 0; j < d; j++) out[oRow + j] += xik * y[yRow + j];
    }
  }
  return out;
}
