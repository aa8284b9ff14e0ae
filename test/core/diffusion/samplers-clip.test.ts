/**
 * x̂₀ clipping as a sampler option (`clipX0`): ε̃ by hand, the same samples as clipping inside the denoiser (a reference
 * adapter written here), and x₀ in range.
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { GaussianMixtureDenoiser, ringMixture } from '../../../src/core/diffusion/gmm.ts';
import { Rng } from '../../../src/core/rng.ts';
import { clipX0Eps, sample, type SamplerName } from '../../../src/core/diffusion/samplers.ts';
import { cosineSchedule } from '../../../src/core/diffusion/schedule.ts';
import type { Condition, Denoiser } from '../../../src/core/diffusion/denoiser.ts';
import { perSample } from '../../../src/core/diffusion/parameterization.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Reference: the clipping applied inside the denoiser, with α, σ as float32 tensors of t. */
function withX0Clipping(d: Denoiser, lo: number, hi: number): Denoiser {
  return {
    schedule: d.schedule,
    sampleShape: d.sampleShape,
    eps: (x: tf.Tensor, t: tf.Tensor1D, cond?: Condition | null) =>
      tf.tidy(() => clipX0Eps(x, d.eps(x, t, cond), perSample(d.schedule.alphaT(t), x.rank), perSample(d.schedule.sigmaT(t), x.rank), [lo, hi])),
  };
}

describe('clipX0Eps', () => {
  it('leaves ε̂ alone when x̂₀ is inside the range and clips x̂₀ otherwise: ε̃ = (x − α·clip(x̂₀))/σ', () => {
    const [a, s] = [Math.cos(Math.PI / 4), Math.sin(Math.PI / 4)]; // t = 0.5
    // x = [0.1, 3]: ε̂ = [0.05, −1] gives x̂₀ = [(0.1 − 0.05s)/a, (3 + s)/a] = [0.0914, 5.24]; the second clips to 1.
    const [x, eps] = [tf.tensor2d([[0.1, 3]]), tf.tensor2d([[0.05, -1]])];
    const before = tf.memory().numTensors;
    const e = clipX0Eps(x, eps, a, s, [-1, 1]);
    const [e0, e1] = Array.from(e.dataSync());
    expect(e0).toBeCloseTo(0.05, 5);
    expect(e1).toBeCloseTo((3 - a * 1) / s, 5);
    expect(tf.memory().numTensors).toBe(before + 1);
    tf.dispose([e, x, eps]);
  });
});

// ring8 has its modes at radius 2, so clipping x̂₀ to [−1, 1] changes every trajectory.
const d = new GaussianMixtureDenoiser(ringMixture(8, 2, 0.1), cosineSchedule());

describe('sample(…, { clipX0 })', () => {
  it.each<[SamplerName, number]>([
    ['ddim', 10],
    ['ddpm', 20],
    ['heun', 6],
  ])('%s-%i equals sampling the withX0Clipping adapter, leaks nothing, and ends inside the range', (sampler, steps) => {
    const before = tf.memory().numTensors;
    const a = sample(d, 64, { sampler, steps, rng: new Rng(7), clipX0: [-1, 1] });
    const b = sample(withX0Clipping(d, -1, 1), 64, { sampler, steps, rng: new Rng(7) });
    const plain = sample(d, 64, { sampler, steps, rng: new Rng(7) });
    expect(tf.memory().numTensors).toBe(before + 3);
    const [va, vb, vp] = [a.dataSync(), b.dataSync(), plain.dataSync()];
    // α, σ as float64 numbers (option) or float32 tensors (adapter): equal to rounding
    for (let i = 0; i < va.length; i++) expect(va[i]).toBeCloseTo(vb[i], 4);
    // the last step lands on α(0)·clip(x̂₀) (σ(0) = 0) for DDIM/DDPM and Heun's final Euler step alike
    expect(Math.max(...Array.from(va, Math.abs))).toBeLessThanOrEqual(1 + 1e-5);
    expect(Math.max(...Array.from(vp, Math.abs))).toBeGreaterThan(1.5); // without clipping the modes are at radius 2
    tf.dispose([a, b, plain]);
  });

  it('rejects an empty range', () => {
    expect(() => sample(d, 2, { sampler: 'ddim', steps: 2, rng: new Rng(0), clipX0: [1, -1] })).toThrow(/clipX0 must be \[lo, hi\]/);
  });
});

describe('clipX0Eps', () => {
  it('recomputes ε from the clipped x̂₀ by hand, and keeps ε̂ at σ = 0', () => {
    const [a, s] = [0.6, 0.8];
    // x = [0.1, 3], ε̂ = [0.05, −1]: x̂₀ = [(0.1 − 0.04)/0.6, (3 + 0.8)/0.6] = [0.1, 6.33]; the second clips to 1
    const [x, eps] = [tf.tensor2d([[0.1, 3]]), tf.tensor2d([[0.05, -1]])];
    const e = clipX0Eps(x, eps, a, s, [-1, 1]);
    const [e0, e1] = Array.from(e.dataSync());
    expect(e0).toBeCloseTo(0.05, 6);
    expect(e1).toBeCloseTo((3 - a * 1) / s, 5);
    const atZero = clipX0Eps(x, eps, 1, 0, [-1, 1]);
    expect(Array.from(atZero.dataSync())).toEqual(Array.from(eps.dataSync()));
    tf.dispose([x, eps, e, atZero]);
  });
});
