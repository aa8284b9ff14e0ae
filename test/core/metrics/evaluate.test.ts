import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '../../../src/core/rng.ts';
import { accuracies, Classifier, type ClassifierConfig } from '../../../src/core/metrics/classifier.ts';
import { Evaluator } from '../../../src/core/metrics/evaluate.ts';
import { KnnClassifier } from '../../../src/core/metrics/knn.ts';

const config: ClassifierConfig = {
  kind: 'shapes',
  inputShape: [8, 8, 3],
  channels: [8, 8],
  strides: [1, 2],
  groups: 2,
  heads: { shape: 3, color: 2 },
};

describe('accuracies', () => {
  it('counts per head and all heads at once', () => {
    const pred = { shape: Int32Array.from([0, 1, 2, 2]), color: Int32Array.from([1, 1, 0, 0]) };
    const want = { shape: [0, 1, 1, 2], color: [1, 0, 0, 0] };
    expect(accuracies(pred, want, ['shape', 'color'])).toEqual({ accuracy: 0.5, accuracy_shape: 0.75, accuracy_color: 0.75 });
    expect(accuracies(pred, want, ['shape'])).toEqual({ accuracy: 0.75 });
  });
});

describe('Evaluator', () => {
  it('scores generated images against the requested labels, head by head, and the real set against itself', () => {
    const rng = new Rng(1);
    const n = 60;
    const real = rng.uniformArray(n * 8 * 8 * 3);
    const before = tf.memory().numTensors;
    const model = new Classifier(config, new Rng(2));
    const { features, predictions } = model.run(real);
    const x = tf.tensor4d(real, [n, 8, 8, 3]);
    const knn = new KnnClassifier(x, predictions.shape, { k: 1 });
    x.dispose();
    const ev = new Evaluator(model, features, { classifier: knn, head: 'shape' });
    // Request labels that differ from what the classifier sees in known rows: the shape in rows 0–14, the colour in
    // rows 10–19. So 45/60 shapes and 50/60 colours are right, and 40/60 rows right in both heads; the 1-NN over the
    // same images returns the classifier's shapes, so it agrees with 45/60 requested shapes too.
    const requested = {
      shape: predictions.shape.map((p, i) => (i < 15 ? (p + 1) % 3 : p)),
      color: predictions.color.map((p, i) => (i >= 10 && i < 20 ? (p + 1) % 2 : p)),
    };
    const m = ev.evaluate(real, requested);
    expect(m.accuracy_shape).toBeCloseTo(45 / 60, 12);
    expect(m.accuracy_color).toBeCloseTo(50 / 60, 12);
    expect(m.accuracy).toBeCloseTo(40 / 60, 12);
    expect(m.knn_accuracy).toBeCloseTo(45 / 60, 12);
    // the same images as the real set: fid ≈ 0, precision = recall = 1
    expect(m.fid).toBeLessThan(1e-6);
    expect(m.precision).toBe(1);
    expect(m.recall).toBe(1);
    expect(m.n_generated).toBe(n);
    expect(m.n_real).toBe(n);
    // shifted images: a positive distance
    const shifted = real.map((v) => Math.min(1, v + 0.5));
    expect(ev.evaluate(shifted, requested).fid).toBeGreaterThan(1e-3);
    expect(() => ev.evaluate(real, { shape: new Int32Array(3), color: new Int32Array(3) })).toThrow(/60 requested 'shape'/);
    ev.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
