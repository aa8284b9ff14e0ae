/**
 * An analytic Gaussian-mixture prior with the exact ε of its VP-noised marginal at every t: if
 * p₀ = Σ_k w_k N(μ_k, s_k² I) then p_t = Σ_k w_k N(α μ_k, v_k I) with v_k = α² s_k² + σ², and
 * ε(x, t) = −σ ∇ₓ log p_t(x) = σ Σ_k r_k(x) (x − α μ_k)/v_k, r_k the posterior responsibilities (Tweedie /
 * Vincent 2011; the exact-score toy of Karras et al. 2022 and DreamFusion-style 2-D experiments).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Condition, Denoiser } from './denoiser.ts';
import type { Rng } from '../rng.ts';
import type { Schedule } from './schedule.ts';

export interface GmmSpec {
  /** [K][D] component means */
  means: number[][];
  /** [K] isotropic standard deviations */
  stds: number[];
  /** [K] mixture weights (normalized on use) */
  weights: number[];
}

/** n equal-weight components on the circle of radius `radius`, component k at angle 2πk/n (ring8 = ringMixture()). */
export function ringMixture(n = 8, radius = 2, std = 0.1): GmmSpec {
  const means: number[][] = [];
  for (let k = 0; k < n; k++) {
    const a = (2 * Math.PI * k) / n;
    means.push([radius * Math.cos(a), radius * Math.sin(a)]);
  }
  return { means, stds: new Array<number>(n).fill(std), weights: new Array<number>(n).fill(1 / n) };
}

function validate(spec: GmmSpec): number {
  const k = spec.means.length;
  if (k === 0) throw new Error('GmmSpec: need at least one component');
  const dim = spec.means[0].length;
  if (spec.means.some((m) => m.length !== dim)) throw new Error('GmmSpec: all means must have the same dimension');
  if (spec.stds.length !== k || spec.weights.length !== k) {
    throw new Error(`GmmSpec: ${k} means but ${spec.stds.length} stds and ${spec.weights.length} weights`);
  }
  if (spec.stds.some((s) => !(s > 0))) throw new Error('GmmSpec: stds must be > 0');
  if (spec.weights.some((w) => !(w >= 0)) || !(spec.weights.reduce((a, b) => a + b, 0) > 0)) {
    throw new Error('GmmSpec: weights must be ≥ 0 with a positive sum');
  }
  return dim;
}

/** The exact ε-denoiser (and log-density, and sampler) of a Gaussian mixture under a VP schedule. */
export class GaussianMixtureDenoiser implements Denoiser {
  readonly sampleShape: readonly number[];
  readonly numComponents: number;
  private readonly logWeights: number[];

  constructor(
    readonly spec: GmmSpec,
    readonly schedule: Schedule,
  ) {
    this.sampleShape = [validate(spec)];
    this.numComponents = spec.means.length;
    const total = spec.weights.reduce((a, b) => a + b, 0);
    this.logWeights = spec.weights.map((w) => Math.log(w / total));
  }

  /**
   * Per-component quantities at (x, t): diff = x − αμ_k, v_k and the log-joint log w_k + log N(x; αμ_k, v_k I),
   * with label k restricting the mixture to component k (−1: the whole mixture).
   * @param x [B,D] @param t [B]
   * @returns diff [B,K,D], v [B,K], logJoint [B,K]
   */
  private components(x: tf.Tensor, t: tf.Tensor1D, cond?: Condition | null) {
    const [batch, dim] = x.shape;
    if (x.rank !== 2 || dim !== this.sampleShape[0]) {
      throw new Error(`GaussianMixtureDenoiser: x must be [B, ${this.sampleShape[0]}], got [${x.shape}]`);
    }
    if (t.rank !== 1 || t.shape[0] !== batch) throw new Error(`GaussianMixtureDenoiser: t must be [${batch}], got [${t.shape}]`);
    if (cond?.prompts) throw new Error('GaussianMixtureDenoiser: prompts are not supported (labels only)');
    const mu = tf.tensor2d(this.spec.means); // [K,D]
    const s2 = tf.tensor1d(this.spec.stds.map((s) => s * s)); // [K]
    const alpha = tf.reshape(this.schedule.alphaT(t), [batch, 1]);
    const sigma = tf.reshape(this.schedule.sigmaT(t), [batch, 1]);
    const v = tf.add(tf.mul(tf.square(alpha), s2), tf.square(sigma)); // [B,K]
    const diff = tf.sub(tf.expandDims(x, 1), tf.mul(tf.expandDims(alpha, 2), tf.expandDims(mu, 0))); // [B,K,D]
    const d2 = tf.sum(tf.square(diff), 2); // [B,K]
    const logN = tf.sub(tf.mul(tf.log(tf.mul(v, 2 * Math.PI)), -0.5 * dim), tf.div(d2, tf.mul(v, 2)));
    return { diff, v, logJoint: tf.add(logN, this.logPrior(batch, cond)) };
  }

  /** log w_k per sample [B,K]: the mixture weights for label −1 / no condition, 0 at k and −∞ elsewhere for label k. */
  private logPrior(batch: number, cond?: Condition | null): tf.Tensor {
    const logW = tf.tensor2d([this.logWeights]); // [1,K]
    if (!cond?.labels) return logW;
    if (cond.labels.length !== batch) {
      throw new Error(`GaussianMixtureDenoiser: labels must be [${batch}], got [${cond.labels.length}]`);
    }
    const labels = tf.tensor2d(cond.labels, [batch, 1], 'int32'); // [B,1]
    const ks = tf.reshape(tf.range(0, this.numComponents, 1, 'int32'), [1, this.numComponents]); // [1,K]
    const onlyK = tf.where(tf.equal(labels, ks), tf.zerosLike(ks), tf.fill([1, this.numComponents], -Infinity));
    return tf.where(tf.tile(tf.equal(labels, -1), [1, this.numComponents]), tf.tile(logW, [batch, 1]), onlyK);
  }

  /**
   * Exact ε(x, t) = σ Σ_k r_k (x − αμ_k)/v_k.
   * @param x [B,D] @param t [B] @param cond labels [B] (k = component k, −1 = mixture) or null @returns [B,D]
   */
  eps(x: tf.Tensor, t: tf.Tensor1D, cond?: Condition | null): tf.Tensor {
    return tf.tidy(() => {
      const { diff, v, logJoint } = this.components(x, t, cond);
      const r = tf.softmax(logJoint, 1); // [B,K]
      const sigma = tf.reshape(this.schedule.sigmaT(t), [-1, 1]);
      return tf.mul(tf.sum(tf.mul(tf.expandDims(tf.div(r, v), 2), diff), 1), sigma);
    });
  }

  /** log p_t(x) (or log p_t(x | k) for label k). @param x [B,D] @param t [B] @returns [B] */
  logDensity(x: tf.Tensor, t: tf.Tensor1D, cond?: Condition | null): tf.Tensor1D {
    return tf.tidy(() => tf.logSumExp(this.components(x, t, cond).logJoint, 1) as tf.Tensor1D);
  }

  /** n exact samples of p₀ (or of component `label`). @returns [n,D] */
  sample(n: number, rng: Rng, label?: number): tf.Tensor2D {
    const dim = this.sampleShape[0];
    const w = this.spec.weights;
    const total = w.reduce((a, b) => a + b, 0);
    const out = new Float32Array(n * dim);
    const noise = rng.normalArray(n * dim);
    for (let i = 0; i < n; i++) {
      let k = label ?? -1;
      if (k < 0) {
        let u = rng.uniform() * total;
        k = 0;
        while (k < w.length - 1 && u >= w[k]) u -= w[k++];
      }
      for (let j = 0; j < dim; j++) out[i * dim + j] = this.spec.means[k][j] + this.spec.stds[k] * noise[i * dim + j];
    }
    return tf.tensor2d(out, [n, dim]);
  }
}

/** How samples sit on a mixture's modes (nearest-mean assignment). */
export interface ModeStats {
  /** [K] fraction of samples whose nearest mean is component k */
  shares: number[];
  /**
   * Per-mode spread: for each mode k with samples, √(mean over its samples of ‖x − μ_k‖²/D) — the RMS distance to the
   * nearest mode per coordinate, which is s_k for exact samples of an isotropic component — averaged over the modes
   * that hold samples.
   */
  spread: number;
  /** [K] the per-mode spreads (NaN for an empty mode) */
  spreads: number[];
  /** median Euclidean distance of a sample to its nearest mean */
  medianDist: number;
}

/** Shares, spread and median distance of samples [N,D] around the means of `spec`. */
export function modeStats(samples: tf.Tensor | Float32Array | number[], spec: GmmSpec): ModeStats {
  const dim = spec.means[0].length;
  const xs = samples instanceof tf.Tensor ? (samples.dataSync() as Float32Array) : samples;
  const n = xs.length / dim;
  const nK = spec.means.length;
  const counts = new Array<number>(nK).fill(0);
  const sq = new Array<number>(nK).fill(0);
  const dists: number[] = [];
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestD2 = Infinity;
    for (let k = 0; k < nK; k++) {
      let d2 = 0;
      for (let j = 0; j < dim; j++) d2 += (xs[i * dim + j] - spec.means[k][j]) ** 2;
      if (d2 < bestD2) [best, bestD2] = [k, d2];
    }
    counts[best]++;
    sq[best] += bestD2;
    dists.push(Math.sqrt(bestD2));
  }
  const spreads = counts.map((c, k) => (c > 0 ? Math.sqrt(sq[k] / (c * dim)) : NaN));
  const used = spreads.filter((s) => !Number.isNaN(s));
  dists.sort((a, b) => a - b);
  const mid = Math.floor(n / 2);
  return {
    shares: counts.map((c) => c / n),
    spread: used.reduce((a, b) => a + b, 0) / used.length,
    spreads,
    medianDist: n % 2 ? dists[mid] : (dists[mid - 1] + dists[mid]) / 2,
  };
}
