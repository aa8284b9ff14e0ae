import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Ema } from '../../../src/core/train/ema.ts';

describe('Ema', () => {
  it('warms up: decay_n = min(decay, (1 + n)/(10 + n)), averaging by hand', () => {
    const before = tf.memory().numTensors;
    const w = tf.tidy(() => tf.variable(tf.tensor1d([0, 2])));
    const ema = new Ema({ w }, 0.5);
    expect([0, 1, 5, 8, 100].map((n) => ema.decayAt(n))).toEqual([0.1, 2 / 11, 0.4, 0.5, 0.5]);
    tf.tidy(() => w.assign(tf.tensor1d([1, 4])));
    ema.update(); // d = 0.1: s = 0.1·[0, 2] + 0.9·[1, 4] = [0.9, 3.8]
    expect(Array.from(ema.shadow.w.dataSync())).toEqual([0.9, 3.8].map(Math.fround));
    tf.tidy(() => w.assign(tf.tensor1d([3, 0])));
    ema.update(); // d = 2/11: s = 2/11·[0.9, 3.8] + 9/11·[3, 0]
    const s = ema.shadow.w.dataSync();
    expect(s[0]).toBeCloseTo((2 / 11) * 0.9 + (9 / 11) * 3, 6);
    expect(s[1]).toBeCloseTo((2 / 11) * 3.8, 6);
    expect(ema.updates).toBe(2);
    ema.dispose();
    w.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('converges to a constant parameter, and restores its state exactly', () => {
    const w = tf.variable(tf.scalar(0));
    const ema = new Ema({ w }, 0.9);
    w.assign(tf.scalar(1));
    for (let i = 0; i < 200; i++) ema.update();
    expect(ema.shadow.w.dataSync()[0]).toBeCloseTo(1, 6);
    const saved = ema.tensors();
    const other = new Ema({ w }, 0.9, { w: tf.variable(tf.scalar(7)) });
    expect(other.shadow.w.dataSync()[0]).toBe(1); // a given shadow starts at the parameters
    other.load(saved, ema.updates);
    expect(other.updates).toBe(200);
    expect(other.shadow.w.dataSync()[0]).toBe(ema.shadow.w.dataSync()[0]);
    expect(() => other.load({}, 0)).toThrow(/tensor ema\/w is/);
    tf.dispose(Object.values(saved));
    other.shadow.w.dispose();
    ema.dispose();
    w.dispose();
  });
});
