/**
 * The 2-D toy networks of DMD (DESIGN.md's simulation: 3 × 128 SiLU MLPs): a one-step generator from 2-D noise, and
 * an ε-prediction score network of (x, t) — the fake score, whose last hidden layer is the bottleneck a DMD2 GAN head
 * (Yin et al. 2024 §4.3) reads.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Condition, Denoiser } from '../core/diffusion/denoiser.ts';
import type { Schedule } from '../core/diffusion/schedule.ts';
import { Linear } from '../core/nn/linear.ts';
import { MLP } from '../core/nn/mlp.ts';
import { ModuleBase, type ModuleEntries } from '../core/nn/module.ts';
import type { Rng } from '../core/rng.ts';

/** Number of Fourier frequencies of the time features: [t, sin(2πkt), cos(2πkt)], k = 1..K. */
const TIME_FREQS = 4;
const TIME_FEATURES = 1 + 2 * TIME_FREQS;

/** Time features [B, 9] of t [B]. */
function timeFeatures(t: tf.Tensor1D): tf.Tensor2D {
  return tf.tidy(() => {
    const tt = tf.reshape(t, [-1, 1]);
    const k = tf.mul(tf.range(1, TIME_FREQS + 1), 2 * Math.PI);
    const arg = tf.mul(tt, tf.reshape(k, [1, -1]));
    return tf.concat([tt, tf.sin(arg), tf.cos(arg)], 1) as tf.Tensor2D;
  });
}

/** G(z) = MLP(z): 2-D noise to a 2-D point, one evaluation. */
export class ToyGenerator extends ModuleBase {
  readonly mlp: MLP;
  constructor(dim: number, hidden: number[], rng: Rng) {
    super();
    this.mlp = new MLP({ widths: [dim, ...hidden, dim], activation: 'silu' }, rng);
  }

  protected entries(): ModuleEntries {
    return { mlp: this.mlp };
  }

  /** @param z [B, D] @returns [B, D] */
  generate(z: tf.Tensor): tf.Tensor {
    return this.mlp.apply(z);
  }
}

/** ε̂(x, t) = Linear(h(x, t)), h = SiLU MLP of [x, time features]; a `Denoiser` (unconditional). */
export class ToyScoreNet extends ModuleBase implements Denoiser {
  readonly trunk: MLP;
  readonly out: Linear;
  readonly sampleShape: readonly number[];

  constructor(
    dim: number,
    hidden: number[],
    readonly schedule: Schedule,
    rng: Rng,
  ) {
    super();
    this.sampleShape = [dim];
    this.trunk = new MLP({ widths: [dim + TIME_FEATURES, ...hidden], activation: 'silu', outputActivation: 'silu' }, rng);
    this.out = new Linear(hidden[hidden.length - 1], dim, rng);
  }

  protected entries(): ModuleEntries {
    return { trunk: this.trunk, out: this.out };
  }

  /** The bottleneck features [B, hidden] of (x [B, D], t [B]). */
  features(x: tf.Tensor, t: tf.Tensor1D): tf.Tensor2D {
    return tf.tidy(() => this.trunk.apply(tf.concat([x, timeFeatures(t)], 1)) as tf.Tensor2D);
  }

  eps(x: tf.Tensor, t: tf.Tensor1D, _cond?: Condition | null): tf.Tensor {
    return tf.tidy(() => this.out.apply(this.features(x, t)));
  }
}

