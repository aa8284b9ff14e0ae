/**
 * Noise schedules as pure functions of continuous time t ∈ [0, 1] (variance preserving: x_t = α(t)·x₀ + σ(t)·ε,
 * α² + σ² = 1; Ho et al. 2020 eq. 4, Kingma et al. 2021 "Variational Diffusion Models" §2).
 *
 * A schedule is a value, not a stateful scheduler: samplers ask for α, σ at whatever times they need
 * (`ddimTimesteps` gives the usual grid), and losses draw t themselves.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as z from 'zod';

/** The config of a schedule (zod; the type is inferred); maps 1:1 onto `cosineSchedule` / `linearSchedule`. */
export const scheduleConfig = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('cosine') }),
  z.strictObject({ type: z.literal('linear'), betaStart: z.number().positive().optional(), betaEnd: z.number().positive().optional() }),
]);
export type ScheduleConfig = z.infer<typeof scheduleConfig>;

export interface Schedule {
  readonly name: string;
  /** The config that rebuilds this schedule with `makeSchedule` (for checkpoints). */
  readonly config: ScheduleConfig;
  alpha(t: number): number;
  sigma(t: number): number;
  /** log(α²/σ²) */
  logSnr(t: number): number;
  /** Elementwise α(t) for a tensor of times. */
  alphaT(t: tf.Tensor): tf.Tensor;
  /** Elementwise σ(t) for a tensor of times. */
  sigmaT(t: tf.Tensor): tf.Tensor;
}

/**
 * Largest time a sampler starts from. At t = 1 the cosine schedule has α = 0 and x̂₀ = (x − σε̂)/α is undefined, so
 * sampling grids stop at 1 − 1e-4 (cosine: α ≈ 1.6e-4, so N(0, I) is still the marginal to within 2e-4·|x₀|).
 */
export const T_MAX_SAMPLING = 1 - 1e-4;

/** Cosine VP schedule without offset (Nichol & Dhariwal 2021 eq. 17 with s = 0): α = cos(πt/2), σ = sin(πt/2). */
export function cosineSchedule(): Schedule {
  const half = Math.PI / 2;
  return {
    name: 'cosine',
    config: { type: 'cosine' },
    alpha: (t) => Math.cos(half * t),
    sigma: (t) => Math.sin(half * t),
    // log(cot²(πt/2)); exact at both ends (+∞ at t = 0, −∞ at t = 1).
    logSnr: (t) => -2 * Math.log(Math.tan(half * t)),
    alphaT: (t) => tf.tidy(() => tf.cos(tf.mul(t, half))),
    sigmaT: (t) => tf.tidy(() => tf.sin(tf.mul(t, half))),
  };
}

/**
 * Continuous DDPM linear-β schedule (Song et al. 2021 "Score-Based Generative Modeling through SDEs", VP-SDE with
 * β(t) = β₀ + (β₁ − β₀)t): ᾱ(t) = exp(−(β₀t + ½(β₁ − β₀)t²)), α = √ᾱ, σ = √(1 − ᾱ). With β₀ = 0.1, β₁ = 20 it is the
 * limit of Ho et al.'s 1000-step schedule β_i ∈ [1e-4, 0.02], with ᾱ_i ≈ ᾱ(i/1000).
 */
export function linearSchedule(betaStart = 0.1, betaEnd = 20): Schedule {
  if (!(betaStart >= 0 && betaEnd >= betaStart)) {
    throw new Error(`linearSchedule: need 0 ≤ betaStart ≤ betaEnd, got ${betaStart}, ${betaEnd}`);
  }
  /** log ᾱ(t) = −∫₀ᵗ β(s) ds */
  const logAlphaBar = (t: number) => -(betaStart * t + 0.5 * (betaEnd - betaStart) * t * t);
  const logAlphaBarT = (t: tf.Tensor) =>
    tf.neg(tf.add(tf.mul(t, betaStart), tf.mul(tf.square(t), 0.5 * (betaEnd - betaStart))));
  return {
    name: 'linear',
    config: { type: 'linear', betaStart, betaEnd },
    alpha: (t) => Math.exp(0.5 * logAlphaBar(t)),
    sigma: (t) => Math.sqrt(-Math.expm1(logAlphaBar(t))),
    logSnr: (t) => {
      const l = logAlphaBar(t);
      return l - Math.log(-Math.expm1(l));
    },
    alphaT: (t) => tf.tidy(() => tf.exp(tf.mul(logAlphaBarT(t), 0.5))),
    // 1 − ᾱ in float32 loses precision only where ᾱ ≈ 1, i.e. σ ≲ 3e-4; tfjs has no expm1.
    sigmaT: (t) => tf.tidy(() => tf.sqrt(tf.relu(tf.sub(1, tf.exp(logAlphaBarT(t)))))),
  };
}

/** The schedule a config names (one typed table, checked for exhaustiveness by the compiler). */
export function makeSchedule(cfg: ScheduleConfig): Schedule {
  switch (cfg.type) {
    case 'cosine':
      return cosineSchedule();
    case 'linear':
      return linearSchedule(cfg.betaStart, cfg.betaEnd);
    default: {
      const never: never = cfg;
      throw new Error(`unknown schedule ${JSON.stringify(never)}`);
    }
  }
}

/**
 * The sampling grid: n + 1 times decreasing uniformly from tMax to tMin (DDIM, Song et al. 2021, with uniform
 * spacing in t). Endpoint conventions: t₀ = min(tMax, T_MAX_SAMPLING), so that α(t₀) > 0 for every schedule (the
 * first ε̂ is evaluated there); t_n = tMin is only ever a target — samplers never evaluate ε̂ at the last time, so
 * tMin = 0 (σ = 0, the clean sample) is the default and safe.
 */
export function ddimTimesteps(n: number, tMax = 1, tMin = 0): number[] {
  if (!Number.isInteger(n) || n < 1) throw new Error(`ddimTimesteps: n must be a positive integer, got ${n}`);
  const hi = Math.min(tMax, T_MAX_SAMPLING);
  if (!(tMin >= 0 && tMin < hi)) throw new Error(`ddimTimesteps: need 0 ≤ tMin < tMax ≤ 1, got ${tMin}, ${tMax}`);
  const ts: number[] = [];
  for (let i = 0; i <= n; i++) ts.push(hi - ((hi - tMin) * i) / n);
  ts[n] = tMin; // exact endpoint, no rounding residue
  return ts;
}

/**
 * The time at which a schedule reaches a given log-SNR λ = log(α²/σ²) (inverse of the monotone `logSnr`, by
 * bisection in float64 to ~1e-15; clamped to [0, 1] when λ is out of the schedule's range). Used to place sampling grids defined in noise level (e.g. Karras et al. 2022 eq. 5).
 */
export function timeAtLogSnr(schedule: Schedule, lambda: number): number {
  let [lo, hi] = [0, 1];
  for (let i = 0; i < 60; i++) {
    const mid = 0.5 * (lo + hi);
    if (schedule.logSnr(mid) > lambda) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/**
 * The grid of Karras et al. 2022 (eq. 5, "EDM"): n noise levels τ = σ/α from τMax down to τMin spaced uniformly in
 * τ^(1/ρ), then τ = 0; returned as n + 1 decreasing times. τMax is capped at τ(T_MAX_SAMPLING). Concentrates steps at
 * low noise, where the probability-flow ODE curves most; the default sampling grid for Heun.
 */
export function karrasTimesteps(schedule: Schedule, n: number, tauMax = 80, tauMin = 0.002, rho = 7): number[] {
  if (!Number.isInteger(n) || n < 1) throw new Error(`karrasTimesteps: n must be a positive integer, got ${n}`);
  const tauCap = schedule.sigma(T_MAX_SAMPLING) / schedule.alpha(T_MAX_SAMPLING);
  const hi = Math.min(tauMax, tauCap) ** (1 / rho);
  const lo = tauMin ** (1 / rho);
  const ts: number[] = [];
  for (let i = 0; i < n; i++) {
    const tau = (n === 1 ? hi : hi + (i / (n - 1)) * (lo - hi)) ** rho;
    ts.push(timeAtLogSnr(schedule, -2 * Math.log(tau)));
  }
  ts.push(0);
  return ts;
}
