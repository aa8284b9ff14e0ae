import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.ts';
import { activationRef, addonOrFail, onCpu, relError } from './kernel-ref.ts';

/** The tfjs cpu reference of addon.matmul: act(op(A[b])·op(B[b]) + bias), stride 0 = broadcast. */
async function reference(
  a: Float32Array, b: Float32Array, batch: number, m: number, n: number, k: number, transA: boolean,
  transB: boolean, broadcastA: boolean, broadcastB: boolean, bias: Float32Array | null, act: number, alpha: number,
): Promise<Float32Array> {
  return onCpu(() =>
    tf.tidy(() => {
      const aShape = transA ? [k, m] : [m, k], bShape = transB ? [n, k] : [k, n];
      const at = broadcastA ? tf.tile(tf.tensor3d(a, [1, aShape[0], aShape[1]]), [batch, 1, 1]) : tf.tensor3d(a, [batch, aShape[0], aShape[1]]);
      const bt = broadcastB ? tf.tile(tf.tensor3d(b, [1, bShape[0], bShape[1]]), [batch, 1, 1]) : tf.tensor3d(b, [batch, bShape[0], bShape[1]]);
      let c: tf.Tensor = tf.matMul(at, bt, transA, transB);
      if (bias) c = tf.add(c, tf.tensor1d(bias));
      return activationRef(c, act, alpha).dataSync() as Float32Array;
    }),
  );
}

interface Case {
  m: number; n: number; k: number; batch?: number; transA?: boolean; transB?: boolean;
  broadcastA?: boolean; broadcastB?: boolean; bias?: boolean; act?: number;
}

async function check(c: Case, seed: number): Promise<void> {
  const addon = addonOrFail();
  const rng = new Rng(seed);
  const batch = c.batch ?? 1, transA = !!c.transA, transB = !!c.transB;
  const a = rng.uniformArray((c.broadcastA ? 1 : batch) * c.m * c.k, -1, 1);
  const b = rng.uniformArray((c.broadcastB ? 1 : batch) * c.k * c.n, -1, 1);
  const bias = c.bias ? rng.uniformArray(c.n, -1, 1) : null;
  const act = c.act ?? 0, alpha = 0.15;
  const out = new Float32Array(batch * c.m * c.n).fill(NaN); // must be fully overwritten
  addon.matmul(a, b, out, batch, c.m, c.n, c.k, transA, transB, c.broadcastA ? 0 : c.m * c.k,
    c.broadcastB ? 0 : c.k * c.n, bias, act, alpha);
  const ref = await reference(a, b, batch, c.m, c.n, c.k, transA, transB, !!c.broadcastA, !!c.broadcastB, bias, act, alpha);
  expect(relError(out, ref), JSON.stringify(c)).toBeLessThan(1e-4);
}

describe('native matmul vs tfjs cpu', () => {
  // Sizes below and above the micro-tile (14×32) and the cache blocks (MC 112, KC 768, NC 2048), narrow outputs
  // (n ≤ 8: row dot products or Cᵀ; n < 16: Cᵀ), and long K (split into fixed chunks).
  const shapes: [number, number, number][] = [
    [1, 1, 1], [1, 17, 3], [3, 1, 5], [17, 33, 65], [33, 3, 129], [70, 12, 50], [129, 65, 300], [700, 40, 257],
    [40, 50, 1700], [15, 2100, 33],
    [64, 64, 9000], [5, 7, 9000],
  ];
  for (const [m, n, k] of shapes) {
    it(`${m}×${k} · ${k}×${n}, all transposes`, async () => {
      let seed = m * 1000 + n * 10 + k;
      for (const transA of [false, true]) for (const transB of [false, true]) await check({ m, n, k, transA, transB }, seed++);
    });
  }

  it('batches, with either operand broadcast (stride 0)', async () => {
    await check({ batch: 3, m: 17, n: 33, k: 65 }, 1);
    await check({ batch: 3, m: 17, n: 33, k: 65, broadcastA: true }, 2);
    await check({ batch: 4, m: 9, n: 70, k: 31, broadcastB: true, transB: true }, 3);
    await check({ batch: 32, m: 64, n: 64, k: 64, transB: true }, 4); // attention-sized: parallel over the batch
    await check({ batch: 2, m: 200, n: 150, k: 100, transA: true, broadcastB: true }, 5);
  });

  it('bias and every activation, on wide, narrow and long-K products', async () => {
    for (let act = 0; act <= 5; act++) {
      await check({ m: 37, n: 45, k: 70, bias: true, act }, 10 + act);
      await check({ m: 50, n: 3, k: 20, bias: true, act, transA: act % 2 === 1 }, 20 + act);
      await check({ m: 6, n: 8, k: 9000, bias: true, act }, 30 + act);
      await check({ batch: 2, m: 20, n: 40, k: 10, bias: act % 2 === 0, act, broadcastB: true }, 40 + act);
    }
  });

  it('an empty inner dimension gives act(bias)', async () => {
    await check({ m: 4, n: 5, k: 0, bias: true, act: 3 }, 50);
  });

  it('rejects a too-short output instead of writing past it', () => {
    const addon = addonOrFail();
    const a = new Float32Array(6), b = new Float32Array(6);
    expect(() => addon.matmul(a, b, new Float32Array(3), 1, 2, 2, 3, false, false, 6, 6, null, 0, 0)).toThrow(/elements/);
  });
});
