import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { detachedTargetLoss, meanSampleNorm } from '../../../src/core/diffusion/detached-target.ts';

describe('detachedTargetLoss', () => {
  it('has value ½ Σ g² and gradient exactly g, whatever g depends on', () => {
    const x = tf.tensor2d([[1, -2, 3], [0.5, 0, -1]]);
    // g depends on x non-linearly: the gradient must still be g itself, not ∂(½Σg²)/∂x.
    const makeG = (xIn: tf.Tensor) => tf.tidy(() => tf.add(tf.square(xIn), 1));
    const gExpected = [[2, 5, 10], [1.25, 1, 2]];
    const loss = detachedTargetLoss(x, makeG);
    const half = 0.5 * gExpected.flat().reduce((a, v) => a + v * v, 0);
    expect(loss.dataSync()[0]).toBeCloseTo(half, 4);
    const grad = tf.grad((xx: tf.Tensor) => detachedTargetLoss(xx, makeG))(x);
    const got = grad.arraySync() as number[][];
    gExpected.flat().forEach((v, i) => expect(got.flat()[i]).toBeCloseTo(v, 5));
    // through a chain: ∂loss/∂θ = g·∂x/∂θ
    const theta = tf.scalar(3);
    const gTheta = tf.grad((th: tf.Tensor) => detachedTargetLoss(tf.mul(x, th), () => tf.onesLike(x)))(theta);
    expect(gTheta.dataSync()[0]).toBeCloseTo(1 - 2 + 3 + 0.5 + 0 - 1, 5);
    tf.dispose([x, loss, grad, theta, gTheta]);
  });

  it('rejects a g of the wrong shape and leaks no tensors', () => {
    const x = tf.zeros([2, 3]);
    const before = tf.memory().numTensors;
    expect(() => detachedTargetLoss(x, () => tf.zeros([3, 2]))).toThrow(/shape/);
    const l = detachedTargetLoss(x, (xIn) => tf.onesLike(xIn));
    l.dispose();
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before + 1); // the rejected g above is the caller's
    x.dispose();
  });

  it('meanSampleNorm averages per-sample L2 norms', () => {
    const g = tf.tensor2d([[3, 4], [0, 1]]);
    expect(meanSampleNorm(g)).toBeCloseTo(3, 5);
    g.dispose();
  });
});
