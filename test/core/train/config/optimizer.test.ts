import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { makeOptimizer, optimizerConfig, setLearningRate } from '../../../../src/core/train/config/optimizer.ts';

describe('optimizers with scheduled learning rates', () => {
  it('SGD takes x ← x − lr(step)·g with the lr of each step', () => {
    const cfg = optimizerConfig.parse({ type: 'sgd', lr: '0.1 * (1 + step)' });
    const opt = makeOptimizer(cfg, 3);
    const x = tf.variable(tf.scalar(0));
    // loss = 2x, so g = 2 at every step: x = −2·(0.1 + 0.2 + 0.3)
    for (let step = 0; step < 3; step++) {
      setLearningRate(opt, cfg.lr.at(step, 3));
      tf.tidy(() => {
        opt.minimize(() => tf.mul(x, 2) as tf.Scalar, false, [x]);
      });
    }
    expect(x.dataSync()[0]).toBeCloseTo(-1.2, 6);
    x.dispose();
    opt.dispose();
  });

  it('Adam: the first step moves each coordinate by lr (bias-corrected m/√v = ±1), at the scheduled lr', () => {
    const cfg = optimizerConfig.parse({ type: 'adam', lr: [0, 0.5, 0.1, 10] });
    const opt = makeOptimizer(cfg, 10);
    const x = tf.variable(tf.tensor1d([1, -1]));
    setLearningRate(opt, cfg.lr.at(5, 10)); // 0.3
    tf.tidy(() => {
      opt.minimize(() => tf.sum(tf.mul(x, tf.tensor1d([3, -7]))) as tf.Scalar, false, [x]);
    });
    const [a, b] = Array.from(x.dataSync());
    expect(a).toBeCloseTo(1 - 0.3, 5);
    expect(b).toBeCloseTo(-1 + 0.3, 5);
    x.dispose();
    opt.dispose();
  });
});
