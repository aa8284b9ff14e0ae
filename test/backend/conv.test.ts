/** Native Conv2D / FusedConv2D / Conv2DBackpropInput / Conv2DBackpropFilter kernels against cpu, via tfjs ops. */
import * as tf from '@tensorflow/tfjs-core';
import { describe, it } from 'vitest';
import { describeNative } from '../native-suite.ts';
import { Rng } from '../../src/core/rng.ts';
import { expectSameOnBoth, randn } from './compare.ts';

/** [x shape NHWC, filter shape, stride, pad, dilation] */
const CASES: [number[], number[], number, 'same' | 'valid', number][] = [
  [[1, 5, 5, 1], [3, 3, 1, 1], 1, 'same', 1],
  [[2, 9, 7, 3], [3, 3, 3, 5], 1, 'same', 1], // odd sizes, batch > 1
  [[2, 9, 7, 3], [3, 3, 3, 5], 1, 'valid', 1],
  [[3, 9, 8, 4], [3, 3, 4, 6], 2, 'same', 1], // stride 2 (the U-Net's downsampling)
  [[1, 10, 11, 4], [3, 3, 4, 6], 2, 'valid', 1],
  [[2, 8, 8, 16], [1, 1, 16, 8], 1, 'same', 1], // 1×1 (skip / attention projections)
  [[1, 7, 9, 2], [2, 4, 2, 3], 1, 'same', 1], // even, non-square kernel: asymmetric 'same' padding
  [[1, 9, 9, 2], [3, 3, 2, 3], 1, 'same', 2], // dilation
  [[4, 16, 16, 32], [3, 3, 32, 32], 1, 'same', 1], // a U-Net layer, multi-threaded
];

describeNative('native conv kernels', () => {
  it('conv2d and both gradients match', async () => {
    const rng = new Rng(30);
    for (const [xs, fs, stride, pad, dil] of CASES) {
      const x = randn(rng, xs);
      const w = randn(rng, fs, 0.3);
      await expectSameOnBoth(() => {
        const conv = (a: tf.Tensor, b: tf.Tensor) =>
          tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad, 'NHWC', dil);
        const y = conv(tf.tensor(x, xs), tf.tensor(w, fs));
        const dy = tf.sin(y); // a fixed, non-uniform upstream gradient
        const g = dil === 1 ? tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(a, b), dy)))([tf.tensor(x, xs), tf.tensor(w, fs)]) : [];
        return [y, ...g];
      });
    }
  });

  it('fused conv2d (bias + activation) and its gradients match', async () => {
    const rng = new Rng(31);
    for (const activation of ['linear', 'relu', 'sigmoid', 'leakyrelu'] as const) {
      for (const [xs, fs, stride, pad] of CASES.slice(1, 5)) {
        const x = randn(rng, xs);
        const w = randn(rng, fs, 0.3);
        const bias = randn(rng, [fs[3]]);
        await expectSameOnBoth(() => {
          const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
            tf.fused.conv2d({ x: a as tf.Tensor4D, filter: b as tf.Tensor4D, strides: stride, pad, bias: c, activation, leakyreluAlpha: 0.25 });
          const args = () => [tf.tensor(x, xs), tf.tensor(w, fs), tf.tensor(bias, [fs[3]])];
          const g = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.square(f(a, b, c))))(args());
          return [f(...(args() as [tf.Tensor, tf.Tensor, tf.Tensor])), ...g];
        });
      }
    }
  });

  it('fused conv2d with a per-image bias [N,1,1,Cout] (the embedding shift of a ResBlock) and its gradients match', async () => {
    const rng = new Rng(32);
    for (const activation of ['linear', 'relu'] as const) {
      for (const [xs, fs, stride, pad] of [CASES[0], ...CASES.slice(1, 5), CASES[8]]) {
        const x = randn(rng, xs);
        const w = randn(rng, fs, 0.3);
        const bs = [xs[0], 1, 1, fs[3]];
        const bias = randn(rng, bs);
        await expectSameOnBoth(() => {
          const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
            tf.fused.conv2d({ x: a as tf.Tensor4D, filter: b as tf.Tensor4D, strides: stride, pad, bias: c, activation });
          const args = () => [tf.tensor(x, xs), tf.tensor(w, fs), tf.tensor(bias, bs)];
          const g = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.square(f(a, b, c))))(args());
          return [f(...(args() as [tf.Tensor, tf.Tensor, tf.Tensor])), ...g];
        });
      }
    }
  });
});
