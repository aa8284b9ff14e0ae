import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerGradients } from '../../src/core/nn/gradients.ts';
import { MLP } from '../../src/core/nn/mlp.ts';
import { countParameters } from '../../src/core/nn/module.ts';
import { Rng } from '../../src/core/rng.ts';
import { encodedDim, positionalEncoding } from '../../src/nerf/encoding.ts';
import { NerfField } from '../../src/nerf/field.ts';
import { composite, compositeWeights } from '../../src/nerf/renderer.ts';
import { stratifiedSamples } from '../../src/nerf/sampler.ts';
import { expectGradientsMatch } from '../core/nn/gradcheck.ts';

beforeAll(async () => {
  await registerGradients();
  await tf.setBackend('cpu');
});

describe('positional encoding', () => {
  it('is (p, sin 2^k p, cos 2^k p …) with 39 features for 6 frequencies', () => {
    expect(encodedDim(6)).toBe(39);
    const p = [0.3, -1.2, 2.0];
    const e = tf.tidy(() => positionalEncoding(tf.tensor2d([p], [1, 3]), 6).dataSync());
    expect(e.length).toBe(39);
    for (let d = 0; d < 3; d++) expect(e[d]).toBeCloseTo(p[d], 6);
    for (let k = 0; k < 6; k++) {
      for (let d = 0; d < 3; d++) {
        expect(e[3 + 6 * k + d]).toBeCloseTo(Math.sin(2 ** k * p[d]), 5);
        expect(e[3 + 6 * k + 3 + d]).toBeCloseTo(Math.cos(2 ** k * p[d]), 5);
      }
    }
  });
});

describe('NerfField', () => {
  it('is the 39→64→64→64→4 workload MLP (11,140 parameters) with σ ≥ 0 and colour in (0, 1)', () => {
    const before = tf.memory().numTensors;
    const rng = new Rng(1);
    const field = new NerfField({}, rng);
    expect(countParameters(field)).toBe(11_140);
    expect(Object.keys(field.parameters())[0]).toBe('mlp.layers.0.kernel');
    tf.tidy(() => {
      const { density, rgb } = field.query(rng.normalTensor([5, 7, 3]));
      expect(density.shape).toEqual([5, 7]);
      expect(rgb.shape).toEqual([5, 7, 3]);
      expect(tf.min(density).dataSync()[0]).toBeGreaterThanOrEqual(0);
      expect(tf.min(rgb).dataSync()[0]).toBeGreaterThan(0);
      expect(tf.max(rgb).dataSync()[0]).toBeLessThan(1);
    });
    field.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('MLP activations and gradients (silu hidden, softplus output)', () => {
    const rng = new Rng(2);
    const mlp = new MLP({ widths: [3, 5, 2], activation: 'silu', outputActivation: 'softplus' }, rng);
    const x = rng.normalTensor([4, 3]);
    tf.tidy(() => {
      const [l0, l1] = mlp.layers;
      const h = tf.add(tf.matMul(x, l0.kernel), l0.bias!);
      const ref = tf.softplus(tf.add(tf.matMul(tf.mul(h, tf.sigmoid(h)), l1.kernel), l1.bias!));
      expect(tf.max(tf.abs(tf.sub(mlp.apply(x), ref))).dataSync()[0]).toBeLessThan(1e-5);
    });
    expectGradientsMatch(mlp.parameters(), () => tf.sum(tf.square(mlp.apply(x))) as tf.Scalar);
    x.dispose();
    mlp.dispose();
  });
});

describe('stratified sampler', () => {
  it('draws one depth per bin and places points at o + z·d', () => {
    const rng = new Rng(3);
    tf.tidy(() => {
      const rays = { origins: tf.tensor2d([[0, 0, 2.5], [1, 2, 3]]), directions: tf.tensor2d([[0, 0, -1], [0.6, 0, 0.8]]) };
      const { z, points } = stratifiedSamples(rays, 1, 4, 6, rng);
      const zs = z.arraySync();
      for (const row of zs) row.forEach((v, j) => {
        expect(v).toBeGreaterThanOrEqual(1 + 0.5 * j);
        expect(v).toBeLessThan(1 + 0.5 * (j + 1));
      });
      const ps = points.arraySync();
      expect(ps[1][3][0]).toBeCloseTo(1 + 0.6 * zs[1][3], 5);
      expect(ps[1][3][2]).toBeCloseTo(3 + 0.8 * zs[1][3], 5);
      expect(ps[0][5][2]).toBeCloseTo(2.5 - zs[0][5], 5);
    });
  });
});

describe('volume renderer', () => {
  const z = () => tf.tensor2d([[1, 1.5, 2, 2.5]]);
  const colours = () =>
    tf.tensor3d([[[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0]]]);

  it('an opaque sample shows its colour; empty space shows the background (or black)', () => {
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const w = compositeWeights(tf.tensor2d([[0, 1e4, 0, 5]]), z());
      expect(Array.from(w.dataSync()).map((v) => Math.round(v * 1e4) / 1e4)).toEqual([0, 1, 0, 0]);
      expect(Array.from(composite(w, colours()).rgb.dataSync())).toEqual([0, 1, 0].map((v) => expect.closeTo(v, 4)));
      const empty = compositeWeights(tf.zeros([1, 4]) as tf.Tensor2D, z());
      expect(tf.max(empty).dataSync()[0]).toBe(0);
      const out = composite(empty, colours(), tf.tensor1d([1, 1, 1]));
      expect(Array.from(out.rgb.dataSync())).toEqual([1, 1, 1]);
      expect(out.opacity.dataSync()[0]).toBe(0);
      expect(Array.from(composite(empty, colours()).rgb.dataSync())).toEqual([0, 0, 0]);
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('matches the closed form T_i = exp(−Σ_{j<i} σ_j δ_j), w_i = T_i(1 − e^{−σ_i δ_i}), and differentiates', () => {
    const sigma = [0.3, 0.8, 1.5, 0.2];
    const w = tf.tidy(() => compositeWeights(tf.tensor2d([sigma]), z()).dataSync());
    let acc = 0;
    for (let i = 0; i < 4; i++) {
      const delta = i < 3 ? 0.5 : 1e10;
      expect(w[i]).toBeCloseTo(Math.exp(-acc) * (1 - Math.exp(-sigma[i] * delta)), 5);
      acc += sigma[i] * delta;
    }
    const density = tf.variable(tf.tensor2d([sigma]));
    const c = colours();
    expectGradientsMatch({ density }, () => tf.sum(tf.square(composite(compositeWeights(density, z()), c).rgb)) as tf.Scalar, { h: 1e-3 });
    tf.dispose([density, c]);
  });
});
