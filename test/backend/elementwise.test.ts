/** Native elementwise kernels against the cpu kernels: broadcasting binary ops, unary ops, AddN, and their gradients. */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { describeNative } from '../native-suite.ts';
import { Rng } from '../../src/core/rng.ts';
import { expectSameOnBoth, randn } from './compare.ts';

const BROADCAST_CASES: [number[], number[]][] = [
  [[5, 7], [5, 7]], // same shape, odd sizes
  [[], [3, 4]], // scalar
  [[3, 4], []],
  [[4, 6], [1, 6]], // row
  [[4, 6], [4, 1]], // column
  [[7], [2, 3, 7]], // rank mismatch
  [[3, 1, 5], [1, 4, 5]], // size-1 dims in the middle on both sides
  [[2, 3, 1, 5], [3, 4, 1]],
  [[1, 1], [1]],
  [[33, 17, 3], [17, 1]],
  [[2000, 64], [64]], // large enough to run on several threads
];

const BINARY: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
  ['add', tf.add],
  ['sub', tf.sub],
  ['mul', tf.mul],
  ['div', tf.div],
  ['maximum', tf.maximum],
  ['minimum', tf.minimum],
  ['squaredDifference', tf.squaredDifference],
];

describeNative('native elementwise kernels', () => {
  it('binary ops broadcast like the cpu kernels', async () => {
    const rng = new Rng(1);
    for (const [name, op] of BINARY) {
      for (const [sa, sb] of BROADCAST_CASES) {
        const a = randn(rng, sa);
        // Keep divisors away from 0 so the relative error is meaningful.
        const b = randn(rng, sb).map((v) => (name === 'div' ? Math.sign(v || 1) * (0.5 + Math.abs(v)) : v));
        await expectSameOnBoth(() => op(tf.tensor(a, sa), tf.tensor(b, sb)));
      }
    }
  });

  it('binary-op gradients (broadcast reductions included) match', async () => {
    const rng = new Rng(2);
    for (const [name, op] of BINARY) {
      // tfjs's own Maximum/Minimum/SquaredDifference gradients do not reduce over broadcast dims: same shapes there.
      const cases: [number[], number[]][] = ['maximum', 'minimum', 'squaredDifference'].includes(name)
        ? [[[5, 7], [5, 7]]]
        : [[[3, 1, 5], [1, 4, 5]], [[4, 6], [6]], [[], [2, 3]]];
      for (const [sa, sb] of cases) {
        const a = randn(rng, sa);
        const b = randn(rng, sb).map((v) => Math.sign(v || 1) * (0.5 + Math.abs(v)));
        const dy = randn(rng, tf.backend_util.assertAndGetBroadcastShape(sa, sb));
        await expectSameOnBoth(() => {
          const f = (x: tf.Tensor, y: tf.Tensor) => tf.mul(op(x, y), tf.tensor(dy, op(x, y).shape));
          return tf.grads(f)([tf.tensor(a, sa), tf.tensor(b, sb)]);
        });
      }
    }
  });

  it('unary ops and their gradients match', async () => {
    const rng = new Rng(3);
    const shape = [37, 29];
    const unary: [string, (x: tf.Tensor) => tf.Tensor, boolean][] = [
      ['neg', tf.neg, false],
      ['exp', tf.exp, false],
      ['log', tf.log, true],
      ['sqrt', tf.sqrt, true],
      ['rsqrt', tf.rsqrt, true],
      ['square', tf.square, false],
      ['sigmoid', tf.sigmoid, false],
      ['softplus', tf.softplus, false],
      ['relu', tf.relu, false],
      ['step', (x) => tf.step(x, 0.1), false],
      ['tanh', tf.tanh, false],
      ['abs', tf.abs, false],
      ['reciprocal', tf.reciprocal, true],
      ['sin', tf.sin, false],
      ['cos', tf.cos, false],
      ['leakyRelu', (x) => tf.leakyRelu(x, 0.3), false],
      ['relu6', tf.relu6, false],
      ['elu', tf.elu, false],
      ['log1p', tf.log1p, true],
    ];
    for (const [name, op, positive] of unary) {
      // Wide inputs (|x| up to ~12) exercise the exp/softplus range; positive ones for log/sqrt/reciprocal.
      const x = randn(rng, shape, 4).map((v) => (positive ? 0.05 + Math.abs(v) : v));
      const worst = await expectSameOnBoth(() => op(tf.tensor(x, shape)));
      expect(worst, name).toBeLessThanOrEqual(1e-4);
      if (name !== 'step') await expectSameOnBoth(() => tf.grad((t: tf.Tensor) => tf.sum(op(t)))(tf.tensor(x, shape)));
    }
  });

  it('exp and sigmoid are exact at the ends of the float range', async () => {
    const x = [-1e10, -100, -87.5, -20, 0, 20, 87, 88.5, 100, 1e10];
    await expectSameOnBoth(() => [tf.exp(tf.tensor(x)), tf.sigmoid(tf.tensor(x)), tf.softplus(tf.tensor(x))]);
    const e = await tf.exp(tf.tensor([-1e10, 1e10])).data();
    expect([...e]).toEqual([0, Infinity]);
  });

  it('AddN matches (gradient accumulation)', async () => {
    const rng = new Rng(4);
    const xs = [0, 1, 2, 3].map(() => randn(rng, [9, 11]));
    await expectSameOnBoth(() => tf.addN(xs.map((v) => tf.tensor(v, [9, 11]))));
  });
});
