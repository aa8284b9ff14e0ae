/**
 * DMD's "fake" score (Yin et al. 2023 §3.2, eq. 6): a trainable copy of the teacher that tracks the generator's
 * current output distribution, trained by denoising score matching on detached generator samples, t ~ U[0, 1], in the
 * teacher's own parameterization (‖ε̂ − ε‖² or ‖v̂ − v‖², as the teacher was trained), with its own optimizer. DMD2
 * (Yin et al. 2024 §4.1) updates it several times per generator update (the two-time-scale rule; `updatesPerStep`
 * lives in the system).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Condition, Denoiser } from '../core/diffusion/denoiser.ts';
import { perSample } from '../core/diffusion/parameterization.ts';
import type { Rng } from '../core/rng.ts';
import { clipGrads } from './grad-clip.ts';
import type { UNetDenoiser } from '../core/model/unet-denoiser.ts';

export interface FakeScoreStepResult {
  loss: number;
  gradNorm: number;
}

/** The trainable score model of the generator's distribution; a `Denoiser` (its ε̂), plus one DSM update. */
export class FakeScore implements Denoiser {
  constructor(
    readonly net: UNetDenoiser,
    readonly optimizer: tf.Optimizer,
    private readonly gradClip: number | null,
  ) {}

  get schedule() {
    return this.net.schedule;
  }

  get sampleShape() {
    return this.net.sampleShape;
  }

  eps(x: tf.Tensor, t: tf.Tensor1D, cond?: Condition | null): tf.Tensor {
    return this.net.eps(x, t, cond);
  }

  /**
   * One denoising-score-matching update on the (detached) samples x₀. Draws t ~ U[0, 1] per sample, then ε (in this
   * order, from `rng`).
   * @param x0 [B, ...sampleShape] generator samples (no gradient flows into the generator)
   */
  update(x0: tf.Tensor, cond: Condition | null, rng: Rng): FakeScoreStepResult {
    const b = x0.shape[0];
    const tArr = rng.uniformArray(b);
    const noise = rng.normalTensor(x0.shape);
    let out!: FakeScoreStepResult;
    tf.tidy(() => {
      const t = tf.tensor1d(tArr);
      const alpha = perSample(this.schedule.alphaT(t), x0.rank);
      const sigma = perSample(this.schedule.sigmaT(t), x0.rank);
      const xt = tf.add(tf.mul(alpha, x0), tf.mul(sigma, noise));
      const target = this.net.prediction === 'eps' ? noise : tf.sub(tf.mul(alpha, noise), tf.mul(sigma, x0));
      const { value, grads } = tf.variableGrads(
        () => tf.mean(tf.square(tf.sub(this.net.predict(xt, t, cond), target))) as tf.Scalar,
        Object.values(this.net.parameters()),
      );
      const { grads: clipped, norm } = clipGrads(grads, this.gradClip);
      this.optimizer.applyGradients(clipped);
      out = { loss: value.dataSync()[0], gradNorm: norm };
    });
    noise.dispose();
    return out;
  }

  dispose(): void {
    this.net.dispose();
    this.optimizer.dispose();
  }
}
