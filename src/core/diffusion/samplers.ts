/**
 * Samplers over any ε-`Denoiser`:
 * - `ddim`: DDIM (Song et al. 2021, "Denoising Diffusion Implicit Models", eq. 12); η = 0 is deterministic,
 * - `ddpm`: ancestral sampling from the posterior q(x_s | x_t, x̂₀) (Ho et al. 2020, eqs. 6–7), which is DDIM's eq. 12
 *   with η = 1 (eq. 16),
 * - `heun`: Heun's 2nd-order method on the probability-flow ODE (Karras et al. 2022, Algorithm 1), written in the
 *   variables y = x/α, τ = σ/α where the ODE is dy/dτ = ε̂(x, t); the last step (to τ = 0) is an Euler step.
 * Grids: ddim/ddpm default to `ddimTimesteps` (uniform in t from 1 − 1e-4 to 0), heun to `karrasTimesteps` (τ from
 * 80 to 0.002, ρ = 7, then 0). On a uniform-t grid Heun's trapezoid is badly wrong on the first interval (τ from 6366
 * to 16 for cosine): on ring8 Heun-25 gives spread 0.21 there against 0.102 on the Karras grid.
 * One DDIM/DDPM step costs one ε̂ evaluation, one Heun step two (the last one).
 * `clipX0` clips x̂₀ to the data range at every ε̂ evaluation (Ho et al. 2020's "clip_denoised"), for pixel-space
 * teachers: near t = 1 of the cosine schedule α ≈ 1.6e-4, so a small error of ε̂ is a huge one of x̂₀.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Condition, Denoiser } from './denoiser.ts';
import { epsFromX0, x0FromEps, type Coef } from './parameterization.ts';
import type { Rng } from '../rng.ts';
import { ddimTimesteps, karrasTimesteps, type Schedule } from './schedule.ts';

export type SamplerName = 'ddpm' | 'ddim' | 'heun';

export interface SampleOptions {
  sampler: SamplerName;
  /** number of steps (ε̂ evaluations: `steps` for ddim/ddpm, 2·steps − 1 for heun) */
  steps: number;
  /** DDIM stochasticity η ∈ [0, 1] (ddim only; 0 by default; ddpm is η = 1) */
  eta?: number;
  /** the condition for every sample (labels/prompts of length n); wrap `d` with `withGuidance` for CFG */
  cond?: Condition | null;
  rng: Rng;
  /** starting noise [n, ...sampleShape]; drawn from N(0, I) with `rng` when absent (not disposed by `sample`) */
  xT?: tf.Tensor;
  /** time grid: 'uniform' (`ddimTimesteps`) or 'karras' (`karrasTimesteps`); default uniform, karras for heun */
  grid?: 'uniform' | 'karras';
  /** called after step i (1-based) of n */
  onStep?: (i: number, n: number) => void;
  /** clip x̂₀ to [lo, hi] at every step (`clipX0Eps`), e.g. the data range of an image teacher; default: no clipping */
  clipX0?: readonly [number, number];
}

/** The sampler names, for configs and the CLI. */
export const SAMPLER_NAMES: readonly SamplerName[] = ['ddpm', 'ddim', 'heun'];

/**
 * Draw n samples from the model `d`.
 * @returns [n, ...d.sampleShape]
 */
export function sample(d: Denoiser, n: number, opts: SampleOptions): tf.Tensor {
  const shape = [n, ...d.sampleShape];
  if (!Number.isInteger(opts.steps) || opts.steps < 1) throw new Error(`sample: steps must be ≥ 1, got ${opts.steps}`);
  if (opts.xT && opts.xT.shape.join() !== shape.join()) {
    throw new Error(`sample: xT must be [${shape}], got [${opts.xT.shape}]`);
  }
  const eta = opts.sampler === 'ddpm' ? 1 : (opts.eta ?? 0);
  if (!(eta >= 0 && eta <= 1)) throw new Error(`sample: eta must be in [0, 1], got ${eta}`);
  if (opts.clipX0 && !(opts.clipX0[0] < opts.clipX0[1])) throw new Error(`sample: clipX0 must be [lo, hi] with lo < hi, got [${opts.clipX0}]`);
  const grid = opts.grid ?? (opts.sampler === 'heun' ? 'karras' : 'uniform');
  const ts = grid === 'karras' ? karrasTimesteps(d.schedule, opts.steps) : ddimTimesteps(opts.steps);
  let x = opts.xT ? tf.clone(opts.xT) : opts.rng.normalTensor(shape);
  const cond = opts.cond ?? null;
  for (let i = 0; i < opts.steps; i++) {
    const [t, s] = [ts[i], ts[i + 1]];
    const next =
      opts.sampler === 'heun'
        ? heunStep(d, x, t, s, cond, i === opts.steps - 1, opts.clipX0)
        : ddimStep(d, x, t, s, eta, cond, opts.rng, opts.clipX0);
    x.dispose();
    x = next;
    opts.onStep?.(i + 1, opts.steps);
  }
  return x;
}

/**
 * ε̂ with x̂₀ = (x − σ·ε̂)/α clipped to [lo, hi] (Ho et al. 2020's "clip_denoised"): ε̃ = (x − α·clip(x̂₀))/σ; ε̂ itself
 * where σ = 0 (t = 0, where ε is undefined; samplers never evaluate there).
 * @param x [B, ...] x_t;  @param eps [B, ...] ε̂
 * @param alpha α_t, sigma σ_t: numbers, or tensors broadcastable against x (e.g. [B, 1, 1, 1])
 */
export function clipX0Eps(x: tf.Tensor, eps: tf.Tensor, alpha: Coef, sigma: Coef, [lo, hi]: readonly [number, number]): tf.Tensor {
  return tf.tidy(() => {
    if (typeof sigma === 'number') {
      return sigma > 0 ? epsFromX0(x, tf.clipByValue(x0FromEps(x, eps, alpha, sigma), lo, hi), alpha, sigma) : tf.clone(eps);
    }
    const x0 = tf.clipByValue(x0FromEps(x, eps, alpha, sigma), lo, hi);
    return tf.where(tf.greater(sigma, 0), epsFromX0(x, x0, alpha, tf.maximum(sigma, 1e-12)), eps);
  });
}

/** ε̂ at a single time t for the whole batch (x̂₀ clipped to `clipX0` when given). */
function epsAt(d: Denoiser, x: tf.Tensor, t: number, cond: Condition | null, clipX0?: readonly [number, number]): tf.Tensor {
  return tf.tidy(() => {
    const eps = d.eps(x, tf.fill([x.shape[0]], t) as tf.Tensor1D, cond);
    return clipX0 ? clipX0Eps(x, eps, d.schedule.alpha(t), d.schedule.sigma(t), clipX0) : eps;
  });
}

/**
 * One DDIM step t → s (Song et al. 2021 eq. 12): x_s = α_s x̂₀ + √(σ_s² − c²) ε̂ + c z, with
 * c = η √(σ_s²/σ_t² · (1 − α_t²/α_s²)) the posterior standard deviation scaled by η.
 */
export function ddimStep(
  d: Denoiser,
  x: tf.Tensor,
  t: number,
  s: number,
  eta: number,
  cond: Condition | null,
  rng: Rng,
  clipX0?: readonly [number, number],
): tf.Tensor {
  const sched = d.schedule;
  const [alphaT, sigmaT, alphaS, sigmaS] = [sched.alpha(t), sched.sigma(t), sched.alpha(s), sched.sigma(s)];
  const c = eta > 0 && sigmaS > 0 ? eta * Math.sqrt(Math.max(0, (sigmaS / sigmaT) ** 2 * (1 - (alphaT / alphaS) ** 2))) : 0;
  const dirCoef = Math.sqrt(Math.max(0, sigmaS * sigmaS - c * c));
  const z = c > 0 ? rng.normalTensor(x.shape) : null;
  return tf.tidy(() => {
    const eps = epsAt(d, x, t, cond, clipX0);
    const x0 = tf.div(tf.sub(x, tf.mul(eps, sigmaT)), alphaT);
    let out = tf.add(tf.mul(x0, alphaS), tf.mul(eps, dirCoef));
    if (z) out = tf.add(out, tf.mul(z, c));
    z?.dispose();
    return out;
  });
}

/** τ = σ/α, the noise level of the PF-ODE in the scaled variable y = x/α. */
function tau(sched: Schedule, t: number): number {
  return sched.sigma(t) / sched.alpha(t);
}

/**
 * One Heun step t → s on the PF-ODE dy/dτ = ε̂ (y = x/α, Karras et al. 2022 Alg. 1); `last` takes the Euler step
 * alone (at τ = 0 the correction would evaluate ε̂ at σ = 0). The Euler part is exactly DDIM (η = 0).
 */
export function heunStep(
  d: Denoiser,
  x: tf.Tensor,
  t: number,
  s: number,
  cond: Condition | null,
  last: boolean,
  clipX0?: readonly [number, number],
): tf.Tensor {
  const sched = d.schedule;
  const [alphaT, alphaS] = [sched.alpha(t), sched.alpha(s)];
  const dTau = tau(sched, s) - tau(sched, t);
  return tf.tidy(() => {
    const y = tf.div(x, alphaT);
    const eps = epsAt(d, x, t, cond, clipX0);
    const yEuler = tf.add(y, tf.mul(eps, dTau));
    if (last) return tf.mul(yEuler, alphaS);
    const epsNext = epsAt(d, tf.mul(yEuler, alphaS), s, cond, clipX0);
    const y2 = tf.add(y, tf.mul(tf.add(eps, epsNext), 0.5 * dTau));
    return tf.mul(y2, alphaS);
  });
}
