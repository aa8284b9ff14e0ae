import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { eigs, sqrtm, multiply, trace } from 'mathjs';
import { Rng } from '../../../src/core/rng.ts';
import { featureFrechetDistance, frechetDistance, gaussianStats, type GaussianStats } from '../../../src/core/metrics/frechet.ts';
import { symmetricEigen } from '../../../src/core/metrics/symmetric-eigen.ts';

/** A random orthogonal matrix (Gram–Schmidt on Gaussian columns), row-major. */
function randomOrthogonal(rng: Rng, d: number): Float64Array {
  const q = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    const v = Array.from({ length: d }, () => rng.normal());
    for (let k = 0; k < j; k++) {
      let dot = 0;
      for (let i = 0; i < d; i++) dot += v[i] * q[i * d + k];
      for (let i = 0; i < d; i++) v[i] -= dot * q[i * d + k];
    }
    const norm = Math.hypot(...v);
    for (let i = 0; i < d; i++) q[i * d + j] = v[i] / norm;
  }
  return q;
}

/** R diag(lambda) Rᵀ. */
function rotated(r: Float64Array, lambda: number[], d: number): Float64Array {
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += r[i * d + k] * lambda[k] * r[j * d + k];
    out[i * d + j] = s;
  }
  return out;
}

function randomSpd(rng: Rng, d: number): Float64Array {
  const b = Array.from({ length: d * d }, () => rng.normal());
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += b[i * d + k] * b[j * d + k];
    out[i * d + j] = s / d + (i === j ? 0.1 : 0);
  }
  return out;
}

function stats(mu: number[], sigma: ArrayLike<number>): GaussianStats {
  return { d: mu.length, n: 100, mu: Float64Array.from(mu), sigma: Float64Array.from(sigma) };
}

function toRows(m: ArrayLike<number>, d: number): number[][] {
  return Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => m[i * d + j]));
}

describe('symmetricEigen', () => {
  it('matches mathjs eigs and reconstructs A', () => {
    const rng = new Rng(1);
    const d = 12;
    const a = randomSpd(rng, d);
    const { values, vectors } = symmetricEigen(a, d);
    const ref = (eigs(toRows(a, d)).values as number[]).slice().sort((x, y) => x - y);
    for (let i = 0; i < d; i++) expect(values[i]).toBeCloseTo(ref[i], 10);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += vectors[i * d + k] * values[k] * vectors[j * d + k];
      expect(s).toBeCloseTo(a[i * d + j], 10);
    }
  });

  it('handles a diagonal and a rank-deficient matrix', () => {
    expect(Array.from(symmetricEigen([3, 0, 0, 1], 2).values)).toEqual([1, 3]);
    const v = symmetricEigen([1, 1, 1, 1], 2).values;
    expect(v[0]).toBeCloseTo(0, 14);
    expect(v[1]).toBeCloseTo(2, 14);
  });
});

describe('frechetDistance', () => {
  it('diagonal covariances: ‖μ₁−μ₂‖² + Σ(√a − √b)²', () => {
    const a = [1, 4, 0.25, 9];
    const b = [2, 1, 1, 0.5];
    const diag = (x: number[]) => rotated(Float64Array.from([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]), x, 4);
    const muA = [0, 1, 2, 3];
    const muB = [1, 1, 0, 3];
    const expected = 1 + 4 + a.reduce((s, ai, i) => s + (Math.sqrt(ai) - Math.sqrt(b[i])) ** 2, 0);
    expect(frechetDistance(stats(muA, diag(a)), stats(muB, diag(b)))).toBeCloseTo(expected, 10);
  });

  it('commuting (jointly rotated) covariances agree with the closed form, and it is symmetric', () => {
    const rng = new Rng(2);
    const d = 16;
    const r = randomOrthogonal(rng, d);
    const la = Array.from({ length: d }, () => 0.1 + 3 * rng.uniform());
    const lb = Array.from({ length: d }, () => 0.1 + 3 * rng.uniform());
    const mu = Array.from({ length: d }, () => 0);
    const expected = la.reduce((s, a, i) => s + (Math.sqrt(a) - Math.sqrt(lb[i])) ** 2, 0);
    const A = stats(mu, rotated(r, la, d));
    const B = stats(mu, rotated(r, lb, d));
    expect(frechetDistance(A, B)).toBeCloseTo(expected, 9);
    expect(frechetDistance(B, A)).toBeCloseTo(expected, 9);
  });

  it('non-commuting covariances agree with mathjs sqrtm, and it is symmetric', () => {
    const rng = new Rng(3);
    const d = 6;
    const s1 = randomSpd(rng, d);
    const s2 = randomSpd(rng, d);
    const s1h = sqrtm(toRows(s1, d)) as unknown as number[][];
    const inner = multiply(multiply(s1h, toRows(s2, d)), s1h) as number[][];
    const cross = trace(sqrtm(inner) as unknown as number[][]) as number;
    let tr = 0;
    for (let i = 0; i < d; i++) tr += s1[i * d + i] + s2[i * d + i];
    const mu = Array.from({ length: d }, () => 0);
    const expected = tr - 2 * cross;
    const A = stats(mu, s1);
    const B = stats(mu, s2);
    expect(frechetDistance(A, B)).toBeCloseTo(expected, 8);
    expect(frechetDistance(B, A)).toBeCloseTo(expected, 8);
  });

  it('identical feature sets give 0; a translation by v gives ‖v‖²', () => {
    const rng = new Rng(4);
    const n = 500;
    const d = 64;
    const x = new Float32Array(n * d);
    for (let i = 0; i < n * d; i++) x[i] = rng.normal() * (1 + (i % d) / d) + 0.3 * ((i % 7) - 3);
    const v = Array.from({ length: d }, () => rng.normal());
    const y = x.map((xi, i) => xi + v[i % d]);
    const before = tf.memory().numTensors;
    const a = tf.tensor2d(x, [n, d]);
    const b = tf.tensor2d(y, [n, d]);
    expect(featureFrechetDistance(a, a)).toBeLessThan(1e-6);
    const vv = v.reduce((s, vi) => s + vi * vi, 0);
    // y is computed in float32, so allow float32 round-off on the mean and covariance.
    expect(featureFrechetDistance(a, b)).toBeCloseTo(vv, 3);
    tf.dispose([a, b]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('gaussianStats computes the mean and unbiased covariance', () => {
    const s = gaussianStats([1, 2, 3, 6, 5, 4], 2);
    expect(Array.from(s.mu)).toEqual([3, 4]);
    // deviations (-2,-2), (0,2), (2,0): Σ = [[8,4],[4,8]]/2
    expect(Array.from(s.sigma)).toEqual([4, 2, 2, 4]);
    expect(() => gaussianStats([1, 2, 3], 2)).toThrow(/dimension 2/);
  });
});
