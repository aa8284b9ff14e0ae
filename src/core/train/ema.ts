/**
 * Exponential moving average of a model's weights (Polyak averaging; as in Ho et al. 2020 §4, decay 0.9999), with the
 * warm-up of TensorFlow's `ExponentialMovingAverage(num_updates)`: decay_n = min(decay, (1 + n)/(10 + n)) at the
 * n-th update (n = 0, 1, …), so that after a short run the average is not dominated by the initial weights.
 */
import * as tf from '@tensorflow/tfjs-core';
import { loadModule, moduleTensors } from './checkpoint.ts';

export class Ema {
  /** The averaged weights, by parameter name (same names and shapes as the tracked variables). */
  readonly shadow: Record<string, tf.Variable>;
  /** Number of updates applied so far. */
  updates = 0;

  private readonly ownsShadow: boolean;

  /**
   * @param params the trained variables
   * @param decay the decay after warm-up
   * @param shadow variables to hold the average (e.g. the parameters of a second model used for sampling; same names
   *   and shapes as `params`, set to `params` here and not disposed by `dispose()`); default: fresh variables
   */
  constructor(
    private readonly params: Record<string, tf.Variable>,
    readonly decay: number,
    shadow?: Record<string, tf.Variable>,
  ) {
    if (!(decay >= 0 && decay < 1)) throw new Error(`Ema: decay must be in [0, 1), got ${decay}`);
    this.ownsShadow = !shadow;
    if (shadow) {
      for (const [k, v] of Object.entries(params)) {
        if (!shadow[k] || shadow[k].shape.join() !== v.shape.join()) throw new Error(`Ema: shadow variable ${k} missing or mis-shaped`);
        shadow[k].assign(v);
      }
      this.shadow = shadow;
    } else {
      this.shadow = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, copyVariable(v)]));
    }
  }

  /** The decay used by update number n (0-based). */
  decayAt(n: number): number {
    return Math.min(this.decay, (1 + n) / (10 + n));
  }

  /** shadow ← d·shadow + (1 − d)·param, with d = decayAt(updates). */
  update(): void {
    const d = this.decayAt(this.updates);
    tf.tidy(() => {
      for (const [k, v] of Object.entries(this.params)) {
        const s = this.shadow[k];
        s.assign(tf.add(tf.mul(s, d), tf.mul(v, 1 - d)));
      }
    });
    this.updates++;
  }

  /** Copies of the shadow weights (`<prefix>/<name>`; the caller disposes them). */
  tensors(prefix = 'ema'): Record<string, tf.Tensor> {
    return moduleTensors(prefix, this.shadow);
  }

  /**
   * Restores the shadow weights saved by `tensors()` and the update count.
   * @throws DalError naming the first missing or mis-shaped weight
   */
  load(tensors: Record<string, tf.Tensor>, updates: number, prefix = 'ema'): void {
    loadModule(prefix, this.shadow, tensors);
    this.updates = updates;
  }

  dispose(): void {
    if (this.ownsShadow) for (const v of Object.values(this.shadow)) v.dispose();
  }
}

function copyVariable(v: tf.Variable): tf.Variable {
  const c = v.clone();
  const out = tf.variable(c, false);
  c.dispose();
  return out;
}
