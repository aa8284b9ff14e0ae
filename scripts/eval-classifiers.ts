/**
 * Measures dal's shipped metric models and the floor of the teacher metrics:
 * - the CNN classifiers' held-out accuracy (MNIST: the fixed 1,000-digit test split; shapes: 2,000 fresh renders
 *   from a seed used by neither training nor the FID reference set),
 * - the independent k-NN classifier's accuracy on the MNIST test split (9,000 train digits as references),
 * - FID / precision / recall of *real* images against the held-out reference set (what a perfect teacher would get
 *   at this sample size: 1,000 MNIST train digits, 1,000 fresh shapes renders).
 *
 *   npx tsx scripts/eval-classifiers.ts [mnist|shapes …] [--mnist-dir DIR] [--shapes-dir DIR] [--backend native|cpu]
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, type BackendName } from '../src/backend/index.ts';
import { loadMnist } from '../src/core/data/mnist.ts';
import { shapesBatch } from '../src/core/data/shapes/dataset.ts';
import { Rng } from '../src/core/rng.ts';
import { Evaluator } from '../src/core/metrics/evaluate.ts';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { backend: { type: 'string' }, 'mnist-dir': { type: 'string' }, 'shapes-dir': { type: 'string' } } });
await initBackend(values.backend as BackendName | undefined);
const kinds = positionals.length ? positionals : ['mnist', 'shapes'];

if (kinds.includes('mnist')) {
  const t0 = performance.now();
  const ev = Evaluator.load('mnist', { classifierDir: values['mnist-dir'] });
  const test = loadMnist('test');
  // The held-out set judged as if it were generated with its true labels: CNN and k-NN accuracy.
  const self = ev.evaluate(test.images, { digit: test.labels });
  // 1,000 train digits (the first 100 of each class) against the held-out set: the real-vs-real floor.
  const train = loadMnist('train');
  const pick = pickPerClass(train.labels, 100);
  const per = 32 * 32;
  const images = new Float32Array(pick.length * per);
  pick.forEach((j, i) => images.set(train.images.subarray(j * per, (j + 1) * per), i * per));
  const floor = ev.evaluate(images, { digit: Int32Array.from(pick, (j) => train.labels[j]) });
  ev.dispose();
  report('mnist', { cnn_accuracy_test: self.accuracy, knn_accuracy_test: self.knn_accuracy, real_fid: floor.fid, real_precision: floor.precision, real_recall: floor.recall, seconds: (performance.now() - t0) / 1000 });
}

if (kinds.includes('shapes')) {
  const t0 = performance.now();
  const ev = Evaluator.load('shapes', { classifierDir: values['shapes-dir'] });
  const fresh = shapesBatch(new Rng(7), 2000);
  const m = ev.evaluate(fresh.images, { shape: fresh.shapes, color: fresh.colors });
  ev.dispose();
  report('shapes', { cnn_accuracy_fresh: m.accuracy, cnn_accuracy_shape: m.accuracy_shape, cnn_accuracy_color: m.accuracy_color, real_fid: m.fid, real_precision: m.precision, real_recall: m.recall, seconds: (performance.now() - t0) / 1000 });
}

function pickPerClass(labels: Int32Array, perClass: number): number[] {
  const seen = new Map<number, number>();
  const out: number[] = [];
  labels.forEach((l, i) => {
    const c = seen.get(l) ?? 0;
    if (c < perClass) out.push(i);
    seen.set(l, c + 1);
  });
  return out;
}

function report(kind: string, m: Record<string, number | undefined>): void {
  console.log(JSON.stringify({ kind, backend: tf.getBackend(), ...m }));
}
