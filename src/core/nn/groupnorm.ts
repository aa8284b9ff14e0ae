/**
 * Group normalization (Wu & He 2018, eq. 1–3): each sample's channels are split into G groups, normalized by the
 * mean and variance over (H, W, C/G), then scaled and shifted per channel by γ, β. PyTorch's `nn.GroupNorm` defaults:
 * γ = 1, β = 0, ε = 1e-5, biased variance.
 */
import * as tf from '@tensorflow/tfjs-core';
import { nativeGroupNormSilu } from '../../backend/fused.ts';
import { groupNormFused } from './groupnorm_fused.ts';
import { constantVariable } from './init.ts';
import { ModuleBase, type ModuleEntries } from './module.ts';

export class GroupNorm extends ModuleBase {
  /** γ [C] */
  readonly gamma: tf.Variable;
  /** β [C] */
  readonly beta: tf.Variable;

  constructor(
    readonly numGroups: number,
    readonly numChannels: number,
    readonly epsilon = 1e-5,
  ) {
    super();
    if (numChannels % numGroups !== 0) {
      throw new Error(`GroupNorm: ${numChannels} channels do not split into ${numGroups} groups`);
    }
    this.gamma = constantVariable([numChannels], 1);
    this.beta = constantVariable([numChannels], 0);
  }

  protected entries(): ModuleEntries {
    return { gamma: this.gamma, beta: this.beta };
  }

  /**
   * @param x [B, H, W, C]
   * @param withSilu apply SiLU to the result (the pre-activation of every ResBlock conv)
   * @returns [B, H, W, C]
   */
  apply(x: tf.Tensor4D, withSilu = false): tf.Tensor4D {
    return tf.tidy(() => groupNormSilu(x, this.gamma as tf.Tensor1D, this.beta as tf.Tensor1D, this.numGroups, this.epsilon, withSilu));
  }
}

/**
 * GroupNorm (+ SiLU when `withSilu`) with a hand-written backward: the native C++ pass when the backend is `native`
 * and the addon has it, else groupNormFused (tf ops, any backend).
 * @param x [B, H, W, C]
 * @param gamma [C]
 * @param beta [C]
 * @returns [B, H, W, C]
 */
export function groupNormSilu(
  x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, groups: number, epsilon: number, withSilu: boolean,
): tf.Tensor4D {
  return nativeGroupNormSilu(x, gamma, beta, groups, epsilon, withSilu) ?? groupNormFused(x, gamma, beta, groups, epsilon, withSilu);
}

/**
 * Reference GroupNorm from tf ops, differentiated by autodiff (the module uses groupNormSilu's hand-written backward,
 * native or groupNormFused; tests compare them). Statistics are reduced over the pixels first ([B,HW,C] → [B,1,C],
 * one contiguous reduction of the full tensor) and then over the C/G channels of each group (a small tensor); the
 * per-group statistics are folded into one per-channel scale and shift, so after the moments the full-size tensor is
 * touched by one multiply and one add.
 * @param x [B, H, W, C]
 * @param gamma [C]
 * @param beta [C]
 */
export function groupNorm(x: tf.Tensor4D, gamma: tf.Tensor, beta: tf.Tensor, groups: number, epsilon: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, w, c] = x.shape;
    const cg = c / groups;
    const groupMean = (v: tf.Tensor) => tf.mean(tf.reshape(tf.mean(tf.reshape(v, [b, h * w, c]), 1), [b, 1, groups, cg]), 3, true);
    const mean = groupMean(x); // [B,1,G,1]
    // biased, as PyTorch; (x − μ)² as square(sub): tfjs's SquaredDifference gradient does not reduce broadcast inputs
    const variance = groupMean(tf.square(tf.sub(tf.reshape(x, [b, h * w, groups, cg]), mean)));
    // y = (x − μ)·γ/√(σ² + ε) + β = x·scale + shift, scale = γ·rstd, shift = β − μ·scale (per batch and channel)
    const scale = tf.mul(tf.rsqrt(tf.add(variance, epsilon)), tf.reshape(gamma, [1, 1, groups, cg])); // [B,1,G,C/G]
    const shift = tf.sub(tf.reshape(beta, [1, 1, groups, cg]), tf.mul(mean, scale));
    return tf.add(tf.mul(x, tf.reshape(scale, [b, 1, 1, c])), tf.reshape(shift, [b, 1, 1, c])) as tf.Tensor4D;
  });
}
