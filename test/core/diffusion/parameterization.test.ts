import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/rng.ts';
import { cosineSchedule, linearSchedule } from '../../../src/core/diffusion/schedule.ts';
import {
  epsFromV,
  epsFromX0,
  perSample,
  scoreFromEps,
  vFromEps,
  withPrediction,
  x0FromEps,
  x0FromV,
} from '../../../src/core/diffusion/parameterization.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function expectClose(a: tf.Tensor, b: tf.Tensor, tol = 1e-5) {
  const d = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
  expect(d).toBeLessThan(tol);
}

describe('parameterization', () => {
  const rng = new Rng(7);
  const sched = linearSchedule();
  const tVals = [0.05, 0.3, 0.6, 0.95];

  it('x_t built from (x₀, ε) converts back to x₀, ε and v exactly', () => {
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const x0 = rng.normalTensor([4, 3, 2]);
      const eps = rng.normalTensor([4, 3, 2]);
      const t = tf.tensor1d(tVals);
      const alpha = perSample(sched.alphaT(t), 3);
      const sigma = perSample(sched.sigmaT(t), 3);
      const xt = tf.add(tf.mul(alpha, x0), tf.mul(sigma, eps));
      const v = tf.sub(tf.mul(alpha, eps), tf.mul(sigma, x0)); // definition of v
      expectClose(x0FromEps(xt, eps, alpha, sigma), x0);
      expectClose(epsFromX0(xt, x0, alpha, sigma), eps, 1e-4);
      expectClose(epsFromV(xt, v, alpha, sigma), eps);
      expectClose(vFromEps(xt, eps, alpha, sigma), v, 1e-4);
      expectClose(x0FromV(xt, v, alpha, sigma), x0);
      // round trips through every pair
      expectClose(epsFromX0(xt, x0FromEps(xt, eps, alpha, sigma), alpha, sigma), eps, 1e-4);
      expectClose(epsFromV(xt, vFromEps(xt, eps, alpha, sigma), alpha, sigma), eps, 1e-4);
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('works with plain-number coefficients and gives the score −ε/σ', () => {
    tf.tidy(() => {
      const eps = tf.tensor1d([1, -2, 0.5]);
      const s = scoreFromEps(eps, 0.5);
      expect(Array.from(s.dataSync())).toEqual([-2, 4, -1]);
      const xt = tf.tensor1d([0.3, 0.1, -1]);
      const [a, sg] = [0.8, 0.6];
      expectClose(x0FromEps(xt, eps, a, sg), tf.tensor1d([(0.3 - 0.6) / 0.8, (0.1 + 1.2) / 0.8, (-1 - 0.3) / 0.8]));
    });
  });

  it('withPrediction turns x₀- and v-predictors into the same ε-denoiser', () => {
    const s = cosineSchedule();
    // A "network" that knows the true x₀ and ε of a fixed batch, in each parameterization.
    const x0 = rng.normalTensor([4, 2]);
    const eps = rng.normalTensor([4, 2]);
    const t = tf.tensor1d(tVals);
    const a = perSample(s.alphaT(t), 2);
    const sg = perSample(s.sigmaT(t), 2);
    const xt = tf.add(tf.mul(a, x0), tf.mul(sg, eps));
    const v = tf.sub(tf.mul(a, eps), tf.mul(sg, x0));
    const base = { schedule: s, sampleShape: [2] };
    for (const [kind, out] of [
      ['eps', eps],
      ['x0', x0],
      ['v', v],
    ] as const) {
      const d = withPrediction({ ...base, predict: () => tf.clone(out) }, kind);
      expect(d.sampleShape).toEqual([2]);
      const before = tf.memory().numTensors;
      const e = d.eps(xt, t as tf.Tensor1D, null);
      expect(tf.memory().numTensors).toBe(before + 1);
      expectClose(e, eps, 1e-4);
      e.dispose();
    }
    tf.dispose([x0, eps, t, a, sg, xt, v]);
  });
});
