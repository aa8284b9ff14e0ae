import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { denoisingLoss, dropConditions } from '../../../src/core/diffusion/denoising-loss.ts';
import type { PredictionKind, RawPredictor } from '../../../src/core/diffusion/parameterization.ts';
import { Rng } from '../../../src/core/rng.ts';
import { cosineSchedule } from '../../../src/core/diffusion/schedule.ts';
import { clipByGlobalNorm } from '../../../src/core/train/clip.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const schedule = cosineSchedule();
const B = 6;
const D = 3;

/** predict(x_t) = k·x_t + label/10 (label −1 = null: no offset) for one trainable scalar k. */
function linearModel(k: tf.Variable, prediction: PredictionKind): RawPredictor & { prediction: PredictionKind } {
  return {
    schedule,
    sampleShape: [D],
    prediction,
    predict: (x, _t, cond) =>
      tf.tidy(() => {
        const off = cond?.labels ? Float32Array.from(cond.labels, (l) => (l < 0 ? 0 : l / 10)) : new Float32Array(B);
        return tf.add(tf.mul(x, k), tf.tensor2d(off, [B, 1]));
      }),
  };
}

/** The loss and d loss/dk recomputed in float64 from the same random stream (dropout draws, then t, then ε). */
function reference(kind: PredictionKind, kVal: number, x0: number[], labels: Int32Array | null, p: number, seed: number) {
  const rng = new Rng(seed);
  const keep = labels ? Array.from({ length: B }, () => !(rng.uniform() < p)) : [];
  const t = rng.uniformArray(B);
  const eps = rng.normalArray(B * D);
  let loss = 0;
  let grad = 0;
  for (let i = 0; i < B; i++) {
    const a = schedule.alpha(t[i]);
    const s = schedule.sigma(t[i]);
    const off = labels && keep[i] && labels[i] >= 0 ? labels[i] / 10 : 0;
    for (let j = 0; j < D; j++) {
      const e = eps[i * D + j];
      const xz = x0[i * D + j];
      const xt = a * xz + s * e;
      const target = kind === 'eps' ? e : kind === 'v' ? a * e - s * xz : xz;
      const r = kVal * xt + off - target;
      loss += r * r;
      grad += 2 * r * xt;
    }
  }
  return { loss: loss / (B * D), grad: grad / (B * D) };
}

describe('denoisingLoss', () => {
  const x0vals = Array.from({ length: B * D }, (_, i) => Math.sin(i + 1));

  it.each(['eps', 'v', 'x0'] as PredictionKind[])('%s-prediction: loss and gradient match a hand recomputation', (kind) => {
    const k = tf.variable(tf.scalar(0.3));
    const x0 = tf.tensor2d(x0vals, [B, D]);
    const labels = Int32Array.from([0, 3, 5, -1, 2, 7]);
    const before = tf.memory().numTensors;
    let terms: Record<string, number> = {};
    const { value, grads } = tf.variableGrads(() => {
      const r = denoisingLoss(linearModel(k, kind), x0, { labels }, new Rng(9), { condDropout: 0.4 });
      terms = r.terms;
      return r.loss;
    }, [k]);
    const ref = reference(kind, 0.3, x0vals, labels, 0.4, 9);
    expect(value.dataSync()[0]).toBeCloseTo(ref.loss, 5);
    expect(terms.denoise).toBeCloseTo(ref.loss, 5);
    expect(grads[k.name].dataSync()[0]).toBeCloseTo(ref.grad, 4);
    tf.dispose([value, grads[k.name]]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([k, x0]);
  });

  it('measures the error in another space on request: an ε-model with target x0 regresses x̂₀ = (x_t − σ·ε̂)/α', () => {
    const k = tf.variable(tf.scalar(0.5));
    const x0 = tf.tensor2d(x0vals, [B, D]);
    const got = tf.tidy(() => denoisingLoss(linearModel(k, 'eps'), x0, null, new Rng(3), { target: 'x0', tMax: 0.9 }).loss.dataSync()[0]);
    const rng = new Rng(3);
    const t = rng.uniformArray(B, 0, 0.9);
    const eps = rng.normalArray(B * D);
    let want = 0;
    for (let i = 0; i < B * D; i++) {
      const [a, s] = [schedule.alpha(t[Math.floor(i / D)]), schedule.sigma(t[Math.floor(i / D)])];
      const xt = a * x0vals[i] + s * eps[i];
      want += ((xt - s * 0.5 * xt) / a - x0vals[i]) ** 2;
    }
    expect(got).toBeCloseTo(want / (B * D), 4);
    tf.dispose([k, x0]);
  });

  it('min-snr weights the ε error by min(SNR, γ)/SNR', () => {
    const k = tf.variable(tf.scalar(0.2));
    const x0 = tf.tensor2d(x0vals, [B, D]);
    const got = tf.tidy(() => denoisingLoss(linearModel(k, 'eps'), x0, null, new Rng(5), { weighting: 'min-snr', minSnrGamma: 2 }).loss.dataSync()[0]);
    const rng = new Rng(5);
    const t = rng.uniformArray(B);
    const eps = rng.normalArray(B * D);
    let want = 0;
    for (let i = 0; i < B * D; i++) {
      const [a, s] = [schedule.alpha(t[Math.floor(i / D)]), schedule.sigma(t[Math.floor(i / D)])];
      const snr = (a * a) / (s * s);
      want += (Math.min(snr, 2) / snr) * (0.2 * (a * x0vals[i] + s * eps[i]) - eps[i]) ** 2;
    }
    expect(got).toBeCloseTo(want / (B * D), 4);
    tf.dispose([k, x0]);
  });

  it('drops conditions with probability p, one draw per example whatever p', () => {
    const labels = Int32Array.from([1, 2, 3, 4, 5, 6]);
    const prompts = ['a', 'b', 'c', 'd', 'e', 'f'];
    const r0 = new Rng(1);
    const r1 = new Rng(1);
    expect(dropConditions({ labels, prompts }, B, 0, r0)).toEqual({ labels, prompts });
    expect(dropConditions({ labels, prompts }, B, 1, r1)).toEqual({ labels: new Int32Array(B).fill(-1), prompts: new Array(B).fill('') });
    expect(r0.state()).toEqual(r1.state());
    const half = dropConditions({ labels, prompts }, B, 0.5, new Rng(1))!;
    const draws = new Rng(1).uniformArray(B);
    half.labels!.forEach((l, i) => expect(l).toBe(draws[i] < 0.5 ? -1 : labels[i]));
    half.prompts!.forEach((s, i) => expect(s === '').toBe(half.labels![i] === -1));
    const r2 = new Rng(1);
    expect(dropConditions(null, B, 0.5, r2)).toBeNull();
    expect(r2.state()).toEqual(new Rng(1).state()); // nothing drawn without a condition
  });

  it('rejects a sample shape that does not match the model', () => {
    const k = tf.variable(tf.scalar(1));
    const x0 = tf.zeros([B, D + 1]);
    expect(() => denoisingLoss(linearModel(k, 'eps'), x0, null, new Rng(0))).toThrow(/x0 must be \[B, 3\]/);
    tf.dispose([k, x0]);
  });
});

describe('clipByGlobalNorm', () => {
  it('scales every gradient by maxNorm/(‖g‖ + 1e-6) when the global norm exceeds maxNorm, else passes them through', () => {
    const grads = { a: tf.tensor1d([3, 0]), b: tf.tensor1d([0, 4]) }; // global norm 5
    const kept = clipByGlobalNorm(grads, 10);
    expect(kept.norm).toBeCloseTo(5, 6);
    expect(kept.grads.a).toBe(grads.a);
    const none = clipByGlobalNorm(grads, null);
    expect(none.grads.b).toBe(grads.b);
    const clipped = clipByGlobalNorm(grads, 1);
    expect(clipped.norm).toBeCloseTo(5, 6);
    const s = 1 / (5 + 1e-6);
    expect(Array.from(clipped.grads.a.dataSync())).toEqual([Math.fround(3 * s), 0]);
    expect(clipped.grads.b.dataSync()[1]).toBeCloseTo(4 * s, 6);
    tf.dispose([...Object.values(grads), ...Object.values(clipped.grads)]);
    expect(() => clipByGlobalNorm({}, 0)).toThrow(/maxNorm/);
  });
});
