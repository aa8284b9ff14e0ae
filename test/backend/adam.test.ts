/** The fused native Adam (src/backend/adam.ts, native/src/adam.cc) against tfjs's AdamOptimizer. */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { describeNative } from '../native-suite.ts';
import { adam, FusedAdamOptimizer } from '../../src/backend/adam.ts';
import { initBackend } from '../../src/backend/index.ts';
import { optimizerTensors, restoreOptimizer } from '../../src/core/train/checkpoint.ts';
import { Rng } from '../../src/core/rng.ts';
import { randn, relErr, TOL } from './compare.ts';

/** Odd sizes, a scalar-like one, and one large enough for the threaded path. */
const SHAPES = [[7, 5], [3, 3, 4, 6], [1], [50001]];

/**
 * Runs `steps` Adam updates of fresh variables (seeded values and gradients; the third variable's gradient is null on
 * odd steps, which tfjs skips) and returns every variable and every optimizer weight, read back.
 */
async function train(
  backend: 'native' | 'cpu', make: () => tf.Optimizer, steps: number, asList = false,
): Promise<{ values: Float32Array[]; weights: Float32Array[]; names: string[] }> {
  await initBackend(backend);
  const rng = new Rng(5);
  const before = tf.memory().numTensors;
  const vars = SHAPES.map((s, i) => tf.tidy(() => tf.variable(tf.tensor(randn(rng, s), s), true, `adamtest${backend}${asList}${i}`)));
  const opt = make();
  for (let k = 0; k < steps; k++) {
    const grads = SHAPES.map((s) => tf.tensor(randn(rng, s, 0.1 * (k + 1)), s));
    const chosen = vars.map((v, i) => ({ name: v.name, tensor: i !== 2 || k % 2 === 0 ? grads[i] : null }));
    opt.applyGradients((asList ? chosen : Object.fromEntries(chosen.map(({ name, tensor }) => [name, tensor]))) as tf.NamedTensorMap);
    tf.dispose(grads);
  }
  const weights = await opt.getWeights();
  const out = {
    values: vars.map((v) => v.dataSync().slice() as Float32Array),
    weights: weights.map((w) => w.tensor.dataSync().slice() as Float32Array),
    names: weights.map((w) => w.name.replace(/adamtest\w+?(\d)\//, 'var$1/')),
  };
  tf.dispose(weights.filter((w) => w.name === 'iter').map((w) => w.tensor));
  opt.dispose();
  tf.dispose(vars);
  expect(tf.memory().numTensors).toBe(before);
  return out;
}

describeNative('FusedAdamOptimizer', () => {
  it('updates variables and moments exactly as tfjs Adam on native, and within 1e-4 of tfjs Adam on cpu', async () => {
    for (const asList of [false, true]) {
      const fused = await train('native', () => adam(0.01, 0.9, 0.999, 1e-8), 6, asList);
      const tfjs = await train('native', () => tf.train.adam(0.01, 0.9, 0.999, 1e-8), 6, asList);
      const cpu = await train('cpu', () => tf.train.adam(0.01, 0.9, 0.999, 1e-8), 6, asList);
      expect(fused.names).toEqual(tfjs.names);
      expect(fused.names).toHaveLength(1 + 2 * SHAPES.length); // iter, then the m's, then the v's
      fused.values.forEach((v, i) => {
        expect(Array.from(v)).toEqual(Array.from(tfjs.values[i]));
        expect(relErr(v, cpu.values[i])).toBeLessThanOrEqual(TOL);
      });
      fused.weights.forEach((w, i) => {
        expect(Array.from(w)).toEqual(Array.from(tfjs.weights[i]));
        expect(relErr(w, cpu.weights[i])).toBeLessThanOrEqual(TOL);
      });
    }
  });

  it('resumes from a checkpoint of its state (optimizerTensors / restoreOptimizer) exactly', async () => {
    await initBackend('native');
    const before = tf.memory().numTensors;
    const target = tf.tensor2d([[1, -2, 3], [0.5, 0, -1]]);
    const x0 = tf.tensor2d([[0.3, 0.1, 0], [-0.2, 0.7, 2]]);
    const run = (steps: number, x: tf.Variable, opt: tf.Optimizer) => {
      for (let i = 0; i < steps; i++) opt.minimize(() => tf.sum(tf.square(tf.sub(x, target))) as tf.Scalar, false, [x]);
    };
    const xa = tf.variable(x0);
    const optA = adam(0.05);
    run(30, xa, optA);
    const xb = tf.variable(x0);
    const optB = adam(0.05);
    run(11, xb, optB);
    const saved = await optimizerTensors(optB);
    const xbCopy = xb.clone();
    const xc = tf.variable(xbCopy);
    xbCopy.dispose();
    const optC = adam(0.05);
    await restoreOptimizer(optC, saved);
    tf.dispose(Object.values(saved));
    run(19, xc, optC);
    expect(Array.from(xc.dataSync())).toEqual(Array.from(xa.dataSync()));
    expect(Array.from(x0.dataSync())).toEqual([0.3, 0.1, 0, -0.2, 0.7, 2].map(Math.fround)); // the initial value shares storage with the variables: untouched
    tf.dispose([target, x0, xa, xb, xc]);
    [optA, optB, optC].forEach((o) => o.dispose());
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is a tf.AdamOptimizer and runs tfjs Adam itself off the native backend', async () => {
    expect(adam()).toBeInstanceOf(FusedAdamOptimizer);
    expect(adam()).toBeInstanceOf(tf.AdamOptimizer);
    const fused = await train('cpu', () => adam(0.02), 3);
    const tfjs = await train('cpu', () => tf.train.adam(0.02), 3);
    fused.values.forEach((v, i) => expect(Array.from(v)).toEqual(Array.from(tfjs.values[i])));
  });
});
