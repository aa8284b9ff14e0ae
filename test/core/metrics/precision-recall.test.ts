import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '../../../src/core/rng.ts';
import { precisionRecall, shareInsideManifold } from '../../../src/core/metrics/precision-recall.ts';
import { kthNearestSquaredDistance, squaredDistances } from '../../../src/core/metrics/pairwise.ts';

/** n points from N(centre, scale² I) in d dimensions. */
function cluster(rng: Rng, n: number, centre: number[], scale = 1): tf.Tensor2D {
  const d = centre.length;
  const data = rng.normalArray(n * d).map((z, i) => centre[i % d] + scale * z);
  return tf.tensor2d(data, [n, d]);
}

describe('pairwise distances', () => {
  it('squared distances and the k-th neighbour match brute force', () => {
    const a = tf.tensor2d([[0, 0], [3, 4], [1, 1]]);
    const b = tf.tensor2d([[0, 0], [0, 1], [6, 8]]);
    expect(Array.from(squaredDistances(a, b).dataSync())).toEqual([0, 1, 100, 25, 18, 25, 2, 1, 74]);
    // within a: d²(0,1)=25, d²(0,2)=2, d²(1,2)=13 → nearest other point: 2, 13, 2; second: 25, 25, 13
    expect(Array.from(kthNearestSquaredDistance(a, a, 1, true, 2))).toEqual([2, 13, 2]);
    expect(Array.from(kthNearestSquaredDistance(a, a, 2, true, 2))).toEqual([25, 25, 13]);
    tf.dispose([a, b]);
  });
});

describe('precisionRecall', () => {
  it('identical sets give precision = recall = 1, with no leaked tensors', () => {
    const x = cluster(new Rng(1), 300, [0, 0, 0, 0]);
    const before = tf.memory().numTensors;
    const pr = precisionRecall(x, x, { chunk: 64 });
    expect(tf.memory().numTensors).toBe(before);
    expect(pr).toEqual({ precision: 1, recall: 1 });
    x.dispose();
  });

  it('far-apart clusters give 0 / 0', () => {
    const rng = new Rng(2);
    const real = cluster(rng, 200, [0, 0, 0]);
    const gen = cluster(rng, 200, [50, 0, 0]);
    expect(precisionRecall(real, gen)).toEqual({ precision: 0, recall: 0 });
    tf.dispose([real, gen]);
  });

  it('samples covering one of two real clusters: precision ≈ 1, recall ≈ 0.5', () => {
    const rng = new Rng(3);
    const a = cluster(rng, 400, [-20, 0], 1);
    const b = cluster(rng, 400, [20, 0], 1);
    const real = tf.concat([a, b], 0) as tf.Tensor2D;
    const gen = cluster(rng, 400, [-20, 0], 1);
    const { precision, recall } = precisionRecall(real, gen, { k: 3 });
    expect(precision).toBeGreaterThan(0.95);
    expect(recall).toBeGreaterThan(0.45);
    expect(recall).toBeLessThanOrEqual(0.5);
    tf.dispose([a, b, real, gen]);
  });

  it('manifold membership uses closed balls of the given radii', () => {
    const centres = tf.tensor2d([[0, 0], [10, 0]]);
    const queries = tf.tensor2d([[1, 0], [0, 2.01], [10, 3], [5, 5]]);
    // radii 2 and 3 (squared 4 and 9): inside, outside, on the boundary, outside
    expect(shareInsideManifold(queries, centres, Float32Array.from([4, 9]))).toBe(0.5);
    tf.dispose([centres, queries]);
  });
});
