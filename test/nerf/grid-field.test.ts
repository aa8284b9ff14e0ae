import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.ts';
import { GridField, trilinear } from '../../src/nerf/grid-field.ts';
import { expectGradientsMatch } from '../core/nn/gradcheck.ts';

describe('grid field', () => {
  it('interpolates a linear function exactly (trilinear), clamping outside the box', () => {
    // r = 5 vertices over [−1, 1]: vertex (i, j, k) at (−1 + i/2, …); feature 0 = x + 2y − 3z, feature 1 = 1.
    const r = 5;
    const g = new Float32Array(r * r * r * 2);
    for (let k = 0; k < r; k++) for (let j = 0; j < r; j++) for (let i = 0; i < r; i++) {
      const v = i + r * (j + r * k);
      g[2 * v] = -1 + i / 2 + 2 * (-1 + j / 2) - 3 * (-1 + k / 2);
      g[2 * v + 1] = 1;
    }
    tf.tidy(() => {
      const pts = [[0.1, -0.3, 0.77], [-1, 1, -1], [0.999, 0.25, -0.6], [3, 0, 0]];
      const out = trilinear(tf.tensor2d(g, [r * r * r, 2]), r, tf.tensor2d(pts), 1).arraySync();
      pts.forEach(([x, y, z], n) => {
        const cx = Math.min(1, x); // clamped into the box
        expect(out[n][0]).toBeCloseTo(cx + 2 * y - 3 * z, 3);
        expect(out[n][1]).toBeCloseTo(1, 5);
      });
    });
  });

  it('differentiates in the grid (finite differences) and leaks no tensors', () => {
    const rng = new Rng(11);
    const grid = tf.variable(rng.normalTensor([4 * 4 * 4, 3]) as tf.Tensor2D);
    const pts = tf.tensor2d(rng.uniformArray(30, -0.9, 0.9), [10, 3]);
    const c = rng.normalTensor([10, 3]);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      trilinear(grid, 4, pts, 1);
    });
    expect(tf.memory().numTensors).toBe(before);
    expectGradientsMatch({ grid }, () => tf.sum(tf.mul(trilinear(grid, 4, pts, 1), c)) as tf.Scalar, { samples: 8 });
    tf.dispose([grid, pts, c]);
  });

  it('gives σ ≥ 0 and albedo in (0, 1) with the density blob at the centre', () => {
    const field = new GridField({ resolutions: [8, 16], features: 2, bound: 1, hiddenWidth: 8, initStd: 0.01, densityBias: -1, blob: { density: 10, radius: 0.5 } }, new Rng(2));
    tf.tidy(() => {
      const d = field.density(tf.tensor2d([[0, 0, 0], [0.9, 0, 0]])).dataSync();
      expect(d[0]).toBeGreaterThan(8); // softplus(≈ 10 − 1)
      expect(d[1]).toBeLessThan(0.1);
      const a = field.albedo(tf.tensor2d([[0.2, 0.1, 0]])).dataSync();
      for (const v of a) expect(v > 0 && v < 1).toBe(true);
    });
    field.dispose();
  });
});
