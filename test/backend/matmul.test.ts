/** Native MatMul / BatchMatMul / _FusedMatMul kernels against the cpu kernels, with gradients. */
import * as tf from '@tensorflow/tfjs-core';
import { describe, it } from 'vitest';
import { describeNative } from '../native-suite.ts';
import { Rng } from '../../src/core/rng.ts';
import { expectSameOnBoth, randn } from './compare.ts';

/** [a shape, b shape, transposeA, transposeB] */
const CASES: [number[], number[], boolean, boolean][] = [
  [[1, 1], [1, 1], false, false],
  [[7, 13], [13, 5], false, false], // odd sizes
  [[13, 7], [13, 5], true, false],
  [[7, 13], [5, 13], false, true],
  [[13, 7], [5, 13], true, true],
  [[65, 130], [130, 33], false, false], // beyond one register block
  [[3, 9, 4], [3, 4, 6], false, false], // batch > 1
  [[1, 9, 4], [3, 4, 6], false, false], // batch broadcast of a
  [[3, 9, 4], [4, 6], false, false], // rank mismatch: b broadcast
  [[2, 3, 4, 9], [2, 3, 4, 6], true, false], // two batch dims
];

describeNative('native matmul kernels', () => {
  it('matMul matches for odd sizes, transposes and batch broadcasting', async () => {
    const rng = new Rng(20);
    for (const [sa, sb, ta, tb] of CASES) {
      const a = randn(rng, sa);
      const b = randn(rng, sb);
      await expectSameOnBoth(() => tf.matMul(tf.tensor(a, sa), tf.tensor(b, sb), ta, tb));
    }
  });

  it('matMul gradients match', async () => {
    const rng = new Rng(21);
    // tfjs's BatchMatMul gradient does not sum over broadcast batch dims, so only equal batch shapes here.
    const sameBatch = CASES.filter(([sa, sb]) => sa.slice(0, -2).join() === sb.slice(0, -2).join());
    for (const [sa, sb, ta, tb] of sameBatch) {
      const a = randn(rng, sa);
      const b = randn(rng, sb);
      await expectSameOnBoth(() =>
        tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(tf.matMul(x, y, ta, tb))))([
          tf.tensor(a, sa),
          tf.tensor(b, sb),
        ]),
      );
    }
  });

  it('fused matMul (bias + activation epilogue) and its gradients match', async () => {
    const rng = new Rng(22);
    const activations = ['linear', 'relu', 'relu6', 'sigmoid', 'elu', 'leakyrelu'] as const;
    const biasShapes = [[5], [1, 5], [7, 5], [7, 1], []];
    for (const activation of activations) {
      for (const biasShape of biasShapes) {
        for (const [ta, tb] of [[false, false], [true, true]]) {
          const sa = ta ? [13, 7] : [7, 13];
          const sb = tb ? [5, 13] : [13, 5];
          const a = randn(rng, sa);
          const b = randn(rng, sb);
          const bias = randn(rng, biasShape);
          await expectSameOnBoth(() => {
            const f = (x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) =>
              tf.fused.matMul({ a: x as tf.Tensor2D, b: y as tf.Tensor2D, transposeA: ta, transposeB: tb, bias: z, activation, leakyreluAlpha: 0.3 });
            const args = () => [tf.tensor(a, sa), tf.tensor(b, sb), tf.tensor(bias, biasShape)] as const;
            const g = tf.grads((x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) => tf.sum(tf.mul(f(x, y, z), f(x, y, z))));
            return [f(...args()), ...g([...args()])];
          });
        }
      }
    }
  });
});
