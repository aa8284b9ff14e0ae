import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '../../../src/core/rng.ts';
import { registerGradients } from '../../../src/core/nn/gradients.ts';
import { Classifier, defaultClassifierConfig, loadClassifier, saveClassifier, type ClassifierConfig } from '../../../src/core/metrics/classifier.ts';
import { classifierAccuracy, learningRate, randomNoise, randomShift, trainClassifierOn, type ClassifierData, type LabelledBatch } from '../../../src/core/metrics/classifier-train.ts';

const tiny: ClassifierConfig = {
  kind: 'mnist',
  inputShape: [8, 8, 1],
  channels: [8, 8],
  strides: [1, 2],
  groups: 2,
  heads: { side: 2 },
};

/** Class 0: the left half is bright; class 1: the right half; both with noise. */
function halves(rng: Rng, n: number): LabelledBatch {
  const images = new Float32Array(n * 64);
  const side = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    side[i] = rng.int(2);
    for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) {
      const bright = (x < 4) === (side[i] === 0);
      images[i * 64 + y * 8 + x] = Math.min(1, Math.max(0, (bright ? 0.7 : 0.2) + 0.15 * rng.normal()));
    }
  }
  return { images, labels: { side } };
}

describe('Classifier', () => {
  it('extracts [B, featureDim] features and per-head logits without leaking tensors', () => {
    const model = new Classifier(defaultClassifierConfig('shapes'), new Rng(0));
    const before = tf.memory().numTensors;
    const x = tf.zeros([2, 32, 32, 3]) as tf.Tensor4D;
    const f = model.features(x);
    expect(f.shape).toEqual([2, 128]);
    const logits = model.logits(x);
    expect(logits.shape.shape).toEqual([2, 5]);
    expect(logits.color.shape).toEqual([2, 5]);
    tf.dispose([x, f, logits.shape, logits.color]);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => model.features(tf.zeros([1, 32, 32, 1]) as tf.Tensor4D)).toThrow(/\[B,32,32,3\]/);
    model.dispose();
  });

  it('a few training steps on bright left/right halves reach accuracy 1', async () => {
    const rng = new Rng(1);
    const data: ClassifierData = { next: (b) => halves(rng, b), heldOut: halves(new Rng(99), 200) };
    const model = new Classifier(tiny, new Rng(2));
    const untrained = classifierAccuracy(model, data.heldOut).accuracy;
    await registerGradients(); // outside the tensor count
    const before = tf.memory().numTensors;
    const losses: number[] = [];
    const result = await trainClassifierOn(model, data, new Rng(3), { steps: 30, batchSize: 16, lr: 1e-2, maxShift: 1, logEvery: 10, onLog: (_, l) => losses.push(l) });
    expect(tf.memory().numTensors).toBe(before);
    expect(losses.length).toBe(3);
    expect(losses[2]).toBeLessThan(losses[0]);
    expect(result.metrics.accuracy).toBe(1);
    expect(untrained).toBeLessThan(1);
    model.dispose();
  });

  it('run() batches features and predictions consistently with logits()', () => {
    const model = new Classifier(tiny, new Rng(4));
    const set = halves(new Rng(5), 7);
    const { features, predictions } = model.run(set.images, 3);
    expect(features.shape).toEqual([7, 8]);
    const x = tf.tensor4d(set.images, [7, 8, 8, 1]);
    const direct = model.features(x);
    const logits = model.logits(x);
    expect(Array.from(features.dataSync()).map((v, i) => v - direct.dataSync()[i]).every((d) => Math.abs(d) < 1e-5)).toBe(true);
    expect(Array.from(predictions.side)).toEqual(Array.from(tf.argMax(logits.side, 1).dataSync()));
    tf.dispose([features, x, direct, logits.side]);
    model.dispose();
  });

  it('saves and loads through a checkpoint; corrupted weights are refused naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dal-classifier-'));
    try {
      const model = new Classifier(tiny, new Rng(6));
      saveClassifier(dir, model, { steps: 3, trainingSeconds: 1, metrics: { accuracy: 0.5 }, heldOut: 'test' });
      const { model: loaded, info } = loadClassifier(dir);
      expect(info.config).toEqual(tiny);
      expect(info.metrics.accuracy).toBe(0.5);
      const x = tf.tensor4d(halves(new Rng(7), 4).images, [4, 8, 8, 1]);
      const a = model.features(x);
      const b = loaded.features(x);
      expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
      tf.dispose([x, a, b]);
      model.dispose();
      loaded.dispose();
      const bin = readdirSync(dir).find((f) => f.endsWith('.bin'))!;
      const bytes = readFileSync(join(dir, bin));
      bytes[10] ^= 0xff;
      writeFileSync(join(dir, bin), bytes);
      expect(() => loadClassifier(dir)).toThrow(new RegExp(bin));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('training helpers', () => {
  it('randomShift moves pixels by whole offsets and replicates edges', () => {
    // One 1×4 single-channel image; with maxShift 1 every output is one of the three shifts.
    const img = Float32Array.from([1, 2, 3, 4]);
    const seen = new Set<string>();
    const rng = new Rng(8);
    for (let i = 0; i < 40; i++) seen.add(Array.from(randomShift(img, 1, [1, 4, 1], 1, rng)).join(','));
    expect([...seen].sort()).toEqual(['1,1,2,3', '1,2,3,4', '2,3,4,4']);
  });

  it('randomNoise adds per-image noise of standard deviation at most maxNoise, clipped to [0, 1]', () => {
    const b = 8;
    const per = 2000;
    const out = randomNoise(new Float32Array(b * per).fill(0.5), b, 0.1, new Rng(9));
    const stds = Array.from({ length: b }, (_, n) => Math.sqrt(out.subarray(n * per, (n + 1) * per).reduce((s, v) => s + (v - 0.5) ** 2, 0) / per));
    expect(Math.max(...stds)).toBeLessThan(0.1 * 1.1);
    expect(new Set(stds.map((s) => s.toFixed(3))).size).toBe(b); // a different σ per image
    const clipped = randomNoise(Float32Array.from([0, 1, 0, 1]), 1, 0.5, new Rng(10));
    expect(clipped.every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  it('learning rate: linear warm-up to the peak, cosine decay to 5%', () => {
    expect(learningRate(0, 100, 1, 10)).toBeCloseTo(0.1);
    expect(learningRate(9, 100, 1, 10)).toBeCloseTo(1);
    expect(learningRate(10, 100, 1, 10)).toBeCloseTo(1);
    expect(learningRate(55, 100, 1, 10)).toBeCloseTo(0.05 + 0.95 * 0.5);
    expect(learningRate(100, 100, 1, 10)).toBeCloseTo(0.05);
  });
});
