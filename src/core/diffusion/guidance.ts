/**
 * Classifier-free guidance (Ho & Salimans 2022 eq. 6, in the form ε̃ = ε(x, ∅) + s·(ε(x, y) − ε(x, ∅))), as a thin
 * `Denoiser` adapter: the conditional and the null branch run as one batched call on [x; x].
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Condition, Denoiser } from './denoiser.ts';

/**
 * The null condition for a batch shaped like `cond`: every label −1, every prompt ''; the cameras are kept.
 * @param batch B, the batch size (used when `cond` has neither labels nor prompts: returns {}).
 */
export function nullCondition(cond: Condition, batch: number): Condition {
  const out: Condition = {};
  if (cond.labels) out.labels = new Int32Array(batch).fill(-1);
  if (cond.prompts) out.prompts = new Array<string>(batch).fill('');
  if (cond.cameras) out.cameras = cond.cameras;
  return out;
}

/** True when `cond` carries a label or a prompt, the condition guidance amplifies; `{}` is the null condition. */
export function isConditional(cond: Condition | null | undefined): cond is Condition {
  return cond != null && (cond.labels != null || cond.prompts != null);
}

/** [a; b] along the batch axis, field by field (both must carry the same fields). */
export function concatConditions(a: Condition, b: Condition): Condition {
  const out: Condition = {};
  if (a.labels && b.labels) out.labels = concatTyped(a.labels, b.labels);
  if (a.prompts && b.prompts) out.prompts = [...a.prompts, ...b.prompts];
  if (a.cameras && b.cameras) out.cameras = concatTyped(a.cameras, b.cameras);
  return out;
}

/** [a; b] for two typed arrays of one kind. */
function concatTyped<T extends Int32Array | Float32Array>(a: T, b: T): T {
  const out = new (a.constructor as new (n: number) => T)(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** A `Denoiser` with guidance applied; `base` and `cfgScale` are kept for inspection. */
export interface GuidedDenoiser extends Denoiser {
  readonly base: Denoiser;
  readonly cfgScale: number;
}

/**
 * Wrap `d` with classifier-free guidance of scale s = `cfgScale`. With cond null/undefined/{} the result is just
 * d.eps(x, t, null); s = 1 is exactly the conditional model and s = 0 the unconditional one (each one call of size B);
 * any other s evaluates cond and null together in one call of size 2B.
 */
export function withGuidance(d: Denoiser, cfgScale: number): GuidedDenoiser {
  if (!Number.isFinite(cfgScale)) throw new Error(`withGuidance: cfgScale must be finite, got ${cfgScale}`);
  return {
    base: d,
    cfgScale,
    schedule: d.schedule,
    sampleShape: d.sampleShape,
    eps(x: tf.Tensor, t: tf.Tensor1D, cond?: Condition | null): tf.Tensor {
      if (!isConditional(cond)) return d.eps(x, t, cond ?? null);
      if (cfgScale === 1) return d.eps(x, t, cond);
      const batch = x.shape[0];
      return tf.tidy(() => {
        const uncond = nullCondition(cond, batch);
        if (cfgScale === 0) return d.eps(x, t, uncond);
        const both = d.eps(tf.concat([x, x]), tf.concat([t, t]) as tf.Tensor1D, concatConditions(cond, uncond));
        const [epsCond, epsUncond] = tf.split(both, 2, 0);
        return tf.add(epsUncond, tf.mul(tf.sub(epsCond, epsUncond), cfgScale));
      });
    },
  };
}
