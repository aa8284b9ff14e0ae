/** Fused GroupNorm(+SiLU): the native pass and its hand-written gradient against the tf-op composition on cpu. */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.ts';
import { nativeAvailable } from '../../src/core/backend/index.ts';
import { groupNormSilu, groupNormSiluReference } from '../../src/core/backend/fused.ts';
import { relErr, randn, runOn } from './compare.ts';

describe.runIf(nativeAvailable())('fused groupNormSilu', () => {
  for (const [shape, groups, silu] of [
    [[2, 5, 3, 8], 4, true],
    [[1, 4, 4, 6], 3, false],
    [[3, 8, 8, 32], 8, true],
  ] as [number[], number, boolean][]) {
    it(`matches the tf-op GroupNorm on cpu, with gradients: x [${shape}], G=${groups}, silu=${silu}`, async () => {
      const rng = new Rng(70);
      const c = shape[3];
      const x = randn(rng, shape, 2).map((v, i) => v + (i % c) * 0.3); // per-channel offsets
      const gamma = randn(rng, [c]).map((v) => 1 + 0.3 * v);
      const beta = randn(rng, [c], 0.5);
      const dy = randn(rng, shape);
      const run = (fused: boolean) => () => {
        const f = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
          (fused ? groupNormSilu : groupNormSiluReference)(a as tf.Tensor4D, g as tf.Tensor1D, b as tf.Tensor1D, groups, 1e-5, silu);
        const args = () => [tf.tensor(x, shape), tf.tensor1d(gamma), tf.tensor1d(beta)];
        const g = tf.grads((a: tf.Tensor, gg: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a, gg, b), tf.tensor(dy, shape))))(args());
        return [f(...(args() as [tf.Tensor, tf.Tensor, tf.Tensor])), ...g];
      };
      const nat = await runOn('native', run(true));
      const cpu = await runOn('cpu', run(false));
      await tf.setBackend('native');
      for (let i = 0; i < 4; i++) expect(relErr(nat.values[i], cpu.values[i]), `output ${i}`).toBeLessThanOrEqual(1e-4);
    });
  }
});
