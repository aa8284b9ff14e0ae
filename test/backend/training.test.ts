/** A few Adam steps (a small conv net, an MLP, the project's U-Net and NeRF) give the same losses on native and cpu. */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { describeNative } from '../native-suite.ts';
import { Rng } from '../../src/core/rng.ts';
import { relErr } from './compare.ts';
import { parameterList } from '../../src/core/nn/module.ts';
import { UNet } from '../../src/core/nn/unet.ts';
import { unetTrainStep } from '../../src/bench/unet.ts';
import { NerfField } from '../../src/nerf/field.ts';
import { composite, compositeWeights } from '../../src/nerf/renderer.ts';
import { stratifiedSamples, type Rays } from '../../src/nerf/sampler.ts';

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

describeNative('training on native vs cpu', () => {
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

/** A few Adam steps of a small U-Net (the project's model code) from a fixed init; the loss of every step. */
async function trainUNet(backend: string, steps: number): Promise<number[]> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const rng = new Rng(60);
  const net = new UNet({ channels: 8, channelMult: [1, 2], numResBlocks: 1, attentionResolutions: [4], resolution: 8, groups: 4 }, rng);
  const params = parameterList(net);
  const x0 = rng.normalTensor([4, 8, 8, 1]) as tf.Tensor4D;
  const labels = tf.tensor1d([0, 3, -1, 9], 'int32');
  const opt = tf.train.adam(1e-3);
  const step = unetTrainStep(net, opt, params, x0, labels, rng);
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const loss = step();
    losses.push(loss.dataSync()[0]);
    loss.dispose();
  }
  opt.dispose();
  tf.dispose([x0, labels]);
  net.dispose();
  expect(tf.memory().numTensors).toBe(before);
  return losses;
}

/** A few Adam steps of the NeRF field + stratified sampler + compositing from a fixed init; the loss of every step. */
async function trainNerf(backend: string, steps: number): Promise<number[]> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const rng = new Rng(61);
  const field = new NerfField({}, rng);
  const params = parameterList(field);
  const rays: Rays = tf.tidy(() => ({
    origins: tf.add(tf.mul(rng.normalTensor([128, 3]), 0.1), tf.tensor1d([0, 0, 2.5])) as tf.Tensor2D,
    directions: tf.tidy(() => {
      const d = tf.add(tf.mul(rng.normalTensor([128, 3]), 0.2), tf.tensor1d([0, 0, -1]));
      return tf.div(d, tf.norm(d, 'euclidean', 1, true)) as tf.Tensor2D;
    }),
  }));
  const target = rng.uniformTensor([128, 3]);
  const opt = tf.train.adam(1e-2);
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const { z, points } = stratifiedSamples(rays, 1, 4, 16, rng);
    const loss = opt.minimize(
      () =>
        tf.tidy(() => {
          const { density, rgb } = field.query(points);
          const color = composite(compositeWeights(density as tf.Tensor2D, z), rgb as tf.Tensor3D).rgb;
          return tf.mean(tf.square(tf.sub(color, target))) as tf.Scalar;
        }),
      true,
      params,
    )!;
    losses.push(loss.dataSync()[0]);
    tf.dispose([loss, z, points]);
  }
  opt.dispose();
  tf.dispose([rays.origins, rays.directions, target]);
  field.dispose();
  expect(tf.memory().numTensors).toBe(before);
  return losses;
}

describeNative('U-Net and NeRF training on native vs cpu', () => {
  // The U-Net's loss draws fresh t and ε each step, so only the NeRF's (fixed targets) must fall within 4 steps.
  for (const [name, run, falls] of [['U-Net', trainUNet, false], ['NeRF', trainNerf, true]] as const) {
    it(`${name}: Adam losses agree within 1e-4 relative`, async () => {
      const nat = await run('native', 4);
      const cpu = await run('cpu', 4);
      await tf.setBackend('native');
      if (falls) expect(nat[3]).toBeLessThan(nat[0]); // it trains
      for (let i = 0; i < nat.length; i++) expect(relErr([nat[i]], [cpu[i]])).toBeLessThanOrEqual(1e-4);
    });
  }
});
