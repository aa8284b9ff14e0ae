import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '../../../src/core/rng.ts';
import { KnnClassifier } from '../../../src/core/metrics/knn.ts';

/** Images [n,4,4,1]: class c has a bright pixel block at quadrant c, plus noise. */
function quadrants(rng: Rng, n: number): { x: tf.Tensor4D; y: Int32Array } {
  const y = new Int32Array(n);
  const data = new Float32Array(n * 16);
  for (let i = 0; i < n; i++) {
    y[i] = rng.int(4);
    const r0 = y[i] < 2 ? 0 : 2;
    const c0 = y[i] % 2 === 0 ? 0 : 2;
    for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) {
      const on = r >= r0 && r < r0 + 2 && c >= c0 && c < c0 + 2;
      data[i * 16 + r * 4 + c] = (on ? 0.8 : 0.1) + 0.1 * rng.normal();
    }
  }
  return { x: tf.tensor4d(data, [n, 4, 4, 1]), y };
}

describe('KnnClassifier', () => {
  it('classifies by the nearest references (hand-checkable 1-D case)', () => {
    const refs = tf.tensor2d([[0], [1], [10], [11], [12]]);
    const knn = new KnnClassifier(refs, Int32Array.from([0, 0, 1, 1, 1]), { k: 1, metric: 'l2' });
    expect(Array.from(knn.predict(tf.tensor2d([[0.4], [4], [6], [20]])))).toEqual([0, 0, 1, 1]);
    knn.dispose();
    // k = 3 by majority: at 4 the neighbours are 1 (0), 0 (0), 10 (1) → 0; at 5.6: 10 (1), 1 (0), 11 (1) → 1;
    // at 9: 10, 11, 12 → 1. With k = 3 and labels [0, 1, 2] the tie goes to the nearest.
    const knn3 = new KnnClassifier(refs, Int32Array.from([0, 0, 1, 1, 1]), { k: 3, metric: 'l2' });
    expect(Array.from(knn3.predict(tf.tensor2d([[4], [5.6], [9]])))).toEqual([0, 1, 1]);
    knn3.dispose();
    const tie = new KnnClassifier(tf.tensor2d([[0], [2], [5]]), Int32Array.from([0, 1, 2]), { k: 3, metric: 'l2' });
    expect(Array.from(tie.predict(tf.tensor2d([[1.8], [4], [0.5]])))).toEqual([1, 2, 0]);
    tie.dispose();
    refs.dispose();
  });

  it('separates noisy quadrant images with both metrics and leaks no tensors', () => {
    const rng = new Rng(7);
    const train = quadrants(rng, 200);
    const test = quadrants(rng, 100);
    const before = tf.memory().numTensors;
    for (const metric of ['cosine', 'l2'] as const) {
      const knn = new KnnClassifier(train.x, train.y, { metric, chunk: 32 });
      expect(knn.accuracy(test.x, test.y)).toBe(1);
      knn.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([train.x, test.x]);
  });

  it('rejects mismatched shapes', () => {
    const refs = tf.zeros([3, 4]);
    expect(() => new KnnClassifier(refs, Int32Array.from([0, 1]))).toThrow(/2 labels for 3/);
    const knn = new KnnClassifier(refs, Int32Array.from([0, 1, 1]), { k: 1 });
    expect(() => knn.predict(tf.zeros([2, 5]))).toThrow(/5 values per row/);
    knn.dispose();
    refs.dispose();
  });
});
