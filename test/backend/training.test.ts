/** A few Adam steps of a small conv net and of an MLP give the same losses on native and cpu. */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.ts';
import { nativeAvailable } from '../../src/core/backend/index.ts';
import { relErr } from './compare.ts';

/** Trains from a fixed init on `backend` and returns the loss of every step. */
async function train(backend: string, kind: 'conv' | 'mlp', steps: number): Promise<number[]> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const rng = new Rng(kind === 'conv' ? 50 : 51);
  const init = (shape: number[], scale: number) => {
    const value = tf.tidy(() => tf.mul(rng.normalTensor(shape), scale));
    const v = tf.variable(value);
    value.dispose();
    return v;
  };
  const params =
    kind === 'conv'
      ? [init([3, 3, 2, 8], 0.3), init([8], 0), init([3, 3, 8, 8], 0.15), init([8], 0), init([8 * 4 * 4, 3], 0.1)]
      : [init([5, 32], 0.4), init([32], 0), init([32, 32], 0.2), init([32], 0), init([32, 2], 0.2)];
  const x = kind === 'conv' ? rng.normalTensor([4, 8, 8, 2]) : rng.normalTensor([64, 5]);
  const target = kind === 'conv' ? rng.normalTensor([4, 3]) : rng.normalTensor([64, 2]);
  const model = (): tf.Scalar =>
    tf.tidy(() => {
      const [w1, b1, w2, b2, w3] = params;
      let h: tf.Tensor;
      if (kind === 'conv') {
        h = tf.relu(tf.add(tf.conv2d(x as tf.Tensor4D, w1 as tf.Tensor4D, 1, 'same'), b1));
        h = tf.fused.conv2d({ x: h as tf.Tensor4D, filter: w2 as tf.Tensor4D, strides: 2, pad: 'same', bias: b2, activation: 'relu' });
        h = tf.matMul(tf.reshape(h, [4, -1]), w3);
      } else {
        h = tf.sigmoid(tf.add(tf.matMul(x as tf.Tensor2D, w1 as tf.Tensor2D), b1));
        h = tf.fused.matMul({ a: h as tf.Tensor2D, b: w2 as tf.Tensor2D, bias: b2, activation: 'relu' });
        h = tf.matMul(h as tf.Tensor2D, w3 as tf.Tensor2D);
      }
      return tf.mean(tf.squaredDifference(h, target));
    });
  const opt = tf.train.adam(0.01);
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const loss = opt.minimize(model, true) as tf.Scalar;
    losses.push(loss.dataSync()[0]);
    loss.dispose();
  }
  opt.dispose();
  tf.dispose([x, target, ...params]);
  expect(tf.memory().numTensors).toBe(before);
  return losses;
}

describe.runIf(nativeAvailable())('training on native vs cpu', () => {
  for (const kind of ['conv', 'mlp'] as const) {
    it(`${kind}: Adam losses agree within 1e-4 relative`, async () => {
      const nat = await train('native', kind, 5);
      const cpu = await train('cpu', kind, 5);
      await tf.setBackend('native');
      expect(nat[4]).toBeLessThan(nat[0]); // it trains
      for (let i = 0; i < nat.length; i++) expect(relErr([nat[i]], [cpu[i]])).toBeLessThanOrEqual(1e-4);
    });
  }
});
