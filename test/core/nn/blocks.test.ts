import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { AttentionBlock } from '../../../src/core/nn/attention.ts';
import { registerGradients } from '../../../src/core/nn/gradients.ts';
import { silu } from '../../../src/core/nn/activations.ts';
import { GroupNorm, groupNorm } from '../../../src/core/nn/groupnorm.ts';
import { groupNormFused } from '../../../src/core/nn/groupnorm_fused.ts';
import { ResBlock } from '../../../src/core/nn/resblock.ts';
import { Rng } from '../../../src/core/rng.ts';
import { expectGradientsMatch } from './gradcheck.ts';

beforeAll(async () => {
  await registerGradients();
  await tf.setBackend('cpu');
});

describe('GroupNorm', () => {
  it('matches a hand computation of (x − μ_g)/√(σ²_g + ε)·γ + β', () => {
    const before = tf.memory().numTensors;
    const rng = new Rng(1);
    const [b, h, w, c, g] = [2, 3, 2, 6, 3];
    const xs = Array.from(rng.normalArray(b * h * w * c), (v, i) => v * 3 + (i % 5)); // non-zero means
    const gn = new GroupNorm(g, c);
    const gamma = Array.from(rng.normalArray(c));
    const beta = Array.from(rng.normalArray(c));
    tf.tidy(() => {
      gn.gamma.assign(tf.tensor1d(gamma));
      gn.beta.assign(tf.tensor1d(beta));
    });
    const y = tf.tidy(() => gn.apply(tf.tensor4d(xs, [b, h, w, c])).dataSync());
    const cg = c / g;
    for (let n = 0; n < b; n++) {
      for (let gi = 0; gi < g; gi++) {
        const idx: number[] = [];
        for (let p = 0; p < h * w; p++) for (let k = 0; k < cg; k++) idx.push(n * h * w * c + p * c + gi * cg + k);
        const mu = idx.reduce((s, i) => s + xs[i], 0) / idx.length;
        const v = idx.reduce((s, i) => s + (xs[i] - mu) ** 2, 0) / idx.length;
        for (const i of idx) {
          const ch = i % c;
          expect(y[i]).toBeCloseTo(((xs[i] - mu) / Math.sqrt(v + 1e-5)) * gamma[ch] + beta[ch], 4);
        }
      }
    }
    gn.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('has finite-difference-consistent gradients (with SiLU)', () => {
    const rng = new Rng(2);
    const gn = new GroupNorm(2, 4);
    const x = rng.normalTensor([2, 3, 3, 4]) as tf.Tensor4D;
    const r = rng.normalTensor([2, 3, 3, 4]);
    tf.tidy(() => gn.gamma.assign(tf.tensor1d([1.5, -0.5, 0.7, 2])));
    expectGradientsMatch(gn.parameters(), () => tf.sum(tf.mul(gn.apply(x, true), r)) as tf.Scalar);
    tf.dispose([x, r]);
    gn.dispose();
  });
});

describe('groupNormFused', () => {
  it('has the value and the gradients (x, γ, β) of autodiff through the reference GroupNorm (+ SiLU)', () => {
    const rng = new Rng(9);
    const before = tf.memory().numTensors;
    for (const withSilu of [false, true]) {
      tf.tidy(() => {
        const x = tf.add(tf.mul(rng.normalTensor([2, 4, 3, 8]), 2), 0.5) as tf.Tensor4D;
        const gamma = rng.normalTensor([8]) as tf.Tensor1D;
        const beta = rng.normalTensor([8]) as tf.Tensor1D;
        const r = rng.normalTensor([2, 4, 3, 8]);
        const fused = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(groupNormFused(a as tf.Tensor4D, g as tf.Tensor1D, b as tf.Tensor1D, 4, 1e-5, withSilu), r));
        const reference = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
          const y = groupNorm(a as tf.Tensor4D, g, b, 4, 1e-5);
          return tf.sum(tf.mul(withSilu ? silu(y) : y, r));
        };
        const got = tf.grads(fused)([x, gamma, beta]);
        const want = tf.grads(reference)([x, gamma, beta]);
        expect(Math.abs(fused(x, gamma, beta).dataSync()[0] - reference(x, gamma, beta).dataSync()[0])).toBeLessThan(1e-3);
        for (let i = 0; i < 3; i++) {
          const scale = tf.max(tf.abs(want[i])).dataSync()[0];
          expect(tf.max(tf.abs(tf.sub(got[i], want[i]))).dataSync()[0]).toBeLessThan(1e-4 * Math.max(1, scale));
        }
      });
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('AttentionBlock', () => {
  it('matches a naive loop over softmax(q·k/√C)·v', () => {
    const before = tf.memory().numTensors;
    const rng = new Rng(3);
    const [b, h, w, c] = [2, 2, 3, 8];
    const n = h * w;
    const attn = new AttentionBlock(c, rng, 2);
    const x = rng.normalTensor([b, h, w, c]) as tf.Tensor4D;
    const [y, hn] = tf.tidy(() => [attn.apply(x).dataSync(), attn.norm.apply(x).dataSync()]);
    const xs = x.dataSync();
    const wqkv = attn.qkv.kernel.dataSync(); // [1,1,c,3c]
    const bqkv = attn.qkv.bias!.dataSync();
    const wo = attn.proj.kernel.dataSync();
    const bo = attn.proj.bias!.dataSync();
    for (let bi = 0; bi < b; bi++) {
      // q, k, v [n][c]
      const proj = (part: number) =>
        Array.from({ length: n }, (_, i) =>
          Array.from({ length: c }, (_, o) => {
            let acc = bqkv[part * c + o];
            for (let ci = 0; ci < c; ci++) acc += hn[(bi * n + i) * c + ci] * wqkv[ci * 3 * c + part * c + o];
            return acc;
          }),
        );
      const [q, k, v] = [proj(0), proj(1), proj(2)];
      for (let i = 0; i < n; i++) {
        const s = k.map((kj) => kj.reduce((acc, kv, ci) => acc + kv * q[i][ci], 0) / Math.sqrt(c));
        const m = Math.max(...s);
        const e = s.map((sv) => Math.exp(sv - m));
        const z = e.reduce((acc, ev) => acc + ev, 0);
        const a = Array.from({ length: c }, (_, ci) => e.reduce((acc, ev, j) => acc + (ev / z) * v[j][ci], 0));
        for (let o = 0; o < c; o++) {
          let out = bo[o];
          for (let ci = 0; ci < c; ci++) out += a[ci] * wo[ci * c + o];
          const idx = (bi * n + i) * c + o;
          expect(y[idx]).toBeCloseTo(xs[idx] + out, 4);
        }
      }
    }
    x.dispose();
    attn.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('has finite-difference-consistent gradients', () => {
    const rng = new Rng(4);
    const attn = new AttentionBlock(4, rng, 2);
    const x = rng.normalTensor([1, 2, 2, 4]) as tf.Tensor4D;
    const r = rng.normalTensor([1, 2, 2, 4]);
    expectGradientsMatch(attn.parameters(), () => tf.sum(tf.mul(attn.apply(x), r)) as tf.Scalar);
    tf.dispose([x, r]);
    attn.dispose();
  });
});

describe('ResBlock', () => {
  it('names its parameters, projects the embedding per channel, and has consistent gradients', () => {
    const rng = new Rng(5);
    const blk = new ResBlock(4, 6, 5, rng, 2);
    expect(Object.keys(blk.parameters())).toEqual([
      'norm1.gamma', 'norm1.beta', 'conv1.kernel', 'conv1.bias', 'emb.kernel', 'emb.bias',
      'norm2.gamma', 'norm2.beta', 'conv2.kernel', 'conv2.bias', 'skip.kernel', 'skip.bias',
    ]);
    const same = new ResBlock(4, 4, 5, rng, 2);
    expect(Object.keys(same.parameters())).not.toContain('skip.kernel');
    same.dispose();
    const x = rng.normalTensor([2, 3, 3, 4]) as tf.Tensor4D;
    const emb = rng.normalTensor([2, 5]) as tf.Tensor2D;
    const r = rng.normalTensor([2, 3, 3, 6]);
    tf.tidy(() => {
      expect(blk.apply(x, emb).shape).toEqual([2, 3, 3, 6]);
    });
    expectGradientsMatch(blk.parameters(), () => tf.sum(tf.mul(blk.apply(x, emb), r)) as tf.Scalar, { samples: 2 });
    tf.dispose([x, emb, r]);
    blk.dispose();
  });
});
