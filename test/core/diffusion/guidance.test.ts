import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { concatConditions, nullCondition, withGuidance } from '../../../src/core/diffusion/guidance.ts';
import type { Condition, Denoiser } from '../../../src/core/diffusion/denoiser.ts';
import { cosineSchedule } from '../../../src/core/diffusion/schedule.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/**
 * A fake denoiser with known outputs: ε(x, y) = x + 10·y for label y ≥ 0, ε(x, ∅) = x − 1 for label −1 or no condition.
 * It records the batch size of every call.
 */
function fakeDenoiser(): Denoiser & { calls: number[] } {
  const calls: number[] = [];
  return {
    calls,
    schedule: cosineSchedule(),
    sampleShape: [2],
    eps(x: tf.Tensor, t: tf.Tensor1D, cond?: Condition | null) {
      calls.push(x.shape[0]);
      expect(t.shape[0]).toBe(x.shape[0]);
      return tf.tidy(() => {
        if (!cond?.labels) return tf.sub(x, 1);
        expect(cond.labels.length).toBe(x.shape[0]);
        const y = tf.tensor2d(Float32Array.from(cond.labels), [cond.labels.length, 1]);
        return tf.where(tf.tile(tf.equal(y, -1), [1, 2]), tf.sub(x, 1), tf.add(x, tf.mul(y, 10)));
      });
    },
  };
}

describe('classifier-free guidance', () => {
  const xVals = [
    [0.5, -1],
    [2, 3],
    [-0.25, 0],
  ];
  const labelVals = [1, 4, 0];

  it('pins ε̃ = ε(x, ∅) + s·(ε(x, y) − ε(x, ∅)) and evaluates both branches in one batched call', () => {
    const fake = fakeDenoiser();
    const x = tf.tensor2d(xVals);
    const t = tf.tensor1d([0.1, 0.5, 0.9]);
    const labels = Int32Array.from(labelVals);
    for (const s of [2.5, -0.5, 7]) {
      fake.calls.length = 0;
      const before = tf.memory().numTensors;
      const out = withGuidance(fake, s).eps(x, t, { labels });
      expect(tf.memory().numTensors).toBe(before + 1);
      expect(fake.calls).toEqual([6]); // [x; x], once
      const got = out.arraySync() as number[][];
      xVals.forEach((row, i) =>
        row.forEach((xv, j) => {
          const epsU = xv - 1;
          const epsC = xv + 10 * labelVals[i];
          expect(got[i][j]).toBeCloseTo(epsU + s * (epsC - epsU), 4);
        }),
      );
      out.dispose();
    }
    tf.dispose([x, t]);
  });

  it('s = 1 is the conditional model, s = 0 the unconditional one, null cond is unguided', () => {
    const fake = fakeDenoiser();
    const x = tf.tensor2d(xVals);
    const t = tf.tensor1d([0.1, 0.5, 0.9]);
    const labels = Int32Array.from(labelVals);
    const cases: [number, Condition | null, (xv: number, i: number) => number][] = [
      [1, { labels }, (xv, i) => xv + 10 * labelVals[i]],
      [0, { labels }, (xv) => xv - 1],
      [3, null, (xv) => xv - 1],
      [3, {}, (xv) => xv - 1],
    ];
    for (const [s, cond, expected] of cases) {
      fake.calls.length = 0;
      const out = withGuidance(fake, s).eps(x, t, cond);
      expect(fake.calls).toEqual([3]);
      const got = out.arraySync() as number[][];
      xVals.forEach((row, i) => row.forEach((xv, j) => expect(got[i][j]).toBeCloseTo(expected(xv, i), 5)));
      out.dispose();
    }
    tf.dispose([x, t]);
  });

  it('nullCondition maps labels to −1 and prompts to empty strings', () => {
    const labels = Int32Array.from([3, 1]);
    const n = nullCondition({ labels, prompts: ['a red cube', 'a blue torus'] }, 2);
    expect(n.labels).toEqual(new Int32Array([-1, -1]));
    expect(n.prompts).toEqual(['', '']);
    expect(nullCondition({}, 2)).toEqual({});
  });

  it('nullCondition keeps the cameras (known exactly, not amplified); concatConditions stacks them', () => {
    const cameras = Float32Array.from([0, 15, 90, 30]);
    const n = nullCondition({ prompts: ['a red cube', 'a blue torus'], cameras }, 2);
    expect(n).toEqual({ prompts: ['', ''], cameras });
    const both = concatConditions({ prompts: ['a', 'b'], cameras }, n);
    expect(Array.from(both.cameras!)).toEqual([0, 15, 90, 30, 0, 15, 90, 30]);
    expect(both.prompts).toEqual(['a', 'b', '', '']);
  });
});
