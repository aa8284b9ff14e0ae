import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { densityGrid, SCENE_BOUNDS } from '../../../src/nerf/mesh/grid.ts';
import { marchingCubes } from '../../../src/nerf/mesh/marching-cubes.ts';
import { isClosedAndOriented, meshVolume } from '../../../src/nerf/mesh/mesh.ts';

/** σ = 10·(1 − |p|/0.5), the density blob of radius 0.5, as a tensor function. */
const blob = (p: tf.Tensor2D): tf.Tensor1D => tf.tidy(() => tf.mul(10, tf.sub(1, tf.div(tf.norm(p, 'euclidean', 1), 0.5))) as tf.Tensor1D);

describe('densityGrid', () => {
  it('samples x fastest at min + i·spacing, bounds included, padded with padValue', () => {
    const bounds = { min: [-1, 0, 2] as [number, number, number], max: [1, 3, 4] as [number, number, number] };
    // value = x + 10 y + 100 z: each sample's value names its position.
    const fn = (p: tf.Tensor2D) => tf.tidy(() => tf.squeeze(tf.matMul(p, tf.tensor2d([1, 10, 100], [3, 1]))) as tf.Tensor1D);
    const { grid, dims, bounds: outer } = densityGrid(fn, 5, bounds, 2, { padValue: -7, chunkSize: 17 });
    expect(dims).toEqual([9, 9, 9]);
    const h = [0.5, 0.75, 0.5];
    expect(outer.min).toEqual([-2, -1.5, 1]);
    expect(outer.max).toEqual([2, 4.5, 5]);
    for (let k = 0; k < 9; k++) {
      for (let j = 0; j < 9; j++) {
        for (let i = 0; i < 9; i++) {
          const v = grid[i + 9 * (j + 9 * k)];
          const inner = [i, j, k].every((q) => q >= 2 && q <= 6);
          const x = outer.min[0] + i * h[0];
          const y = outer.min[1] + j * h[1];
          const z = outer.min[2] + k * h[2];
          if (inner) expect(v).toBeCloseTo(x + 10 * y + 100 * z, 3);
          else expect(v).toBe(-7);
        }
      }
    }
  });

  it('gives the same grid whatever the chunk size, and leaks no tensors', () => {
    const before = tf.memory().numTensors;
    const a = densityGrid(blob, 20, SCENE_BOUNDS, 1, { chunkSize: 8000 });
    const b = densityGrid(blob, 20, SCENE_BOUNDS, 1, { chunkSize: 999 });
    expect(tf.memory().numTensors).toBe(before);
    expect(b.grid).toEqual(a.grid);
  });

  it('keeps a surface off the border so marching cubes closes it, even when the field is dense up to the bounds', () => {
    // σ = 1 everywhere: the mesh is the padded box's surface (a cube of side 1.5 + the half-spacings to the pad).
    const ones = (p: tf.Tensor2D) => tf.ones([p.shape[0]]) as tf.Tensor1D;
    const g = densityGrid(ones, 16, SCENE_BOUNDS, 1);
    const mesh = marchingCubes(g.grid, g.dims, g.bounds, 0.5);
    expect(isClosedAndOriented(mesh)).toBe(true);
    const side = 1.5 + 1.5 / 15; // half a spacing beyond each face: σ crosses 0.5 midway to the padding
    expect(meshVolume(mesh)).toBeLessThan(side ** 3);
    expect(meshVolume(mesh)).toBeGreaterThan(1.5 ** 3);
  });

  it('refuses bad arguments and a density of the wrong shape or with NaN, without leaking', () => {
    const before = tf.memory().numTensors;
    expect(() => densityGrid(blob, 1)).toThrow(/resolution must be an integer ≥ 2, got 1/);
    expect(() => densityGrid(blob, 8, { min: [0, 0, 0], max: [0, 1, 1] })).toThrow(/max > min/);
    expect(() => densityGrid(blob, 8, SCENE_BOUNDS, -1)).toThrow(/padding/);
    expect(() => densityGrid((p) => tf.zeros([p.shape[0], 1]) as unknown as tf.Tensor1D, 8)).toThrow(/must map \[512, 3\] points to \[512\], got \[512,1\]/);
    expect(() => densityGrid((p) => tf.fill([p.shape[0]], NaN) as tf.Tensor1D, 8)).toThrow(/NaN/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
