import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { GaussianMixtureDenoiser, modeStats, ringMixture, type GmmSpec } from '../../../src/core/diffusion/gmm.ts';
import { registerGradients } from '../../../src/core/nn/gradients.ts';
import { Rng } from '../../../src/core/rng.ts';
import { cosineSchedule, linearSchedule } from '../../../src/core/diffusion/schedule.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await registerGradients(); // the autodiff check needs Sum, Exp, Log, … (not in tfjs-core's node bundle)
});

const times = [0.02, 0.2, 0.5, 0.8, 0.97];

/** An uneven 3-D mixture, so that weights, stds and dimension all matter. */
const uneven: GmmSpec = {
  means: [
    [1, 0, -1],
    [-0.5, 2, 0.3],
    [0, -1.5, 1],
  ],
  stds: [0.3, 0.6, 0.15],
  weights: [0.5, 0.2, 0.3],
};

describe('GaussianMixtureDenoiser', () => {
  it('ring8 has 8 components of std 0.1 on the circle of radius 2, component k at angle 2πk/8', () => {
    const spec = ringMixture();
    expect(spec.means).toHaveLength(8);
    expect(spec.means[2][0]).toBeCloseTo(0, 12);
    expect(spec.means[2][1]).toBeCloseTo(2, 12);
    expect(spec.means[3][0]).toBeCloseTo(-Math.SQRT2, 12);
    expect(spec.stds).toEqual(new Array(8).fill(0.1));
    expect(spec.weights.reduce((a, b) => a + b)).toBeCloseTo(1, 12);
  });

  describe.each([
    ['ring8 / cosine', ringMixture(), cosineSchedule()],
    ['uneven 3-D / linear', uneven, linearSchedule()],
  ])('%s', (_, spec, schedule) => {
    const gmm = new GaussianMixtureDenoiser(spec, schedule);
    const dim = spec.means[0].length;
    const conds: [string, number[] | null][] = [
      ['unconditional', null],
      ['per-sample labels incl. −1', [0, 1, 2, -1, 2, 0]],
    ];

    it.each(conds)('analytic ε = −σ·∇ₓ log p_t(x) by autodiff of logDensity (%s)', (_, labelVals) => {
      const rng = new Rng(3);
      const before = tf.memory().numTensors;
      for (const tv of times) {
        tf.tidy(() => {
          const batch = 6;
          const x = tf.mul(rng.normalTensor([batch, dim]), 1.5);
          const t = tf.fill([batch], tv) as tf.Tensor1D;
          const cond = labelVals ? { labels: Int32Array.from(labelVals) } : null;
          const grad = tf.grad((xx: tf.Tensor) => tf.sum(gmm.logDensity(xx, t, cond)))(x);
          const expected = tf.mul(grad, -schedule.sigma(tv));
          const eps = gmm.eps(x, t, cond);
          const err = tf.max(tf.abs(tf.sub(eps, expected))).dataSync()[0];
          const scale = tf.max(tf.abs(expected)).dataSync()[0];
          expect(err).toBeLessThan(1e-4 * Math.max(1, scale));
        });
      }
      expect(tf.memory().numTensors).toBe(before);
    });

    it('label k is component k alone: ε = σ(x − αμ_k)/(α²s_k² + σ²)', () => {
      tf.tidy(() => {
        const tv = 0.4;
        const x = new Rng(5).normalTensor([spec.means.length, dim]);
        const labels = Int32Array.from({ length: spec.means.length }, (_, k) => k);
        const eps = gmm.eps(x, tf.fill([spec.means.length], tv) as tf.Tensor1D, { labels }).arraySync() as number[][];
        const xs = x.arraySync() as number[][];
        const [a, s] = [schedule.alpha(tv), schedule.sigma(tv)];
        spec.means.forEach((mu, k) => {
          const v = a * a * spec.stds[k] ** 2 + s * s;
          mu.forEach((m, j) => expect(eps[k][j]).toBeCloseTo((s * (xs[k][j] - a * m)) / v, 4));
        });
      });
    });

    it('logDensity of the noised mixture is normalized (numerical quadrature in 2-D)', () => {
      if (dim !== 2) return; // quadrature only for the 2-D ring
      tf.tidy(() => {
        const n = 161;
        const h = 8 / (n - 1);
        const pts: number[][] = [];
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) pts.push([-4 + i * h, -4 + j * h]);
        const t = tf.fill([pts.length], 0.5) as tf.Tensor1D;
        const dens = tf.exp(gmm.logDensity(tf.tensor2d(pts), t));
        expect(tf.sum(dens).dataSync()[0] * h * h).toBeCloseTo(1, 3);
      });
    });

    it('sample() draws exact samples: shares and per-mode spread match the spec', () => {
      const n = 8000;
      const x = gmm.sample(n, new Rng(11));
      expect(x.shape).toEqual([n, dim]);
      const stats = modeStats(x, spec);
      const wsum = spec.weights.reduce((a, b) => a + b);
      stats.shares.forEach((share, k) => {
        const p = spec.weights[k] / wsum;
        expect(Math.abs(share - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / n));
      });
      // the RMS per coordinate of n_k·d normal deviates: std error σ/√(2·n_k·d); 4 of them
      stats.spreads.forEach((s, k) => {
        const nk = stats.shares[k] * n;
        expect(Math.abs(s - spec.stds[k]), `mode ${k}`).toBeLessThan((4 * spec.stds[k]) / Math.sqrt(2 * nk * dim));
      });
      x.dispose();
      const only = gmm.sample(2000, new Rng(12), 1);
      const mean = tf.tidy(() => tf.mean(only, 0).arraySync() as number[]);
      mean.forEach((m, j) => expect(Math.abs(m - spec.means[1][j])).toBeLessThan((4 * spec.stds[1]) / Math.sqrt(2000)));
      only.dispose();
    });
  });

  it('modeStats: spread is the per-coordinate RMS distance to the nearest mode (0.1 for exact ring8 samples)', () => {
    const spec = ringMixture();
    const gmm = new GaussianMixtureDenoiser(spec, cosineSchedule());
    const x = gmm.sample(4096, new Rng(1));
    const stats = modeStats(x, spec);
    expect(stats.spread).toBeGreaterThan(0.097);
    expect(stats.spread).toBeLessThan(0.103);
    // median distance of a 2-D Gaussian of std 0.1: 0.1·√(2 ln 2) = 0.1177
    expect(stats.medianDist).toBeCloseTo(0.1177, 2);
    x.dispose();
    // hand-made case
    const hand = modeStats([2.1, 0, 2, 0.2, 0, -2], spec);
    expect(hand.shares[0]).toBeCloseTo(2 / 3, 12);
    expect(hand.shares[6]).toBeCloseTo(1 / 3, 12);
    expect(hand.spreads[0]).toBeCloseTo(Math.sqrt((0.01 + 0.04) / 4), 6);
    expect(hand.spreads[6]).toBeCloseTo(0, 12);
  });

  it('rejects prompts, bad shapes and bad specs', () => {
    const gmm = new GaussianMixtureDenoiser(ringMixture(), cosineSchedule());
    const x = tf.zeros([2, 3]);
    const t = tf.zeros([2]) as tf.Tensor1D;
    expect(() => gmm.eps(x, t)).toThrow(/\[B, 2\]/);
    expect(() => gmm.eps(tf.zeros([2, 2]), t, { prompts: ['a', 'b'] })).toThrow(/prompts/);
    expect(() => new GaussianMixtureDenoiser({ means: [[0]], stds: [0], weights: [1] }, cosineSchedule())).toThrow();
    tf.disposeVariables();
  });
});
