/**
 * The denoising (score-matching) loss that trains a diffusion model (Ho et al. 2020 eq. 14, "L_simple", in continuous
 * time; Vincent 2011): t ~ U[tMin, tMax], x_t = α(t)·x₀ + σ(t)·ε, and the mean squared error between the network's
 * output and its target — ε for an ε-predictor, v = α·ε − σ·x₀ for a v-predictor (Salimans & Ho 2022 §4), x₀ for an
 * x₀-predictor — with condition dropout for classifier-free guidance (Ho & Salimans 2022 Alg. 1). The teacher trains
 * with it, and DMD's fake score trains with it on detached generator samples.
 *
 * Randomness, in this order from the given `Rng`: when `cond` carries labels or prompts, one `uniform()` per example
 * for the dropout (drawn even at condDropout 0, so the stream does not depend on p); then t (`uniformArray(B, tMin,
 * tMax)`); then ε (`normalArray(B·D)`). Tests recompute the loss from the same stream.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Condition, Denoiser } from './denoiser.ts';
import { epsFromV, epsFromX0, perSample, vFromEps, x0FromEps, x0FromV, type PredictionKind, type RawPredictor } from './parameterization.ts';
import type { Rng } from '../rng.ts';

/** The model a denoising loss trains: a raw predictor (its output kind in `prediction`) or a plain ε-`Denoiser`. */
export type DenoisingModel = RawPredictor | Denoiser;

/**
 * Per-sample weights of the squared error: `uniform` (L_simple), or `min-snr` (Hang et al. 2023, "Min-SNR
 * weighting", γ = `minSnrGamma`): the loss of x₀-space weighted by min(SNR, γ), expressed in the regression's space
 * (ε: min(SNR, γ)/SNR, v: min(SNR, γ)/(SNR + 1), x₀: min(SNR, γ)).
 */
export type DenoisingWeighting = 'uniform' | 'min-snr';

export interface DenoisingLossOptions {
  /**
   * What the model outputs: `predict(x_t, t, cond)` of a raw predictor is ε, x₀ or v (default: the model's own
   * `prediction` field); a `Denoiser` without `predict` is used through `eps` (prediction 'eps').
   */
  prediction?: PredictionKind;
  /** Space in which the error is measured (default: the model's prediction, i.e. no conversion). */
  target?: PredictionKind;
  /** Per-sample weighting (default `uniform`). */
  weighting?: DenoisingWeighting;
  /** γ of `min-snr` (default 5). */
  minSnrGamma?: number;
  /** Probability of replacing each example's condition by the null one (label −1, prompt ''); default 0. */
  condDropout?: number;
  /** t ~ U[tMin, tMax] (default [0, 1]). */
  tMin?: number;
  tMax?: number;
}

/**
 * The loss and its named terms (plain numbers, read once per call):
 * - `denoise`: the (weighted) mean squared error,
 * - `tMean`: the mean sampled t.
 */
export interface DenoisingLossResult {
  loss: tf.Scalar;
  terms: Record<string, number>;
}

/**
 * The denoising loss of `model` on clean samples `x0`, differentiable with respect to the model's variables: call it
 * inside `optimizer.minimize` / `tf.variableGrads`. `x0` is treated as data (DMD passes detached generator samples).
 * @param x0 [B, ...model.sampleShape] clean samples
 * @param cond per-example condition of x0 (host labels/prompts), or null
 */
export function denoisingLoss(model: DenoisingModel, x0: tf.Tensor, cond: Condition | null | undefined, rng: Rng, opts: DenoisingLossOptions = {}): DenoisingLossResult {
  const b = x0.shape[0];
  if (x0.shape.slice(1).join() !== model.sampleShape.join()) {
    throw new Error(`denoisingLoss: x0 must be [B, ${model.sampleShape}], got [${x0.shape}]`);
  }
  const raw = 'predict' in model && typeof model.predict === 'function';
  const prediction = opts.prediction ?? (raw ? (model as { prediction?: PredictionKind }).prediction : 'eps');
  if (!prediction) throw new Error('denoisingLoss: the model has no `prediction`; give opts.prediction');
  if (!raw && prediction !== 'eps') throw new Error(`denoisingLoss: a Denoiser predicts eps, not ${prediction}; pass a RawPredictor`);
  const target = opts.target ?? prediction;
  const { weighting = 'uniform', minSnrGamma = 5, condDropout = 0, tMin = 0, tMax = 1 } = opts;
  if (!(tMin >= 0 && tMin <= tMax && tMax <= 1)) throw new Error(`denoisingLoss: need 0 ≤ tMin ≤ tMax ≤ 1, got ${tMin}, ${tMax}`);
  if (!(condDropout >= 0 && condDropout <= 1)) throw new Error(`denoisingLoss: condDropout must be in [0, 1], got ${condDropout}`);

  const dropped = dropConditions(cond, b, condDropout, rng);
  const tArr = rng.uniformArray(b, tMin, tMax);
  const noise = rng.normalArray(x0.size);
  const terms: Record<string, number> = { tMean: tArr.reduce((a, v) => a + v, 0) / b };
  const loss = tf.tidy(() => {
    const eps = tf.tensor(noise, x0.shape, 'float32');
    const t = tf.tensor1d(tArr);
    const alpha = perSample(model.schedule.alphaT(t), x0.rank);
    const sigma = perSample(model.schedule.sigmaT(t), x0.rank);
    const xt = tf.add(tf.mul(alpha, x0), tf.mul(sigma, eps));
    const out = raw ? (model as RawPredictor).predict(xt, t, dropped) : (model as Denoiser).eps(xt, t, dropped);
    const pred = convert(out, prediction, target, xt, alpha, sigma);
    const err = tf.square(tf.sub(pred, targetOf(target, x0, eps, alpha, sigma)));
    let value: tf.Scalar;
    if (weighting === 'uniform') {
      value = tf.mean(err);
    } else {
      const w = minSnrWeight(target, alpha, sigma, minSnrGamma);
      value = tf.mean(tf.mul(err, w));
    }
    return value;
  });
  terms.denoise = loss.dataSync()[0];
  return { loss, terms };
}

/** The regression target in `space`: ε, v = α·ε − σ·x₀, or x₀. */
function targetOf(space: PredictionKind, x0: tf.Tensor, eps: tf.Tensor, alpha: tf.Tensor, sigma: tf.Tensor): tf.Tensor {
  switch (space) {
    case 'eps':
      return eps;
    case 'v':
      return tf.sub(tf.mul(alpha, eps), tf.mul(sigma, x0));
    case 'x0':
      return x0;
    default: {
      const never: never = space;
      throw new Error(`unknown prediction ${String(never)}`);
    }
  }
}

/** A prediction `out` of kind `from` at x_t, expressed as kind `to`. */
function convert(out: tf.Tensor, from: PredictionKind, to: PredictionKind, xt: tf.Tensor, alpha: tf.Tensor, sigma: tf.Tensor): tf.Tensor {
  if (from === to) return out;
  const eps = from === 'eps' ? out : from === 'v' ? epsFromV(xt, out, alpha, sigma) : epsFromX0(xt, out, alpha, sigma);
  if (to === 'eps') return eps;
  if (to === 'x0') return from === 'v' ? x0FromV(xt, out, alpha, sigma) : x0FromEps(xt, eps, alpha, sigma);
  return vFromEps(xt, eps, alpha, sigma);
}

/** Min-SNR-γ weights [B,1,…] for the error measured in `space` (SNR = α²/σ²). */
function minSnrWeight(space: PredictionKind, alpha: tf.Tensor, sigma: tf.Tensor, gamma: number): tf.Tensor {
  const snr = tf.div(tf.square(alpha), tf.square(sigma));
  const clipped = tf.minimum(snr, gamma);
  if (space === 'x0') return clipped;
  return tf.div(clipped, space === 'eps' ? snr : tf.add(snr, 1));
}

/**
 * `cond` with each example's condition replaced by the null one with probability p (one `uniform()` per example,
 * whatever p). Returns `cond` itself when it carries neither labels nor prompts.
 */
export function dropConditions(cond: Condition | null | undefined, batch: number, p: number, rng: Rng): Condition | null {
  if (!cond || (!cond.labels && !cond.prompts)) return cond ?? null;
  if (cond.labels && cond.labels.length !== batch) throw new Error(`denoisingLoss: ${cond.labels.length} labels for a batch of ${batch}`);
  if (cond.prompts && cond.prompts.length !== batch) throw new Error(`denoisingLoss: ${cond.prompts.length} prompts for a batch of ${batch}`);
  const keep = Array.from({ length: batch }, () => !(rng.uniform() < p));
  const out: Condition = {};
  if (cond.labels) out.labels = cond.labels.map((l, i) => (keep[i] ? l : -1));
  if (cond.prompts) out.prompts = cond.prompts.map((s, i) => (keep[i] ? s : ''));
  if (cond.cameras) out.cameras = cond.cameras;
  return out;
}
