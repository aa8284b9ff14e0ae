/**
 * Noise schedules as pure functions of continuous time t ∈ [0, 1] (VP: x_t = α(t)·x₀ + σ(t)·ε, α² + σ² = 1).
 * (Placeholder interface; the implementations land with the diffusion core.)
 */
import type * as tf from '@tensorflow/tfjs-core';

export interface Schedule {
  readonly name: string;
  alpha(t: number): number;
  sigma(t: number): number;
  /** log(α²/σ²) */
  logSnr(t: number): number;
  /** Elementwise α(t) for a tensor of times. */
  alphaT(t: tf.Tensor): tf.Tensor;
  /** Elementwise σ(t) for a tensor of times. */
  sigmaT(t: tf.Tensor): tf.Tensor;
}
