import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { dmLoss, type DmOptions } from '../../../src/core/diffusion/dm-loss.ts';
import { withGuidance } from '../../../src/core/diffusion/guidance.ts';
import { GaussianMixtureDenoiser, ringMixture, type GmmSpec } from '../../../src/core/diffusion/gmm.ts';
import { x0FromEps } from '../../../src/core/diffusion/parameterization.ts';
import { Rng } from '../../../src/core/rng.ts';
import { cosineSchedule } from '../../../src/core/diffusion/schedule.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const sched = cosineSchedule();
const oneGaussian = (mean: number[], std: number): GmmSpec => ({ means: [mean], stds: [std], weights: [1] });

describe('dmLoss: the detached-target form of DMD eq. 7–8', () => {
  const real = new GaussianMixtureDenoiser(ringMixture(), sched);
  // a "fake" score that differs from the real one: the ring rotated and shrunk
  const fake = new GaussianMixtureDenoiser({ ...ringMixture(8, 1.5, 0.3), means: ringMixture(8, 1.5, 0.3).means.map(([a, b]) => [b, -a]) }, sched);

  it('tf.grads of the loss equals g = (x̂_fake − x̂_real)/mean|x − x̂_real| recomputed in x̂ form from the same rng stream', () => {
    const batch = 12;
    const before = tf.memory().numTensors;
    const x = tf.tidy(() => tf.mul(new Rng(4).normalTensor([batch, 2]), 2));
    const labels = Int32Array.from([3, 0, -1, 5, 3, 3, 7, 1, 2, 4, 6, 0]);
    const opts: DmOptions = { tMin: 0.02, tMax: 0.98, cfgScale: 2, cond: { labels } };
    let terms: Record<string, number> = {};
    const { value, grads } = tf.valueAndGrads((xx: tf.Tensor) => {
      const r = dmLoss(real, fake, xx, opts, new Rng(77));
      terms = r.terms;
      return r.loss;
    })([x]);

    // The paper's form, with x̂ = (x_t − σ ε̂)/α: t first, then ε, from the same seed.
    const rng = new Rng(77);
    const tArr = rng.uniformArray(batch, 0.02, 0.98);
    const expected = tf.tidy(() => {
      const eps = rng.normalTensor([batch, 2]);
      const t = tf.tensor1d(tArr) as tf.Tensor1D;
      const a = tf.tensor2d(Array.from(tArr, (ti) => [sched.alpha(ti)]));
      const s = tf.tensor2d(Array.from(tArr, (ti) => [sched.sigma(ti)]));
      const xt = tf.add(tf.mul(a, x), tf.mul(s, eps));
      const x0Real = x0FromEps(xt, withGuidance(real, 2).eps(xt, t, { labels }), a, s);
      const x0Fake = x0FromEps(xt, fake.eps(xt, t, { labels }), a, s);
      return tf.div(tf.sub(x0Fake, x0Real), tf.mean(tf.abs(tf.sub(x, x0Real)), 1, true));
    });
    const err = tf.tidy(() => tf.max(tf.abs(tf.sub(grads[0], expected))).dataSync()[0]);
    const scale = tf.tidy(() => tf.max(tf.abs(expected)).dataSync()[0]);
    expect(scale).toBeGreaterThan(0.1);
    expect(err).toBeLessThan(2e-4 * Math.max(1, scale));
    const half = tf.tidy(() => tf.mul(tf.sum(tf.square(expected)), 0.5).dataSync()[0]);
    expect(value.dataSync()[0]).toBeCloseTo(half, 2);
    expect(terms.dm).toBeCloseTo(half, 2);
    expect(terms.tMean).toBeCloseTo(tArr.reduce((p, q) => p + q) / batch, 6);
    tf.dispose([x, value, ...grads, expected]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('vanishes when the fake score equals the real one (CFG 1)', () => {
    const x = new Rng(5).normalTensor([16, 2]);
    const { grads } = tf.valueAndGrads((xx: tf.Tensor) => dmLoss(real, real, xx, { tMin: 0.02, tMax: 0.98, cfgScale: 1 }, new Rng(3)).loss)([x]);
    expect(tf.tidy(() => tf.max(tf.abs(grads[0])).dataSync()[0])).toBe(0);
    tf.dispose([x, ...grads]);
  });

  it('points from the fake mean towards the real one by the hand-computed amount (two Gaussians)', () => {
    // real N((1, 0), 0.5² I), fake N((−1, 0), 0.5² I), t = 0.5: α = σ = √½, v = α²·0.25 + σ² = 0.625, and
    // ε̂_real − ε̂_fake = σα(μ_fake − μ_real)/v = 0.5·(−2, 0)/0.625 = (−1.6, 0) for every x_t.
    const realG = new GaussianMixtureDenoiser(oneGaussian([1, 0], 0.5), sched);
    const fakeG = new GaussianMixtureDenoiser(oneGaussian([-1, 0], 0.5), sched);
    const batch = 8;
    const x = tf.tidy(() => tf.add(new Rng(9).normalTensor([batch, 2]), tf.tensor1d([-1, 0])));
    const { grads } = tf.valueAndGrads((xx: tf.Tensor) => dmLoss(realG, fakeG, xx, { tMin: 0.5, tMax: 0.5, cfgScale: 1 }, new Rng(11)).loss)([x]);
    // the normalizer by hand: ε̂_real = σ(x_t − αμ_real)/v, x_t = α x + σ ε
    const rng = new Rng(11);
    rng.uniformArray(batch, 0.5, 0.5);
    const eps = rng.normalArray(batch * 2);
    const xs = x.dataSync();
    const g = grads[0].dataSync();
    const h = Math.SQRT1_2;
    for (let i = 0; i < batch; i++) {
      let norm = 0;
      for (let j = 0; j < 2; j++) {
        const xt = h * xs[2 * i + j] + h * eps[2 * i + j];
        const epsReal = (h * (xt - h * (j === 0 ? 1 : 0))) / 0.625;
        norm += Math.abs(epsReal - eps[2 * i + j]) / 2;
      }
      expect(g[2 * i]).toBeCloseTo(-1.6 / norm, 4);
      expect(g[2 * i + 1]).toBeCloseTo(0, 5);
      // a descent step x − η g moves towards the real mean (+x direction)
      expect(-g[2 * i]).toBeGreaterThan(0);
    }
    tf.dispose([x, ...grads]);
  });

  it('stays finite when the real score predicts the noise exactly (normalizer floored)', () => {
    // a point mass-like real Gaussian of tiny std at x: ε̂_real ≈ ε, the normalizer ~ 0
    const realG = new GaussianMixtureDenoiser(oneGaussian([0, 0], 1e-6), sched);
    const fakeG = new GaussianMixtureDenoiser(oneGaussian([1, 0], 1e-6), sched);
    const x = tf.zeros([4, 2]);
    const { grads } = tf.valueAndGrads((xx: tf.Tensor) => dmLoss(realG, fakeG, xx, { tMin: 0.3, tMax: 0.6, cfgScale: 1 }, new Rng(1)).loss)([x]);
    expect(grads[0].dataSync().every(Number.isFinite)).toBe(true);
    tf.dispose([x, ...grads]);
  });
});
