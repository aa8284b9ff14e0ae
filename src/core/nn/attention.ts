/**
 * Single-head spatial self-attention block of the DDPM U-Net (Ho et al. 2020, App. B; Vaswani et al. 2017, eq. 1):
 * x + proj(softmax(q·kᵀ/√C)·v) with q, k, v = 1×1 conv of GroupNorm(x).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../rng.ts';
import { Conv2d } from './conv.ts';
import { GroupNorm } from './groupnorm.ts';
import { ModuleBase, type ModuleEntries } from './module.ts';

export class AttentionBlock extends ModuleBase {
  readonly norm: GroupNorm;
  /** 1×1 conv C → 3C, output channels ordered [q | k | v] */
  readonly qkv: Conv2d;
  /** 1×1 conv C → C */
  readonly proj: Conv2d;

  constructor(
    readonly channels: number,
    rng: Rng,
    groups = 8,
  ) {
    super();
    this.norm = new GroupNorm(groups, channels);
    this.qkv = new Conv2d(channels, 3 * channels, 1, rng);
    this.proj = new Conv2d(channels, channels, 1, rng);
  }

  protected entries(): ModuleEntries {
    return { norm: this.norm, qkv: this.qkv, proj: this.proj };
  }

  /**
   * @param x [B, H, W, C]
   * @returns [B, H, W, C]
   */
  apply(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const [b, h, w, c] = x.shape;
      const qkv = tf.reshape(this.qkv.apply(this.norm.apply(x)), [b, h * w, 3 * c]);
      const [q, k, v] = tf.split(qkv, 3, 2) as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
      // scores[b, i, j] = q_i · k_j / √C; softmax over the keys j.
      const scores = tf.matMul(tf.mul(q, 1 / Math.sqrt(c)), k, false, true);
      const out = tf.matMul(tf.softmax(scores), v);
      return tf.add(x, this.proj.apply(tf.reshape(out, [b, h, w, c]) as tf.Tensor4D)) as tf.Tensor4D;
    });
  }
}
