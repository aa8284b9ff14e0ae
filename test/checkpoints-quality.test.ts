/**
 * Cheap quality checks of the shipped models (the expensive tables are in experiments/teachers.md): each teacher's
 * class-conditional samples are recognized by the shipped classifier, the camera-conditioned teacher draws the view it is
 * given, and each classifier is right on held-out data.
 * Runs on the default backend (native when built): 50 DDIM-10 samples a teacher take a few seconds.
 */
import { renderShape, SHAPES, shapesBatch } from '../src/core/data/shapes/dataset.ts';
import { withGuidance } from '../src/core/diffusion/guidance.ts';
import { sample } from '../src/core/diffusion/samplers.ts';
import { loadMnist } from '../src/core/data/mnist.ts';
import { accuracies, loadClassifier, type ClassifierKind } from '../src/core/metrics/classifier.ts';
import { shippedClassifierDir } from '../src/core/metrics/evaluate.ts';
import { sampleTeacher, teacherKind } from '../src/core/metrics/evaluate-model.ts';
import { loadModel } from '../src/core/model/model-dir.ts';
import { Rng } from '../src/core/rng.ts';
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';

/** Accuracy (every head right) of the shipped classifier of `kind` on images [n, H, W, C] in [0, 1]. */
function classify(kind: ClassifierKind, images: Float32Array, want: Record<string, ArrayLike<number>>): Record<string, number> {
  const { model } = loadClassifier(shippedClassifierDir(kind));
  try {
    const { features, predictions } = model.run(images);
    features.dispose();
    return accuracies(predictions, want, Object.keys(predictions));
  } finally {
    model.dispose();
  }
}

describe('shipped teachers: 50 DDIM-10 samples at CFG 3, balanced over the classes', () => {
  it.each(['mnist-unet', 'shapes-unet', 'shapes-unet-cam'])('%s: ≥ 90% recognized by the shipped classifier as the class asked for', (name) => {
    const before = tf.memory().numTensors;
    const { denoiser, manifest } = loadModel(`checkpoints/${name}`);
    try {
      const s = sampleTeacher(denoiser, manifest, { n: 50, sampler: 'ddim', steps: 10, guidance: 3, seed: 0 });
      const acc = classify(teacherKind(manifest), s.images, s.requested);
      console.log(`${name}: ${JSON.stringify(acc)}`);
      expect(acc.accuracy).toBeGreaterThanOrEqual(0.9);
    } finally {
      denoiser.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('shapes-unet-cam: the camera it is given', () => {
  it('draws "a red cube, front view" face-on at azimuth 0° and edge-on at 45°: each closer to its own true render', () => {
    const { denoiser } = loadModel('checkpoints/shapes-unet-cam');
    const n = 8;
    const mse = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + (v - b[i % b.length]) ** 2, 0) / a.length;
    try {
      const [face, edge] = [0, 45].map((azimuth) => {
        const cond = { prompts: new Array<string>(n).fill('a red cube, front view'), cameras: Float32Array.from({ length: 2 * n }, (_, i) => (i % 2 ? 15 : azimuth)) };
        const x = tf.tidy(() => tf.clipByValue(tf.div(tf.add(sample(withGuidance(denoiser, 3), n, { sampler: 'ddim', steps: 10, cond, rng: new Rng(0), clipX0: [-1, 1] }), 1), 2), 0, 1));
        const images = x.dataSync() as Float32Array;
        x.dispose();
        return { images, truth: renderShape({ shape: SHAPES.indexOf('cube'), color: 0, azimuth, elevation: 15 }, 32) };
      });
      const own = [mse(face.images, face.truth), mse(edge.images, edge.truth)];
      const swapped = [mse(face.images, edge.truth), mse(edge.images, face.truth)];
      console.log(`shapes-unet-cam: MSE to the own view ${own.map((v) => v.toFixed(4))}, to the other ${swapped.map((v) => v.toFixed(4))}`);
      expect(own[0]).toBeLessThan(0.75 * swapped[0]);
      expect(own[1]).toBeLessThan(0.75 * swapped[1]);
    } finally {
      denoiser.dispose();
    }
  });
});

describe('shipped classifiers on held-out data', () => {
  it('mnist-classifier: ≥ 95% of the first 300 digits of the MNIST test split', () => {
    const test = loadMnist('test');
    const n = 300;
    const acc = classify('mnist', test.images.subarray(0, n * 32 * 32), { digit: test.labels.subarray(0, n) });
    console.log(`mnist-classifier: ${JSON.stringify(acc)}`);
    expect(acc.accuracy).toBeGreaterThanOrEqual(0.95);
  });

  it('shapes-classifier: ≥ 95% shape and colour on 300 fresh renders (a seed neither training nor the test split uses)', () => {
    const b = shapesBatch(new Rng(7), 300);
    const acc = classify('shapes', b.images, { shape: b.shapes, color: b.colors });
    console.log(`shapes-classifier: ${JSON.stringify(acc)}`);
    expect(acc.accuracy).toBeGreaterThanOrEqual(0.95);
  });
});
