/**
 * Native GroupNorm(+SiLU): the C++ pass and its hand-written gradient against a float64 reference and autodiff
 * through the tf-op GroupNorm (nn/groupnorm.ts `groupNorm` + SiLU) on cpu.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { describeNative } from '../native-suite.ts';
import { Rng } from '../../src/core/rng.ts';
import { nativeGroupNormSilu } from '../../src/backend/fused.ts';
import { silu as siluOp } from '../../src/core/nn/activations.ts';
import { GroupNorm, groupNorm } from '../../src/core/nn/groupnorm.ts';
import { relErr, randn, runOn } from './compare.ts';

/** x [shape]: N(0, scale²) plus `offset` plus a per-channel ramp. */
function inputs(rng: Rng, shape: number[], scale: number, offset: number) {
  const c = shape[3];
  return {
    x: randn(rng, shape, scale).map((v, i) => offset + v + (i % c) * 0.3 * scale),
    gamma: randn(rng, [c]).map((v) => 1 + 0.3 * v),
    beta: randn(rng, [c], 0.5),
    dy: randn(rng, shape),
  };
}

/**
 * GroupNorm(+SiLU) forward and backward in float64 (Wu & He 2018, eq. 1–3; dx = r·(γ·du − ⟨γ·du⟩ − x̂·⟨γ·du·x̂⟩)
 * over each group), the reference where float32 tf ops are themselves off by ~1e-4 (|μ| ≫ σ).
 * @returns [y, dx, dγ, dβ] for the loss Σ y·dy
 */
function groupNormFloat64(
  x: Float32Array, gamma: Float32Array, beta: Float32Array, dy: Float32Array, shape: number[], groups: number, eps: number, silu: boolean,
): Float64Array[] {
  const [b, h, w, c] = shape;
  const [hw, cg] = [h * w, c / groups];
  const n = hw * cg;
  const [y, dx, dg, db] = [new Float64Array(x.length), new Float64Array(x.length), new Float64Array(c), new Float64Array(c)];
  for (let bi = 0; bi < b; bi++) {
    for (let g = 0; g < groups; g++) {
      const idx: number[] = [];
      for (let p = 0; p < hw; p++) for (let k = 0; k < cg; k++) idx.push((bi * hw + p) * c + g * cg + k);
      const mu = idx.reduce((a, i) => a + x[i], 0) / n;
      const r = 1 / Math.sqrt(idx.reduce((a, i) => a + (x[i] - mu) ** 2, 0) / n + eps);
      let m1 = 0;
      let m2 = 0;
      const du = new Map<number, number>();
      for (const i of idx) {
        const ch = i % c;
        const xh = (x[i] - mu) * r;
        const u = xh * gamma[ch] + beta[ch];
        const sg = 1 / (1 + Math.exp(-u));
        y[i] = silu ? u * sg : u;
        const d = silu ? dy[i] * sg * (1 + u * (1 - sg)) : dy[i];
        du.set(i, d);
        dg[ch] += d * xh;
        db[ch] += d;
        m1 += (d * gamma[ch]) / n;
        m2 += (d * gamma[ch] * xh) / n;
      }
      for (const i of idx) dx[i] = r * (du.get(i)! * gamma[i % c] - m1 - (x[i] - mu) * r * m2);
    }
  }
  return [y, dx, dg, db];
}

describeNative('nativeGroupNormSilu', () => {
  for (const [shape, groups, silu, scale, offset] of [
    [[2, 5, 3, 8], 4, true, 2, 0],
    [[1, 4, 4, 6], 3, false, 2, 0],
    [[3, 8, 8, 32], 8, true, 2, 0],
    [[2, 7, 5, 12], 1, false, 1, 0],
    [[2, 3, 9, 12], 12, true, 1, 0],
    [[2, 9, 7, 16], 4, true, 0.05, 100], // |mean| ≫ std: variance precision
    [[1, 11, 13, 8], 2, false, 0.05, 100],
  ] as [number[], number, boolean, number, number][]) {
    it(`matches float64 and autodiff through the tf-op GroupNorm on cpu: x [${shape}] ~ ${offset} + ${scale}·N, G=${groups}, silu=${silu}`, async () => {
      const { x, gamma, beta, dy } = inputs(new Rng(70), shape, scale, offset);
      const run = (native: boolean) => () => {
        const f = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
          if (native) {
            const y = nativeGroupNormSilu(a as tf.Tensor4D, g as tf.Tensor1D, b as tf.Tensor1D, groups, 1e-5, silu);
            if (!y) throw new Error('native GroupNorm unavailable on the native backend');
            return y;
          }
          const y = groupNorm(a as tf.Tensor4D, g, b, groups, 1e-5);
          return silu ? siluOp(y) : y;
        };
        const args = () => [tf.tensor(x, shape), tf.tensor1d(gamma), tf.tensor1d(beta)];
        const g = tf.grads((a: tf.Tensor, gg: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a, gg, b), tf.tensor(dy, shape))))(args());
        return [f(...(args() as [tf.Tensor, tf.Tensor, tf.Tensor])), ...g];
      };
      const nat = await runOn('native', run(true)); // runOn asserts no leaked tensors
      const exact = groupNormFloat64(x, gamma, beta, dy, shape, groups, 1e-5, silu);
      // |μ| ≫ σ: float32 tf ops round μ by ~1e-4 of σ (dγ off by 1.2e-4 from float64), so only float64 there
      const tfOps = offset === 0 ? (await runOn('cpu', run(false))).values : null;
      await tf.setBackend('native');
      for (const [i, name] of ['y', 'dx', 'dγ', 'dβ'].entries()) {
        expect(relErr(nat.values[i], exact[i]), `${name} vs float64`).toBeLessThanOrEqual(1e-4);
        if (tfOps) expect(relErr(nat.values[i], tfOps[i]), `${name} vs tf ops`).toBeLessThanOrEqual(1e-4);
      }
    });
  }

  it('is null off the native backend; GroupNorm.apply takes the native pass on native', async () => {
    const rng = new Rng(71);
    const shape = [2, 4, 4, 8];
    const { x, gamma, beta } = inputs(rng, shape, 1, 0);
    await tf.setBackend('cpu');
    const before = tf.memory().numTensors;
    const args = [tf.tensor4d(x, shape as [number, number, number, number]), tf.tensor1d(gamma), tf.tensor1d(beta)] as const;
    expect(nativeGroupNormSilu(...args, 4, 1e-5, true)).toBeNull();
    tf.dispose([...args]);
    expect(tf.memory().numTensors).toBe(before);
    await tf.setBackend('native');
    const gn = new GroupNorm(4, 8);
    tf.tidy(() => {
      gn.gamma.assign(tf.tensor1d(gamma));
      gn.beta.assign(tf.tensor1d(beta));
    });
    const [viaModule, direct] = (
      await runOn('native', () => {
        const xt = tf.tensor4d(x, shape as [number, number, number, number]);
        return [gn.apply(xt, true), nativeGroupNormSilu(xt, gn.gamma as tf.Tensor1D, gn.beta as tf.Tensor1D, 4, 1e-5, true)!];
      })
    ).values;
    expect(Array.from(viaModule)).toEqual(Array.from(direct)); // bit-identical: the same pass
    gn.dispose();
  });
});
