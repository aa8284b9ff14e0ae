import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { withGuidance } from '../../../src/core/diffusion/guidance.ts';
import { GaussianMixtureDenoiser, modeStats, ringMixture, type GmmSpec } from '../../../src/core/diffusion/gmm.ts';
import { perSample } from '../../../src/core/diffusion/parameterization.ts';
import { Rng } from '../../../src/core/rng.ts';
import { cosineSchedule, linearSchedule, type Schedule } from '../../../src/core/diffusion/schedule.ts';
import { sds, type SdsOptions, type SdsWeighting } from '../../../src/core/diffusion/sds.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const ring8 = ringMixture();

describe('sds: the detached-target form', () => {
  const d = new GaussianMixtureDenoiser(ring8, cosineSchedule());

  it.each([
    ['sigma2', 1, null],
    ['fantasia3d', 3, null],
    ['uniform', 2, 0.05],
  ] as [SdsWeighting, number, number | null][])(
    'tf.grads of the loss equals w(t)·(ε̃ − ε) recomputed from the same rng stream (%s, s = %d, clip %s)',
    (weighting, cfgScale, gradClip) => {
      const batch = 16;
      const before = tf.memory().numTensors;
      const x = tf.tidy(() => tf.mul(new Rng(4).normalTensor([batch, 2]), 2));
      const labels = Int32Array.from([3, 0, -1, 5, 3, 3, 7, 1, 2, 4, 6, -1, 0, 0, 3, 2]);
      const opts: SdsOptions = { tMin: 0.02, tMax: 0.98, weighting, cfgScale, cond: { labels }, gradClip };
      const rngA = new Rng(77);
      let terms: Record<string, number> = {};
      const { value, grads } = tf.valueAndGrads((xx: tf.Tensor) => {
        const r = sds(d, xx, opts, rngA);
        terms = r.terms;
        return r.loss;
      })([x]);

      // Recompute g by hand: t first, then ε, from the same seed.
      const rngB = new Rng(77);
      const tArr = rngB.uniformArray(batch, 0.02, 0.98);
      const expected = tf.tidy(() => {
        const eps = rngB.normalTensor([batch, 2]);
        const t = tf.tensor1d(tArr);
        const sch = d.schedule;
        const a = tf.tensor2d(Array.from(tArr, (ti) => [sch.alpha(ti)]));
        const s = tf.tensor2d(Array.from(tArr, (ti) => [sch.sigma(ti)]));
        const xt = tf.add(tf.mul(a, x), tf.mul(s, eps));
        const epsTilde = withGuidance(d, cfgScale).eps(xt, t as tf.Tensor1D, { labels });
        const w = weighting === 'sigma2' ? tf.square(s) : weighting === 'uniform' ? tf.onesLike(s) : tf.mul(a, tf.square(s));
        const g = tf.mul(w, tf.sub(epsTilde, eps));
        return gradClip == null ? g : tf.clipByValue(g, -gradClip, gradClip);
      });
      const err = tf.tidy(() => tf.max(tf.abs(tf.sub(grads[0], expected))).dataSync()[0]);
      expect(err).toBeLessThan(1e-5);
      // loss = ½ Σ g² (sum reduction), and the logged terms match it
      const half = tf.tidy(() => tf.mul(tf.sum(tf.square(expected)), 0.5).dataSync()[0]);
      expect(value.dataSync()[0]).toBeCloseTo(half, 4);
      expect(terms.sds).toBeCloseTo(half, 4);
      expect(terms.tMean).toBeCloseTo(tArr.reduce((p, q) => p + q) / batch, 6);
      expect(terms.gradNorm).toBeGreaterThan(0);
      if (gradClip != null) expect(terms.clipFraction).toBeGreaterThan(0);
      tf.dispose([x, value, ...grads, expected]);
      expect(tf.memory().numTensors).toBe(before);
    },
  );

  it('leaks no tensors across an Adam training step (tf.train.adam + minimize)', () => {
    const x = tf.variable(new Rng(1).normalTensor([32, 2]));
    const opt = tf.train.adam(0.02);
    const rng = new Rng(2);
    const opts: SdsOptions = { tMin: 0.02, tMax: 0.98, weighting: 'sigma2', cfgScale: 1 };
    opt.minimize(() => sds(d, x, opts, rng).loss); // creates Adam's moment slots
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) opt.minimize(() => sds(d, x, opts, rng).loss);
    expect(tf.memory().numTensors).toBe(before);
    // and without a tape at all (evaluation only)
    sds(d, x, opts, rng).loss.dispose();
    expect(tf.memory().numTensors).toBe(before);
    opt.dispose();
    x.dispose();
  });

  it('rejects bad options', () => {
    const x = tf.zeros([2, 2]);
    const base: SdsOptions = { tMin: 0.02, tMax: 0.98, weighting: 'sigma2', cfgScale: 1 };
    expect(() => sds(d, x, { ...base, tMin: 0.9, tMax: 0.1 }, new Rng(1))).toThrow(/tMin/);
    expect(() => sds(d, x, { ...base, gradClip: 0 }, new Rng(1))).toThrow(/gradClip/);
    expect(() => sds(d, tf.zeros([2, 3]), base, new Rng(1))).toThrow(/\[B, 2\]/);
    x.dispose();
  });
});

describe('SDS on a single Gaussian prior N(μ, s²I): Monte Carlo mean against the closed form', () => {
  // With exact ε̂(x_t) = σ(x_t − αμ)/(α²s² + σ²) and x_t = αx + σε, E_ε[ε̂ − ε] = σα(x − μ)/(α²s² + σ²), so
  //   E_{t,ε}[g] = (x − μ) · 1/(tMax − tMin) ∫ w(t) σα/(α²s² + σ²) dt,
  // the integral by composite Simpson's rule.
  const mu = [0.7, -1.2];
  const sStd = 0.4;
  const spec: GmmSpec = { means: [mu], stds: [sStd], weights: [1] };

  function coefficient(sch: Schedule, weighting: SdsWeighting, tMin: number, tMax: number): number {
    const f = (t: number) => {
      const [a, s] = [sch.alpha(t), sch.sigma(t)];
      const w = weighting === 'sigma2' ? s * s : weighting === 'uniform' ? 1 : a * s * s;
      return (w * s * a) / (a * a * sStd * sStd + s * s);
    };
    const n = 2000;
    const h = (tMax - tMin) / n;
    let acc = f(tMin) + f(tMax);
    for (let i = 1; i < n; i++) acc += (i % 2 ? 4 : 2) * f(tMin + i * h);
    return (acc * h) / 3 / (tMax - tMin);
  }

  it.each([
    ['cosine', 'sigma2', 0.02, 0.98],
    ['linear', 'fantasia3d', 0.1, 0.7],
    ['cosine', 'uniform', 0.3, 0.5],
  ] as [string, SdsWeighting, number, number][])('%s schedule, w = %s, t ∈ [%d, %d]', (name, weighting, tMin, tMax) => {
    const sch = name === 'cosine' ? cosineSchedule() : linearSchedule();
    const d = new GaussianMixtureDenoiser(spec, sch);
    const points = [
      [2, 1],
      [0.7, -1.2],
      [-1, -3],
    ];
    const reps = 6000;
    const rows = points.flatMap((p) => new Array(reps).fill(p));
    const x = tf.tensor2d(rows);
    const g = tf.grad((xx: tf.Tensor) => sds(d, xx, { tMin, tMax, weighting, cfgScale: 1 }, new Rng(123)).loss)(x);
    const gArr = g.arraySync() as number[][];
    tf.dispose([x, g]);
    const c = coefficient(sch, weighting, tMin, tMax);
    const report: string[] = [];
    points.forEach((p, i) => {
      for (let j = 0; j < 2; j++) {
        const vals = gArr.slice(i * reps, (i + 1) * reps).map((r) => r[j]);
        const m = vals.reduce((a, b) => a + b) / reps;
        const sd = Math.sqrt(vals.reduce((a, b) => a + (b - m) ** 2, 0) / (reps - 1));
        const expected = c * (p[j] - mu[j]);
        report.push(`${m.toFixed(4)} vs ${expected.toFixed(4)} (±${(sd / Math.sqrt(reps)).toFixed(4)})`);
        // within 4 standard errors of the Monte Carlo mean (and exact zero at x = μ up to noise)
        expect(Math.abs(m - expected)).toBeLessThan(4 * (sd / Math.sqrt(reps)) + 1e-6);
      }
    });
    console.log(`SDS MC mean vs closed form (${name}, ${weighting}, [${tMin}, ${tMax}]): ${report.join('; ')}`);
  });
});

describe('SDS sanity on ring8 (DESIGN.md "Known results": every particle within 0.3 of the mode at s = 1)', () => {
  it('64 particles from N(0, I), conditioned on component 3, w = σ², Adam lr 0.02: all end on the mode', () => {
    const d = new GaussianMixtureDenoiser(ring8, cosineSchedule());
    const rng = new Rng(2022);
    const x = tf.variable(rng.normalTensor([64, 2]));
    const labels = new Int32Array(64).fill(3);
    const opt = tf.train.adam(0.02);
    const opts: SdsOptions = { tMin: 0.02, tMax: 0.98, weighting: 'sigma2', cfgScale: 1, cond: { labels } };
    const steps = 400;
    for (let i = 0; i < steps; i++) opt.minimize(() => sds(d, x, opts, rng).loss);
    const xs = x.arraySync() as number[][];
    const m3 = ring8.means[3];
    const dists = xs.map(([a, b]) => Math.hypot(a - m3[0], b - m3[1])).sort((p, q) => p - q);
    const within = dists.filter((r) => r < 0.3).length / dists.length;
    console.log(`SDS ring8 s=1, ${steps} steps: within 0.3 ${within}, median distance ${dists[32].toFixed(4)}, max ${dists[63].toFixed(3)}`);
    expect(within).toBeGreaterThanOrEqual(0.95);
    expect(modeStats(x, ring8).shares[3]).toBeGreaterThanOrEqual(0.95);
    x.dispose();
    opt.dispose();
  });
});
