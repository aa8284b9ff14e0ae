/** Native reductions, softmax and transpose against the cpu kernels, with gradients. */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { describeNative } from '../native-suite.ts';
import { Rng } from '../../src/core/rng.ts';
import { reductionBlock } from '../../src/backend/kernels/reduce.ts';
import { expectSameOnBoth, randn } from './compare.ts';

const CASES: [number[], number | number[] | undefined][] = [
  [[37], 0],
  [[5, 7], 0],
  [[5, 7], 1],
  [[5, 7], undefined], // all axes
  [[3, 4, 5], [0, 2]], // scattered axes: transposed first
  [[3, 4, 5], 1], // middle axis: [outer, r, inner]
  [[2, 3, 4, 5], [1, 2]],
  [[2, 1, 4, 1], [1, 2]], // size-1 dims
  [[6, 256, 8, 4], [1, 3]], // GroupNorm moments layout
  [[4096, 3], 0], // long column reduction (multi-threaded)
];

describeNative('native reduction kernels', () => {
  it('collapses reduced axes into [outer, r, inner]', () => {
    expect(reductionBlock([3, 4, 5], [1])).toEqual([3, 4, 5]);
    expect(reductionBlock([3, 4, 5], [0, 2])).toBeNull();
    expect(reductionBlock([2, 1, 4, 1], [0, 1])).toEqual([1, 2, 4]);
    expect(reductionBlock([2, 1, 4, 1], [0, 2])).toEqual([1, 8, 1]);
  });

  it('sum, mean, max, min, prod match on every axis pattern, with and without keepDims', async () => {
    const rng = new Rng(10);
    for (const [shape, axis] of CASES) {
      const x = randn(rng, shape);
      for (const keepDims of [false, true]) {
        await expectSameOnBoth(() => {
          const t = tf.tensor(x, shape);
          const small = tf.tensor(x.slice(0, Math.min(x.length, 24)).map((v) => 1 + 0.1 * v), [Math.min(x.length, 24)]);
          return [
            tf.sum(t, axis, keepDims),
            tf.mean(t, axis, keepDims),
            tf.max(t, axis, keepDims),
            tf.min(t, axis, keepDims),
            tf.prod(small, 0, keepDims),
          ];
        });
      }
    }
  });

  it('reduction gradients and moments match', async () => {
    const rng = new Rng(11);
    for (const [shape, axis] of CASES.slice(0, 8)) {
      const x = randn(rng, shape);
      await expectSameOnBoth(() => {
        const f = (t: tf.Tensor) => tf.add(tf.sum(tf.square(tf.mean(t, axis, true))), tf.sum(tf.max(t, axis)));
        const m = tf.moments(tf.tensor(x, shape), axis ?? undefined);
        return [tf.grad(f)(tf.tensor(x, shape)), m.mean, m.variance];
      });
    }
  });

  it('softmax and its gradient match (rows of odd length)', async () => {
    const rng = new Rng(12);
    for (const shape of [[7], [5, 13], [2, 3, 64]]) {
      const x = randn(rng, shape, 3);
      const w = randn(rng, shape);
      await expectSameOnBoth(() => {
        const f = (t: tf.Tensor) => tf.sum(tf.mul(tf.softmax(t), tf.tensor(w, shape)));
        return [tf.softmax(tf.tensor(x, shape)), tf.grad(f)(tf.tensor(x, shape))];
      });
    }
  });

  it('transpose matches for 2-D, batched and 4-D permutations', async () => {
    const rng = new Rng(13);
    const cases: [number[], number[]][] = [
      [[33, 65], [1, 0]],
      [[3, 17, 9], [0, 2, 1]],
      [[3, 17, 9], [2, 0, 1]],
      [[2, 5, 6, 7], [0, 3, 1, 2]],
      [[2, 1, 6, 1], [3, 2, 1, 0]],
      [[4, 4], [0, 1]],
    ];
    for (const [shape, perm] of cases) {
      const x = randn(rng, shape);
      await expectSameOnBoth(() => tf.transpose(tf.tensor(x, shape), perm));
    }
  });
});
