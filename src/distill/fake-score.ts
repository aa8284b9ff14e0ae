/**
 * DMD's "fake" score (Yin et al. 2023 §3.2, eq. 6): a trainable copy of the teacher that tracks the generator's
 * current output distribution, trained by denoising score matching (`denoisingLoss`) on detached generator samples,
 * t ~ U[0, 1], in the teacher's own parameterization (‖ε̂ − ε‖² or ‖v̂ − v‖², as the teacher was trained), without
 * condition dropout (it is only ever evaluated conditionally), with its own optimizer. DMD2
 * (Yin et al. 2024 §4.1) updates it several times per generator update (the two-time-scale rule; `updatesPerStep`
 * lives in the system).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Condition, Denoiser } from '../core/diffusion/denoiser.ts';
import { denoisingLoss } from '../core/diffusion/denoising-loss.ts';
import type { Rng } from '../core/rng.ts';
import { clipByGlobalNorm } from '../core/train/clip.ts';
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
   * One denoising-score-matching update on the (detached) samples x₀ (draws from `rng` in `denoisingLoss`'s order).
   * @param x0 [B, ...sampleShape] generator samples (no gradient flows into the generator)
   */
  update(x0: tf.Tensor, cond: Condition | null, rng: Rng): FakeScoreStepResult {
    let out!: FakeScoreStepResult;
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => denoisingLoss(this.net, x0, cond, rng).loss, Object.values(this.net.parameters()));
      const { grads: clipped, norm } = clipByGlobalNorm(grads, this.gradClip);
      this.optimizer.applyGradients(clipped);
      out = { loss: value.dataSync()[0], gradNorm: norm };
    });
    return out;
  }

  dispose(): void {
    this.net.dispose();
    this.optimizer.dispose();
  }
}
