/**
 * Conversions between ε-, x₀- and v-prediction and the score, for x_t = α·x₀ + σ·ε (Ho et al. 2020 eq. 4;
 * v = α·ε − σ·x₀, Salimans & Ho 2022 "Progressive Distillation" §4; score = −ε/σ, Song et al. 2021 eq. 5 /
 * Vincent 2011).
 *
 * `alpha`/`sigma` are numbers, or tensors that broadcast against x — per-sample [B] times become [B, 1, …, 1] with
 * `perSample`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Condition, Denoiser } from './denoiser.ts';
import type { Schedule } from './schedule.ts';

export type Coef = tf.Tensor | number;

/**
 * Reshape a per-sample vector so it broadcasts against a batch.
 * @param v [B]
 * @param rank rank of the batch tensor, e.g. 4 for [B,H,W,C]
 * @returns [B, 1, …, 1] (rank `rank`)
 */
export function perSample(v: tf.Tensor, rank: number): tf.Tensor {
  return tf.reshape(v, [v.shape[0], ...new Array<number>(rank - 1).fill(1)]);
}

/** x̂₀ = (x_t − σ·ε̂)/α. @param xt [B,...] @param eps [B,...] */
export function x0FromEps(xt: tf.Tensor, eps: tf.Tensor, alpha: Coef, sigma: Coef): tf.Tensor {
  return tf.tidy(() => tf.div(tf.sub(xt, tf.mul(eps, sigma)), alpha));
}

/** ε̂ = (x_t − α·x̂₀)/σ. @param xt [B,...] @param x0 [B,...] */
export function epsFromX0(xt: tf.Tensor, x0: tf.Tensor, alpha: Coef, sigma: Coef): tf.Tensor {
  return tf.tidy(() => tf.div(tf.sub(xt, tf.mul(x0, alpha)), sigma));
}

/** ε̂ = σ·x_t + α·v̂ (since α² + σ² = 1). @param xt [B,...] @param v [B,...] */
export function epsFromV(xt: tf.Tensor, v: tf.Tensor, alpha: Coef, sigma: Coef): tf.Tensor {
  return tf.tidy(() => tf.add(tf.mul(xt, sigma), tf.mul(v, alpha)));
}

/** v̂ = α·ε̂ − σ·x̂₀ = (ε̂ − σ·x_t)/α. @param xt [B,...] @param eps [B,...] */
export function vFromEps(xt: tf.Tensor, eps: tf.Tensor, alpha: Coef, sigma: Coef): tf.Tensor {
  return tf.tidy(() => tf.div(tf.sub(eps, tf.mul(xt, sigma)), alpha));
}

/** x̂₀ = α·x_t − σ·v̂. @param xt [B,...] @param v [B,...] */
export function x0FromV(xt: tf.Tensor, v: tf.Tensor, alpha: Coef, sigma: Coef): tf.Tensor {
  return tf.tidy(() => tf.sub(tf.mul(xt, alpha), tf.mul(v, sigma)));
}

/** ∇ₓ log p_t(x) = −ε̂/σ. @param eps [B,...] */
export function scoreFromEps(eps: tf.Tensor, sigma: Coef): tf.Tensor {
  return tf.tidy(() => tf.neg(tf.div(eps, sigma)));
}

/** A network that predicts something other than ε (its raw output). */
export interface RawPredictor {
  /** @param x [B,...sampleShape] @param t [B] @returns [B,...sampleShape] in the network's parameterization */
  predict(x: tf.Tensor, t: tf.Tensor1D, cond?: Condition | null): tf.Tensor;
  readonly schedule: Schedule;
  readonly sampleShape: readonly number[];
}

export type PredictionKind = 'eps' | 'x0' | 'v';

/**
 * Adapt a network trained in any parameterization to the ε-`Denoiser` contract. An x₀-predictor gives ε̂ = (x_t −
 * α·x̂₀)/σ, which is undefined at σ = 0 (t = 0); samplers never evaluate there.
 */
export function withPrediction(model: RawPredictor, kind: PredictionKind): Denoiser {
  const { schedule, sampleShape } = model;
  return {
    schedule,
    sampleShape,
    eps(x: tf.Tensor, t: tf.Tensor1D, cond?: Condition | null): tf.Tensor {
      return tf.tidy(() => {
        const out = model.predict(x, t, cond);
        if (kind === 'eps') return out;
        const alpha = perSample(schedule.alphaT(t), x.rank);
        const sigma = perSample(schedule.sigmaT(t), x.rank);
        return kind === 'x0' ? epsFromX0(x, out, alpha, sigma) : epsFromV(x, out, alpha, sigma);
      });
    },
  };
}
