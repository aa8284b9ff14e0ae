import * as tf from '@tensorflow/tfjs-core';
import { withGuidance } from '../../../src/core/diffusion/guidance.ts';
import { GaussianMixtureDenoiser, ringMixture, type GmmSpec } from '../../../src/core/diffusion/gmm.ts';
import { withPrediction } from '../../../src/core/diffusion/parameterization.ts';
import { cosineSchedule, linearSchedule, makeSchedule } from '../../../src/core/diffusion/schedule.ts';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/rng.ts';
import { denoisingRatio, describeDenoiserConformance } from './denoiser-conformance.ts';

const ring8 = ringMixture();
const randomLabels = (batch: number, rng: Rng) =>
  ({ labels: Int32Array.from(Array.from({ length: batch }, () => rng.int(9) - 1)) }) as const;
const ringSamples = (n: number, rng: Rng) => new GaussianMixtureDenoiser(ring8, cosineSchedule()).sample(n, rng);

describeDenoiserConformance('GaussianMixtureDenoiser ring8 (cosine)', () => new GaussianMixtureDenoiser(ring8, cosineSchedule()), {
  cond: randomLabels,
  sampleX0: ringSamples,
  roundTrip: (d) => {
    const g = d as GaussianMixtureDenoiser;
    const json = JSON.parse(JSON.stringify({ spec: g.spec, schedule: g.schedule.config }));
    return new GaussianMixtureDenoiser(json.spec as GmmSpec, makeSchedule(json.schedule));
  },
});

const gmm3: GmmSpec = { means: [[1, 0, -1], [-0.5, 2, 0.3]], stds: [0.3, 0.6], weights: [0.7, 0.3] };
describeDenoiserConformance('GaussianMixtureDenoiser 3-D (linear β)', () => new GaussianMixtureDenoiser(gmm3, linearSchedule()), {
  batch: 5,
  cond: (batch, rng) => ({ labels: Int32Array.from(Array.from({ length: batch }, () => rng.int(3) - 1)) }),
  sampleX0: (n, rng) => new GaussianMixtureDenoiser(gmm3, linearSchedule()).sample(n, rng),
  // wider components than ring8's: the exact score's ratio is 0.64 at t = 0.15 and 0.46 at t = 0.3 (σ/α = 1.23)
  denoiseT: 0.3,
});

describeDenoiserConformance('withGuidance(ring8, s = 3)', () => withGuidance(new GaussianMixtureDenoiser(ring8, cosineSchedule()), 3), {
  cond: randomLabels,
  sampleX0: ringSamples,
});

describeDenoiserConformance(
  'withPrediction(x₀-predictor of ring8)',
  () => {
    const gmm = new GaussianMixtureDenoiser(ring8, cosineSchedule());
    // the posterior mean E[x₀ | x_t] = (x_t − σε)/α as a raw x₀-predictor
    return withPrediction(
      {
        schedule: gmm.schedule,
        sampleShape: gmm.sampleShape,
        predict: (x, t, cond) =>
          tf.tidy(() => {
            const a = tf.reshape(gmm.schedule.alphaT(t), [-1, 1]);
            const s = tf.reshape(gmm.schedule.sigmaT(t), [-1, 1]);
            return tf.div(tf.sub(x, tf.mul(s, gmm.eps(x, t, cond))), a);
          }),
      },
      'x0',
    );
  },
  { cond: randomLabels, sampleX0: ringSamples },
);

describe('the conformance denoising check fails wrong models', () => {
  const exact = new GaussianMixtureDenoiser(ring8, cosineSchedule());
  // the suite's defaults: t = 0.15, pass below 0.55
  const ratio = (d: Parameters<typeof denoisingRatio>[0]) => denoisingRatio(d, ringSamples, 0.15, 512, new Rng(5));

  it('ε̂ ≡ 0 scores exactly 1, the exact ring8 score 0.42; rings of the wrong radius, spread or mode count score above 0.55', () => {
    const zero = { schedule: exact.schedule, sampleShape: exact.sampleShape, eps: (x: tf.Tensor) => tf.zerosLike(x) };
    expect(ratio(zero)).toBeCloseTo(1, 6);
    expect(ratio(exact)).toBeCloseTo(0.424, 2);
    for (const wrong of [ringMixture(8, 1.8), ringMixture(8, 2.2), ringMixture(8, 2, 0.3), ringMixture(4, 2)]) {
      expect(ratio(new GaussianMixtureDenoiser(wrong, cosineSchedule()))).toBeGreaterThan(0.6);
    }
  });
});
