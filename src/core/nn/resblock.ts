/**
 * The residual block of the DDPM U-Net (Ho et al. 2020, App. B, after Zagoruyko & Komodakis 2016):
 * h = conv1(SiLU(GN(x))) + Linear(emb); h = conv2(SiLU(GN(h))); out = skip(x) + h, where skip is a 1×1 conv when the
 * channel count changes and the identity otherwise.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../rng.ts';
import { Conv2d } from './conv.ts';
import { GroupNorm } from './groupnorm.ts';
import { Linear } from './linear.ts';
import { ModuleBase, type ModuleEntries } from './module.ts';

export class ResBlock extends ModuleBase {
  readonly norm1: GroupNorm;
  readonly conv1: Conv2d;
  /** projects the (time + condition) embedding to a per-channel shift */
  readonly emb: Linear;
  readonly norm2: GroupNorm;
  readonly conv2: Conv2d;
  readonly skip: Conv2d | null;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    embDim: number,
    rng: Rng,
    groups = 8,
  ) {
    super();
    this.norm1 = new GroupNorm(groups, inChannels);
    this.conv1 = new Conv2d(inChannels, outChannels, 3, rng);
    this.emb = new Linear(embDim, outChannels, rng);
    this.norm2 = new GroupNorm(groups, outChannels);
    this.conv2 = new Conv2d(outChannels, outChannels, 3, rng);
    this.skip = inChannels !== outChannels ? new Conv2d(inChannels, outChannels, 1, rng) : null;
  }

  protected entries(): ModuleEntries {
    return {
      norm1: this.norm1,
      conv1: this.conv1,
      emb: this.emb,
      norm2: this.norm2,
      conv2: this.conv2,
      skip: this.skip,
    };
  }

  /**
   * @param x [B, H, W, inChannels]
   * @param emb [B, embDim]
   * @returns [B, H, W, outChannels]
   */
  apply(x: tf.Tensor4D, emb: tf.Tensor2D): tf.Tensor4D {
    return tf.tidy(() => {
      // conv1(…) + Linear(emb) per image and channel, the shift folded into conv1's bias
      let h = this.conv1.apply(this.norm1.apply(x, true), this.emb.apply(emb) as tf.Tensor2D);
      h = this.conv2.apply(this.norm2.apply(h, true));
      return tf.add(this.skip ? this.skip.apply(x) : x, h) as tf.Tensor4D;
    });
  }
}
