import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { weightedLoss } from '../../../src/core/train/weighted-loss.ts';

describe('weightedLoss', () => {
  it('sums λ·term, logs each term as loss/<name> and the total as loss; λ = 0 drops a term', () => {
    const x = tf.variable(tf.scalar(3));
    let log: Record<string, number> = {};
    // terms a = x², b = 2x, c = x³ with λ = 0.5, 2, 0: total 0.5x² + 4x, d/dx = x + 4 = 7 at x = 3
    const { value, grads } = tf.variableGrads(() => {
      const w = weightedLoss({ a: tf.square(x), b: tf.mul(x, 2), c: tf.pow(x, 3) }, { a: 0.5, b: 2, c: 0 });
      log = w.log;
      return w.loss;
    }, [x]);
    expect(value.dataSync()[0]).toBeCloseTo(4.5 + 12, 5);
    expect(grads[x.name].dataSync()[0]).toBeCloseTo(7, 5);
    expect(log).toEqual({ 'loss/a': 9, 'loss/b': 6, loss: 16.5 });
    tf.dispose([x, value, grads[x.name]]);
  });

  it('one term with λ = 1 is that term itself (no total logged); a missing λ is an error', () => {
    const t = tf.scalar(2.5);
    const w = weightedLoss({ sds: t }, { sds: 1 });
    expect(w.loss).toBe(t);
    expect(w.log).toEqual({ 'loss/sds': 2.5 });
    expect(() => weightedLoss({ sds: t, orient: t }, { sds: 1 })).toThrow(/no finite λ for the term "orient"/);
    expect(() => weightedLoss({ sds: t }, { sds: 0 })).toThrow(/every λ is 0/);
    t.dispose();
  });
});
