/** Native Slice, Concat and PadV2 against the cpu kernels, with gradients. */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { describeNative } from '../native-suite.ts';
import { Rng } from '../../src/core/rng.ts';
import { expectSameOnBoth, randn } from './compare.ts';

describeNative('native data-movement kernels', () => {
  it('slice matches for contiguous, strided and size-1 slices, and does not alias its input', async () => {
    const rng = new Rng(60);
    const shape = [5, 7, 3];
    const x = randn(rng, shape);
    await expectSameOnBoth(() => {
      const t = tf.tensor(x, shape);
      return [
        tf.slice(t, [1, 0, 0], [3, 7, 3]),
        tf.slice(t, [0, 2, 1], [5, 4, 2]),
        tf.slice(t, [4, 6, 2], [1, 1, 1]),
        tf.slice(t, [0, 0, 1], [-1, -1, 1]),
        tf.grad((a: tf.Tensor) => tf.sum(tf.square(tf.slice(a, [1, 2, 0], [2, 3, 2]))))(t),
      ];
    });
    const t = tf.tensor(x, shape);
    const s = tf.slice(t, [1, 0, 0], [1, 7, 3]);
    t.dispose();
    expect(Array.from(await s.data())).toEqual(Array.from(x.slice(21, 42)));
    s.dispose();
  });

  it('concat matches on every axis, with empty inputs, and its gradient', async () => {
    const rng = new Rng(61);
    const a = randn(rng, [3, 4, 5]);
    const b = randn(rng, [3, 4, 2]);
    const c = randn(rng, [2, 4, 5]);
    await expectSameOnBoth(() => {
      const [ta, tb, tc] = [tf.tensor(a, [3, 4, 5]), tf.tensor(b, [3, 4, 2]), tf.tensor(c, [2, 4, 5])];
      return [
        tf.concat([ta, tb, ta], 2),
        tf.concat([ta, tc], 0),
        tf.concat([ta, ta], 1),
        tf.concat([ta, tf.zeros([3, 4, 0])], 2),
        ...tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(tf.concat([p, q], 2), tf.concat([p, q], 2))))([ta, tb]),
      ];
    });
  });

  it('split matches on inner and outer axes, with uneven sizes', async () => {
    const rng = new Rng(63);
    const x = randn(rng, [2, 3, 4, 7]);
    await expectSameOnBoth(() => {
      const t = tf.tensor(x, [2, 3, 4, 7]);
      return [...tf.split(t, [2, 5], 3), ...tf.split(t, 3, 1), ...tf.split(t, [1, 0, 3], 2)];
    });
  });

  it('unsortedSegmentSum and the gather (embedding) gradient match', async () => {
    const rng = new Rng(64);
    const table = randn(rng, [11, 6]);
    const x = randn(rng, [7, 6]);
    const ids = [3, 0, 3, 10, 5, 3, 0];
    await expectSameOnBoth(() => [
      tf.unsortedSegmentSum(tf.tensor(x, [7, 6]), tf.tensor1d(ids, 'int32'), 11),
      tf.grad((t: tf.Tensor) => tf.sum(tf.square(tf.gather(t, tf.tensor1d(ids, 'int32')))))(tf.tensor(table, [11, 6])),
    ]);
  });

  it('pad matches with zero and non-zero constants, and its gradient', async () => {
    const rng = new Rng(62);
    const x = randn(rng, [3, 4, 2]);
    await expectSameOnBoth(() => {
      const t = tf.tensor(x, [3, 4, 2]);
      return [
        tf.pad(t, [[1, 2], [0, 3], [1, 0]]),
        tf.pad(t, [[0, 0], [2, 2], [0, 0]], 1.5),
        tf.grad((a: tf.Tensor) => tf.sum(tf.square(tf.pad(a, [[1, 1], [1, 1], [0, 0]]))))(t),
      ];
    });
  });

  it('sin and cos are accurate for large arguments too', async () => {
    const x = [0, 1e-3, 1, -3, 100, 1000.5, -8191, 9000, 1e5, -3e6];
    await expectSameOnBoth(() => [tf.sin(tf.tensor(x)), tf.cos(tf.tensor(x))]);
    await expectSameOnBoth(() => [tf.sin(tf.tensor(x.slice(0, 7))), tf.cos(tf.tensor(x.slice(0, 7)))]);
  });
});
