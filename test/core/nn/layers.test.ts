import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerGradients } from '../../../src/core/nn/gradients.ts';
import { Conv2d } from '../../../src/core/nn/conv.ts';
import { Embedding, timestepEmbedding } from '../../../src/core/nn/embedding.ts';
import { Linear } from '../../../src/core/nn/linear.ts';
import { upsampleNearest2x } from '../../../src/core/nn/resample.ts';
import { countParameters } from '../../../src/core/nn/module.ts';
import { Rng } from '../../../src/core/rng.ts';
import { expectGradientsMatch } from './gradcheck.ts';

beforeAll(async () => {
  await registerGradients();
  await tf.setBackend('cpu');
});

/** Naive NHWC convolution with symmetric zero padding p, as PyTorch defines it. */
function naiveConv(x: tf.Tensor4D, k: tf.Tensor4D, bias: Float32Array, stride: number, p: number): number[][][][] {
  const [b, h, w, cin] = x.shape;
  const [kh, kw, , cout] = k.shape;
  const xs = x.arraySync();
  const ks = k.arraySync();
  const oh = Math.floor((h + 2 * p - kh) / stride) + 1;
  const ow = Math.floor((w + 2 * p - kw) / stride) + 1;
  const out: number[][][][] = [];
  for (let n = 0; n < b; n++) {
    out.push([]);
    for (let i = 0; i < oh; i++) {
      out[n].push([]);
      for (let j = 0; j < ow; j++) {
        const row: number[] = [];
        for (let o = 0; o < cout; o++) {
          let acc = bias[o];
          for (let di = 0; di < kh; di++)
            for (let dj = 0; dj < kw; dj++) {
              const yi = i * stride + di - p;
              const xj = j * stride + dj - p;
              if (yi < 0 || yi >= h || xj < 0 || xj >= w) continue;
              for (let c = 0; c < cin; c++) acc += xs[n][yi][xj][c] * ks[di][dj][c][o];
            }
          row.push(acc);
        }
        out[n][i].push(row);
      }
    }
  }
  return out;
}

describe('Linear', () => {
  it('initializes like PyTorch (U(±1/√fan_in)) and computes x·W + b', () => {
    const before = tf.memory().numTensors;
    const lin = new Linear(64, 5, new Rng(1));
    expect(countParameters(lin)).toBe(64 * 5 + 5);
    const w = Array.from(lin.kernel.dataSync());
    const bound = 1 / 8;
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    // the variance of U(±a) is a²/3
    const variance = w.reduce((s, v) => s + v * v, 0) / w.length;
    expect(variance).toBeGreaterThan((bound * bound) / 3 * 0.7);
    expect(variance).toBeLessThan((bound * bound) / 3 * 1.3);
    tf.tidy(() => {
      const x = new Rng(2).normalTensor([3, 2, 64]);
      const y = lin.apply(x);
      expect(y.shape).toEqual([3, 2, 5]);
      const ref = tf.add(tf.matMul(tf.reshape(x, [6, 64]), lin.kernel), lin.bias!);
      expect(tf.max(tf.abs(tf.sub(tf.reshape(y, [6, 5]), ref))).dataSync()[0]).toBeLessThan(1e-5);
    });
    lin.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('has finite-difference-consistent gradients (with fused relu)', () => {
    const lin = new Linear(4, 3, new Rng(3));
    const x = new Rng(4).normalTensor([5, 4]);
    expectGradientsMatch(lin.parameters(), () => tf.sum(tf.square(lin.apply(x, 'relu'))) as tf.Scalar);
    x.dispose();
    lin.dispose();
  });
});

describe('Conv2d', () => {
  it('matches a naive convolution with PyTorch geometry (3×3 stride 1 and stride 2 padding 1, 1×1)', () => {
    const rng = new Rng(5);
    const before = tf.memory().numTensors;
    const x = rng.normalTensor([2, 6, 5, 3]) as tf.Tensor4D;
    for (const [k, stride, cout] of [
      [3, 1, 4],
      [3, 2, 4],
      [1, 1, 2],
    ]) {
      const conv = new Conv2d(3, cout, k, rng, { stride, padding: (k - 1) / 2 });
      const y = conv.apply(x);
      const ref = naiveConv(x, conv.kernel as tf.Tensor4D, conv.bias!.dataSync() as Float32Array, stride, conv.padding);
      // PyTorch: ⌊(6 + 2 − 3)/2⌋ + 1 = 3 rows, ⌊(5 + 2 − 3)/2⌋ + 1 = 3 columns at stride 2
      expect(y.shape).toEqual([2, ref[0].length, ref[0][0].length, cout]);
      expect(y.shape[1]).toBe(conv.outSize(6));
      const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(y, tf.tensor(ref)))).dataSync()[0]);
      expect(diff).toBeLessThan(1e-5);
      y.dispose();
      conv.dispose();
    }
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('downsamples 32 → 16 → 8 like PyTorch and has consistent gradients at stride 2', () => {
    const rng = new Rng(6);
    const conv = new Conv2d(2, 2, 3, rng, { stride: 2, padding: 1 });
    tf.tidy(() => {
      expect(conv.apply(tf.zeros([1, 32, 32, 2])).shape).toEqual([1, 16, 16, 2]);
      expect(conv.apply(tf.zeros([1, 16, 16, 2])).shape).toEqual([1, 8, 8, 2]);
    });
    const x = rng.normalTensor([2, 6, 6, 2]) as tf.Tensor4D;
    const r = rng.normalTensor([2, 3, 3, 2]);
    expectGradientsMatch(conv.parameters(), () => tf.sum(tf.mul(conv.apply(x), r)) as tf.Scalar);
    tf.dispose([x, r]);
    conv.dispose();
  });
});

describe('Conv2d per-image shift', () => {
  it('adds shift[b, c] to every pixel of image b (3×3, stride 2, 1×1), with gradients by finite differences', () => {
    const rng = new Rng(8);
    const before = tf.memory().numTensors;
    const x = rng.normalTensor([3, 5, 4, 2]) as tf.Tensor4D;
    for (const [k, stride] of [
      [3, 1],
      [3, 2],
      [1, 1],
    ]) {
      const conv = new Conv2d(2, 4, k, rng, { stride, padding: (k - 1) / 2 });
      const shift = tf.tidy(() => tf.variable(rng.normalTensor([3, 4]), true, `shift${k}${stride}`));
      const diff = tf.tidy(() => {
        const ref = tf.add(conv.apply(x), tf.reshape(shift, [3, 1, 1, 4]));
        return tf.max(tf.abs(tf.sub(conv.apply(x, shift as tf.Tensor2D), ref))).dataSync()[0];
      });
      expect(diff).toBeLessThan(1e-5);
      const r = tf.tidy(() => rng.normalTensor(conv.apply(x).shape));
      expectGradientsMatch({ ...conv.parameters(), shift }, () => tf.sum(tf.mul(conv.apply(x, shift as tf.Tensor2D), r)) as tf.Scalar);
      tf.dispose([shift, r]);
      conv.dispose();
    }
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('upsampleNearest2x', () => {
  it('equals nearest-neighbour resizing (out[i][j] = in[⌊i/2⌋][⌊j/2⌋]) and sums the gradient over each 2×2 block', () => {
    const rng = new Rng(9);
    tf.tidy(() => {
      const x = rng.normalTensor([2, 3, 5, 4]) as tf.Tensor4D;
      const up = upsampleNearest2x(x);
      expect(up.shape).toEqual([2, 6, 10, 4]);
      expect(tf.max(tf.abs(tf.sub(up, tf.image.resizeNearestNeighbor(x, [6, 10])))).dataSync()[0]).toBe(0);
      const r = rng.normalTensor([2, 6, 10, 4]);
      const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(upsampleNearest2x(a as tf.Tensor4D), r)))(x);
      const rs = r.arraySync() as number[][][][];
      const gs = g.arraySync() as number[][][][];
      const block = rs[1][2][4][3] + rs[1][2][5][3] + rs[1][3][4][3] + rs[1][3][5][3];
      expect(gs[1][1][2][3]).toBeCloseTo(block, 5);
    });
  });
});

describe('embeddings', () => {
  it('timestepEmbedding is [sin(1000·t·f_i), cos(1000·t·f_i)] with f_i = 10000^(−i/half)', () => {
    const e = timestepEmbedding(tf.tensor1d([0, 0.25]), 8);
    const v = e.arraySync();
    for (const [row, t] of [
      [0, 0],
      [1, 0.25],
    ]) {
      for (let i = 0; i < 4; i++) {
        const a = 1000 * t * Math.pow(10000, -i / 4);
        expect(v[row][i]).toBeCloseTo(Math.sin(a), 3);
        expect(v[row][4 + i]).toBeCloseTo(Math.cos(a), 3);
      }
    }
    e.dispose();
  });

  it('Embedding looks up rows of an N(0,1) table', () => {
    const emb = new Embedding(11, 256, new Rng(8));
    const t = Array.from(emb.table.dataSync());
    const mean = t.reduce((s, v) => s + v, 0) / t.length;
    const variance = t.reduce((s, v) => s + (v - mean) ** 2, 0) / t.length;
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(variance).toBeGreaterThan(0.9);
    expect(variance).toBeLessThan(1.1);
    tf.tidy(() => {
      const rows = emb.apply(tf.tensor1d([3, 10], 'int32')).arraySync();
      expect(rows[1]).toEqual(t.slice(10 * 256, 11 * 256));
    });
    emb.dispose();
  });
});
