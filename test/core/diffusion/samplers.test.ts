import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { GaussianMixtureDenoiser, modeStats, ringMixture, type GmmSpec } from '../../../src/core/diffusion/gmm.ts';
import { Rng } from '../../../src/core/rng.ts';
import { sample, type SamplerName } from '../../../src/core/diffusion/samplers.ts';
import { cosineSchedule, ddimTimesteps, karrasTimesteps, linearSchedule } from '../../../src/core/diffusion/schedule.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const ring8 = ringMixture(8, 2, 0.1);

describe('samplers on ring8 with the exact ε (cosine schedule)', () => {
  const d = new GaussianMixtureDenoiser(ring8, cosineSchedule());
  // DESIGN.md "Known results": DDIM-50 on 4096 samples gives shares 0.119–0.129 and spread 0.089–0.097.
  // 2048 samples: a share's standard deviation is 0.0073, so ±2.5% is ±3.4 sd for each of the 8 components.
  const cases: [SamplerName, number, number, [number, number]][] = [
    ['ddim', 50, 2048, [0.085, 0.1]],
    ['heun', 25, 2048, [0.08, 0.12]],
    ['ddpm', 100, 2048, [0.08, 0.12]],
  ];
  it.each(cases)('%s, %i steps, %i samples: shares 12.5% ± 2.5%, spread within 20% of 0.1', (sampler, steps, n, [lo, hi]) => {
    const before = tf.memory().numTensors;
    let calls = 0;
    const x = sample(d, n, { sampler, steps, rng: new Rng(2026), onStep: () => calls++ });
    expect(calls).toBe(steps);
    expect(x.shape).toEqual([n, 2]);
    expect(tf.memory().numTensors).toBe(before + 1);
    const stats = modeStats(x, ring8);
    x.dispose();
    console.log(`${sampler}-${steps} n=${n}: shares ${stats.shares.map((s) => s.toFixed(3)).join(' ')}, spread ${stats.spread.toFixed(4)}`);
    for (const share of stats.shares) expect(Math.abs(share - 0.125)).toBeLessThanOrEqual(0.025);
    expect(stats.spread).toBeGreaterThanOrEqual(lo);
    expect(stats.spread).toBeLessThanOrEqual(hi);
  });

  it('conditions on a label: DDIM with label 3 lands on component 3 only', () => {
    const labels = new Int32Array(256).fill(3);
    const x = sample(d, 256, { sampler: 'ddim', steps: 20, rng: new Rng(1), cond: { labels } });
    expect(modeStats(x, ring8).shares[3]).toBe(1);
    x.dispose();
  });
});

describe('samplers against the exact probability-flow map of a single Gaussian', () => {
  // For p₀ = N(μ, s²I) the PF-ODE in y = x/α, τ = σ/α has the solution y(τ) = μ + √(s² + τ²)·z, so the exact
  // deterministic sampler started at time T maps x_T to x₀ = μ + s·(x_T/α_T − μ)/√(s² + τ_T²).
  const spec: GmmSpec = { means: [[1, -0.5]], stds: [0.3], weights: [1] };
  const schedules = [
    ['cosine', cosineSchedule()],
    ['linear', linearSchedule()],
  ] as const;

  /** Largest |x − exact| over 64 samples, on the sampler's own grid (first time ts[0]). */
  function mapError(sampler: SamplerName, steps: number, sched: (typeof schedules)[number][1], grid: 'uniform' | 'karras') {
    const d = new GaussianMixtureDenoiser(spec, sched);
    const tStart = (grid === 'karras' ? karrasTimesteps(sched, steps) : ddimTimesteps(steps))[0];
    return tf.tidy(() => {
      const xT = new Rng(9).normalTensor([64, 2]);
      const x = sample(d, 64, { sampler, steps, rng: new Rng(0), xT, grid });
      const a = sched.alpha(tStart);
      const tauT = sched.sigma(tStart) / a;
      const mu = tf.tensor2d(spec.means);
      const exact = tf.add(mu, tf.mul(tf.sub(tf.div(xT, a), mu), 0.3 / Math.sqrt(0.09 + tauT * tauT)));
      return tf.max(tf.abs(tf.sub(x, exact))).dataSync()[0];
    });
  }

  it('DDIM converges to the exact map at first order, Heun at second order', () => {
    for (const [name, sched] of schedules) {
      const ddim = [20, 80].map((n) => mapError('ddim', n, sched, 'uniform'));
      const heun = [10, 20, 40].map((n) => mapError('heun', n, sched, 'karras'));
      console.log(`${name}: DDIM 20/80 max error ${ddim.map((e) => e.toExponential(2))}; Heun (Karras grid) 10/20/40 ${heun.map((e) => e.toExponential(2))}`);
      expect(ddim[1]).toBeLessThan(ddim[0] / 2.5); // ×4 steps → error ÷ ~4
      expect(heun[2]).toBeLessThan(heun[1] / 3); // ×2 steps → error ÷ ~4
      expect(heun[2]).toBeLessThan(ddim[1]);
    }
  });

  it('DDIM with η > 0 is stochastic in the noise draws but deterministic for a seed', () => {
    const d = new GaussianMixtureDenoiser(spec, cosineSchedule());
    const run = (seed: number) =>
      tf.tidy(() => sample(d, 8, { sampler: 'ddim', steps: 10, eta: 0.5, rng: new Rng(seed) }).arraySync() as number[][]);
    expect(run(1)).toEqual(run(1));
    expect(run(1)).not.toEqual(run(2));
    expect(() => sample(d, 8, { sampler: 'ddim', steps: 10, eta: 2, rng: new Rng(1) })).toThrow(/eta/);
    expect(() => sample(d, 8, { sampler: 'ddim', steps: 0, rng: new Rng(1) })).toThrow(/steps/);
  });
});
