/**
 * The one small contract for a diffusion prior (k-diffusion's `model(x, sigma) -> denoised`, here in ε form).
 *
 * A `Denoiser` predicts the noise ε̂(x_t, t, cond) of a VP-noised sample x_t = α(t)·x₀ + σ(t)·ε. Teachers, analytic
 * priors, classifier-free guidance and parameterization changes are thin adapters around it; samplers, SDS and DMD
 * consume only it.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Schedule } from './schedule.ts';

/**
 * What a sample is conditioned on, one entry per batch element. An absent field, a label of -1 or an empty prompt is
 * the null condition (used by classifier-free guidance); `null`/`undefined` as a whole means unconditional.
 */
export interface Condition {
  /** [B] class labels, on the host (a denoiser tensorizes them); -1 is the null label. */
  labels?: Int32Array;
  /** [B] prompts; '' is the null prompt. */
  prompts?: string[];
  /**
   * [B·2] the orbit camera of each example, (azimuth°, elevation°) pairs (src/core/camera.ts), for a teacher trained
   * with camera conditioning; an azimuth of NaN is the null camera. Classifier-free guidance keeps the cameras in its
   * null branch: they are known exactly, not a prompt to be amplified.
   */
  cameras?: Float32Array;
}

export interface Denoiser {
  /** The noise schedule the model was trained with. */
  readonly schedule: Schedule;
  /** Shape of one sample, e.g. [2] for a 2-D toy prior or [32, 32, 1] for an MNIST image (NHWC). */
  readonly sampleShape: readonly number[];
  /**
   * Predicted noise ε̂(x_t, t, cond).
   * @param x [B, ...sampleShape] noised samples
   * @param t [B] times in [0, 1]
   * @param cond per-example condition, or null for unconditional
   * @returns [B, ...sampleShape]
   */
  eps(x: tf.Tensor, t: tf.Tensor1D, cond?: Condition | null): tf.Tensor;
}
