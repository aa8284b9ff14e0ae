/**
 * x̂₀ clipping as a `Denoiser` adapter (the "clip_denoised" of Ho et al. 2020's sampler): x̂₀ = (x_t − σ·ε̂)/α is
 * clipped to the data range and ε̂ recomputed from it, ε̃ = (x_t − α·clip(x̂₀))/σ. Near t = 1 of the cosine schedule
 * α ≈ 1.6e-4, so a small error of ε̂ becomes a huge one of x̂₀; without clipping, pixel-space samples of an imperfect
 * model saturate into salt-and-pepper noise. For sampling only: SDS and DMD want the unclipped ε̂.
 * Prefer the samplers' own option (`sample(d, n, { clipX0: [lo, hi] })`, the same formula, `clipX0Eps`); this
 * adapter remains for code that hands a `Denoiser` to something other than `sample`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Condition, Denoiser } from '../denoiser.ts';
import { perSample } from '../parameterization.ts';
import { clipX0Eps } from '../samplers.ts';

export function withX0Clipping(d: Denoiser, lo = -1, hi = 1): Denoiser {
  return {
    schedule: d.schedule,
    sampleShape: d.sampleShape,
    eps(x: tf.Tensor, t: tf.Tensor1D, cond?: Condition | null): tf.Tensor {
      return tf.tidy(() => {
        const eps = d.eps(x, t, cond);
        return clipX0Eps(x, eps, perSample(d.schedule.alphaT(t), x.rank), perSample(d.schedule.sigmaT(t), x.rank), [lo, hi]);
      });
    },
  };
}
