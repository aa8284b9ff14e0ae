/**
 * The one-step generator of DMD (Yin et al. 2023 §3.1): a U-Net initialized from the teacher's weights that maps
 * noise z ~ N(0, I) and a condition to an image in one network evaluation,
 *   G(z, y) = x̂₀ of the teacher's parameterization evaluated at x_t = z, t = tGen.
 *
 * Why this time and output parameterization: the network keeps exactly the teacher's input/output convention, so at
 * initialization G(z, y) is the teacher's own one-step denoised estimate E[x₀ | x_tGen = z, y] — a sensible, slightly
 * blurry image of the right class — and DMD only has to sharpen it.
 * - A v-teacher (shapes) gives x̂₀ = α·z − σ·v̂, bounded for every t (gain σ ≤ 1 on the network's output), so tGen
 *   can sit near 1. Measured on the shapes teacher (runs/probe, 100 balanced prompts, unguided): tGen = 0.9 gives
 *   |x̂₀| ≤ 1.2, 100% shape × colour and FID 0.57 at once (0.8: 99%, FID 0.96); the config uses 0.9.
 * - An ε-teacher (MNIST) gives x̂₀ = (z − σ·ε̂)/α, whose gain 1/α on the network's output explodes as t → 1 (cosine:
 *   α(0.98) ≈ 0.031, α(1) ≈ 1e-16), so both the first output and every gradient would be scaled by up to 1/α. At
 *   tGen = 0.8 (α ≈ 0.31, σ/α ≈ 3.1) the gain is moderate, and z still looks like an x_t of that time (the data
 *   carry only α² · Var(x₀) ≈ 5% of its variance). Measured on the MNIST teacher, 100 balanced z (runs/probe): the
 *   first output, unguided, has |x̂₀| ≤ 1.9, 76% class accuracy (dal's classifier) and FID 5.1; at tGen = 0.98 it is
 *   |x̂₀| ≤ 8.8, 10% and FID 92; at tGen = 1, |x̂₀| ~ 5e15.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Condition } from '../core/diffusion/denoiser.ts';
import type { Module } from '../core/nn/module.ts';
import { Rng } from '../core/rng.ts';
import { UNetDenoiser } from '../core/model/unet-denoiser.ts';

/** What fixes a generator besides its weights (stored in its model manifest). */
export interface GeneratorSpec {
  /** the time at which the teacher's network is evaluated on z */
  tGen: number;
  /** output range the images are clipped to when drawn (not during training) */
  range: [number, number];
}

export class OneStepGenerator implements Module {
  /**
   * @param net a U-Net denoiser (a trainable copy of the teacher: same architecture, schedule and prediction)
   * @param spec tGen and the data range
   */
  constructor(
    readonly net: UNetDenoiser,
    readonly spec: GeneratorSpec,
  ) {
    if (!(spec.tGen > 0 && spec.tGen <= 1)) throw new Error(`OneStepGenerator: tGen must be in (0, 1], got ${spec.tGen}`);
    if (net.prediction === 'eps' && net.schedule.alpha(spec.tGen) < 0.05) {
      throw new Error(
        `OneStepGenerator: an ε-prediction network at tGen = ${spec.tGen} has α = ${net.schedule.alpha(spec.tGen).toExponential(2)}; ` +
          'x̂₀ = (z − σε̂)/α would be ill-conditioned. Choose tGen with α ≥ 0.05 (e.g. 0.8 for the cosine schedule).',
      );
    }
  }

  get sampleShape(): readonly number[] {
    return this.net.sampleShape;
  }

  /** Every weight, by the teacher's names (`unet.…`, `prompt.…`), so the teacher's weights load into it. */
  parameters(): Record<string, tf.Variable> {
    return this.net.parameters();
  }

  /**
   * One network evaluation: x̂₀ at x_t = z, t = tGen (on the tape when called inside `tf.variableGrads`).
   * @param z [B, ...sampleShape] standard normal noise
   * @param cond labels or prompts, one per sample
   * @returns [B, ...sampleShape], unclipped
   */
  generate(z: tf.Tensor, cond?: Condition | null): tf.Tensor {
    return tf.tidy(() => {
      const b = z.shape[0];
      const { tGen } = this.spec;
      const t = tf.fill([b], tGen) as tf.Tensor1D;
      const out = this.net.predict(z, t, cond);
      const alpha = this.net.schedule.alpha(tGen);
      const sigma = this.net.schedule.sigma(tGen);
      // ε: x̂₀ = (z − σ ε̂)/α;  v: x̂₀ = α z − σ v̂ (parameterization.ts)
      return this.net.prediction === 'eps' ? tf.div(tf.sub(z, tf.mul(out, sigma)), alpha) : tf.sub(tf.mul(z, alpha), tf.mul(out, sigma));
    });
  }

  /**
   * n samples in the data range (clipped), drawn with `rng` (z first), one network evaluation each.
   * @returns [n, ...sampleShape]
   */
  draw(n: number, cond: Condition | null, rng: Rng): tf.Tensor {
    const z = rng.normalTensor([n, ...this.sampleShape]);
    const x = tf.tidy(() => tf.clipByValue(this.generate(z, cond), this.spec.range[0], this.spec.range[1]));
    z.dispose();
    return x;
  }

  dispose(): void {
    this.net.dispose();
  }
}

/** A trainable copy of a teacher: same architecture, schedule and prediction, the teacher's weights. */
export function copyTeacher(teacher: UNetDenoiser): UNetDenoiser {
  const copy = new UNetDenoiser(teacher.architecture, teacher.schedule, teacher.prediction, new Rng(0));
  const src = teacher.parameters();
  tf.tidy(() => {
    for (const [k, v] of Object.entries(copy.parameters())) v.assign(src[k]);
  });
  return copy;
}
