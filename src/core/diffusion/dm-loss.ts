/**
 * The distribution-matching loss of DMD (Yin et al. 2023, "One-step Diffusion with Distribution Matching
 * Distillation", eqs. 7–8), over two ε-`Denoiser`s — the frozen teacher ("real" score, with CFG) and a score model
 * of the generator's own outputs ("fake") — in the detached-target form (`detached-target.ts`), like SDS: per sample,
 *   t ~ U[tMin, tMax],  x_t = α x + σ ε,  g = (x̂_fake − x̂_real) / mean|x − x̂_real|,  loss = ½ Σ g²,
 * so that ∂loss/∂x = g exactly (both denoisers' Jacobians are dropped, as in the paper).
 *
 * Numerics: with x̂ = (x_t − σ ε̂)/α, both x̂_fake − x̂_real = σ(ε̂_real − ε̂_fake)/α and x − x̂_real = σ(ε̂_real − ε)/α
 * carry the same factor σ/α, which cancels:  g = (ε̂_real − ε̂_fake) / mean|ε̂_real − ε|.  That form is computed here: it
 * equals the paper's exactly but never divides by α (α(0.98) ≈ 0.031 for the cosine schedule, and an ε-teacher's x̂₀
 * is badly conditioned there). The normalizer is floored at `normFloor` so that g stays finite when the real score
 * predicts the noise exactly.
 *
 * Without a fake score (`fake = null`, the "real score only" ablation of DMD Fig. 3), ε̂_fake is replaced by the drawn
 * noise ε: g = (ε̂_real − ε)/mean|ε̂_real − ε|, whose expectation over ε is E[ε̂_real(x_t)]/norm = −σ·E[s_real]/norm —
 * pure mode seeking (the normalized SDS gradient).
 *
 * Randomness, in this order from the given `Rng`: t (`uniformArray(B, tMin, tMax)`), then ε (`normalTensor(x.shape)`).
 * A test recomputes g from the same stream.
 */
import * as tf from '@tensorflow/tfjs-core';
import { detachedTargetLoss, detachedTargetTerms, meanOf } from './detached-target.ts';
import { withGuidance } from './guidance.ts';
import type { Condition, Denoiser } from './denoiser.ts';
import { perSample } from './parameterization.ts';
import type { Rng } from '../rng.ts';

export interface DmOptions {
  /** t ~ U[tMin, tMax] per sample (the paper: [0.02, 0.98]) */
  tMin: number;
  tMax: number;
  /** CFG scale of the real score (1 = the conditional teacher alone); the fake score runs unguided */
  cfgScale: number;
  /** per-sample condition, for both scores; null/undefined = unconditional */
  cond?: Condition | null;
  /** lower bound of the per-sample normalizer mean|ε̂_real − ε| (default 1e-6) */
  normFloor?: number;
}

/** The loss and its named terms (plain numbers): `dm` = ½ Σ g², `gradNorm` = mean ‖g_i‖₂, `tMean`, `normMean`. */
export interface DmResult {
  loss: tf.Scalar;
  terms: Record<string, number>;
}

/**
 * The DM gradient g [B, ...] (off the tape) and the draws that made it.
 * @param real the teacher (frozen), guided with `opts.cfgScale`
 * @param fake the score model of the generator's distribution, or null for the real-only ablation
 * @param x [B, ...sampleShape] generator outputs
 */
export function dmGradient(real: Denoiser, fake: Denoiser | null, x: tf.Tensor, opts: DmOptions, rng: Rng): { g: tf.Tensor; t: Float32Array; norm: Float32Array } {
  if (x.shape.slice(1).join() !== real.sampleShape.join() || (fake && fake.sampleShape.join() !== real.sampleShape.join())) {
    throw new Error(`dmLoss: x must be [B, ${real.sampleShape}] and both scores must share that shape; got x [${x.shape}], fake [${fake?.sampleShape}]`);
  }
  if (!(opts.tMin >= 0 && opts.tMin <= opts.tMax && opts.tMax <= 1)) {
    throw new Error(`dmLoss: need 0 ≤ tMin ≤ tMax ≤ 1, got tMin=${opts.tMin}, tMax=${opts.tMax}`);
  }
  const batch = x.shape[0];
  const tArr = rng.uniformArray(batch, opts.tMin, opts.tMax);
  const eps = rng.normalTensor(x.shape);
  const guided = withGuidance(real, opts.cfgScale);
  const cond = opts.cond ?? null;
  let norm!: Float32Array;
  const g = tf.tidy(() => {
    const t = tf.tensor1d(tArr);
    const xt = tf.add(tf.mul(perSample(real.schedule.alphaT(t), x.rank), x), tf.mul(perSample(real.schedule.sigmaT(t), x.rank), eps));
    const epsReal = guided.eps(xt, t, cond);
    const epsFake = fake ? fake.eps(xt, t, cond) : eps;
    const axes = x.shape.slice(1).map((_, i) => i + 1);
    const n = tf.maximum(tf.mean(tf.abs(tf.sub(epsReal, eps)), axes), opts.normFloor ?? 1e-6);
    norm = n.dataSync() as Float32Array;
    return tf.div(tf.sub(epsReal, epsFake), perSample(n, x.rank));
  });
  eps.dispose();
  return { g, t: tArr, norm };
}

/**
 * DMD's distribution-matching loss as a differentiable scalar; ∂loss/∂x = g (see the file comment).
 * @param x [B, ...sampleShape] the generator's outputs (on the tape)
 */
export function dmLoss(real: Denoiser, fake: Denoiser | null, x: tf.Tensor, opts: DmOptions, rng: Rng): DmResult {
  const terms: Record<string, number> = {};
  const loss = detachedTargetLoss(x, (xIn) => {
    const { g, t, norm } = dmGradient(real, fake, xIn, opts, rng);
    Object.assign(terms, detachedTargetTerms('dm', g, t), { normMean: meanOf(norm) });
    return g;
  });
  return { loss, terms };
}
