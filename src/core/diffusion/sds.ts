/**
 * Score Distillation Sampling (Poole et al. 2022, "DreamFusion", eq. 3) over any ε-`Denoiser`, in the
 * detached-target form (`detached-target.ts`): with g = w(t)·(ε̃(x_t; y, t) − ε), x_t = α x + σ ε, the loss is
 * ½ Σ g² and ∂loss/∂x = g exactly (the denoiser's Jacobian is dropped, as in the paper).
 *
 * Randomness, in this order from the given `Rng`: t ~ U[tMin, tMax] per sample (`uniformArray(B, tMin, tMax)`), then
 * ε ~ N(0, I) (`normalTensor(x.shape)`). A test recomputes g from the same stream.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as z from 'zod';
import { detachedTargetLoss, detachedTargetTerms, meanOf } from './detached-target.ts';
import { withGuidance } from './guidance.ts';
import type { Condition, Denoiser } from './denoiser.ts';
import { perSample } from './parameterization.ts';
import type { Rng } from '../rng.ts';

/** w(t): σ² (DreamFusion's 1 − ᾱ), 1, or α·σ² = √ᾱ(1 − ᾱ) (Fantasia3D, Chen et al. 2023); the config's enum. */
export const sdsWeighting = z.enum(['sigma2', 'uniform', 'fantasia3d']);
export type SdsWeighting = z.infer<typeof sdsWeighting>;

export const SDS_WEIGHTINGS: readonly SdsWeighting[] = sdsWeighting.options;

export interface SdsOptions {
  /** t ~ U[tMin, tMax] per sample; plain numbers (a trainer evaluates its schedules each step) */
  tMin: number;
  tMax: number;
  weighting: SdsWeighting;
  /** classifier-free guidance scale s (1 = the conditional model alone) */
  cfgScale: number;
  /** per-sample condition ([B] labels/prompts), or null/undefined for the unconditional prior */
  cond?: Condition | null;
  /** clamp g elementwise to [−gradClip, gradClip] (after weighting); null/undefined = no clipping */
  gradClip?: number | null;
}

/**
 * The loss and its named terms for logging (plain numbers, read once per call):
 * - `sds`: the loss value ½ Σ g² (after clipping),
 * - `gradNorm`: mean over the batch of ‖g_i‖₂ (after clipping; batch-size independent),
 * - `tMean`, `wMean`: the mean sampled t and weight,
 * - `clipFraction`: fraction of elements of g that were clipped (0 without gradClip).
 */
export interface SdsResult {
  loss: tf.Scalar;
  terms: Record<string, number>;
}

/** w(t) for per-sample α, σ tensors [B]. */
export function sdsWeight(weighting: SdsWeighting, alpha: tf.Tensor, sigma: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    switch (weighting) {
      case 'sigma2':
        return tf.square(sigma);
      case 'uniform':
        return tf.onesLike(sigma);
      case 'fantasia3d':
        return tf.mul(alpha, tf.square(sigma));
      default: {
        const never: never = weighting;
        throw new Error(`unknown SDS weighting ${String(never)}`);
      }
    }
  });
}

function checkOptions(d: Denoiser, x: tf.Tensor, opts: SdsOptions): void {
  if (x.shape.slice(1).join() !== d.sampleShape.join()) {
    throw new Error(`sds: x must be [B, ${d.sampleShape}], got [${x.shape}]`);
  }
  if (!(opts.tMin >= 0 && opts.tMin <= opts.tMax && opts.tMax <= 1)) {
    throw new Error(`sds: need 0 ≤ tMin ≤ tMax ≤ 1, got tMin=${opts.tMin}, tMax=${opts.tMax}`);
  }
  if (opts.gradClip != null && !(opts.gradClip > 0)) throw new Error(`sds: gradClip must be > 0, got ${opts.gradClip}`);
}

/**
 * The SDS gradient g = w(t)·(ε̃ − ε) [B, ...], computed without a tape (call it only where no gradient should flow),
 * plus the draws that made it.
 */
export function sdsGradient(d: Denoiser, x: tf.Tensor, opts: SdsOptions, rng: Rng): { g: tf.Tensor; t: Float32Array; w: Float32Array; clipFraction: number } {
  checkOptions(d, x, opts);
  const batch = x.shape[0];
  const tArr = rng.uniformArray(batch, opts.tMin, opts.tMax);
  const eps = rng.normalTensor(x.shape);
  const guided = withGuidance(d, opts.cfgScale);
  let w!: Float32Array;
  let clipFraction = 0;
  const g = tf.tidy(() => {
    const t = tf.tensor1d(tArr);
    const alpha = d.schedule.alphaT(t);
    const sigma = d.schedule.sigmaT(t);
    const xt = tf.add(tf.mul(perSample(alpha, x.rank), x), tf.mul(perSample(sigma, x.rank), eps));
    const epsHat = guided.eps(xt, t, opts.cond ?? null);
    const wT = sdsWeight(opts.weighting, alpha, sigma);
    w = wT.dataSync() as Float32Array;
    const raw = tf.mul(perSample(wT, x.rank), tf.sub(epsHat, eps));
    if (opts.gradClip == null) return raw;
    const c = opts.gradClip;
    clipFraction = tf.mean(tf.cast(tf.greater(tf.abs(raw), c), 'float32')).dataSync()[0];
    return tf.clipByValue(raw, -c, c);
  });
  eps.dispose();
  return { g, t: tArr, w, clipFraction };
}

/**
 * SDS as a differentiable scalar with named terms. ∂loss/∂x = g = w(t)·(ε̃ − ε) exactly (see the file comment); use
 * `loss` inside `optimizer.minimize` / `tf.variableGrads`, and log `terms`.
 * @param x [B, ...d.sampleShape] the optimized samples (or renders)
 */
export function sds(d: Denoiser, x: tf.Tensor, opts: SdsOptions, rng: Rng): SdsResult {
  const terms: Record<string, number> = {};
  const loss = detachedTargetLoss(x, (xIn) => {
    const { g, t, w, clipFraction } = sdsGradient(d, xIn, opts, rng);
    Object.assign(terms, detachedTargetTerms('sds', g, t), { wMean: meanOf(w), clipFraction });
    return g;
  });
  return { loss, terms };
}
