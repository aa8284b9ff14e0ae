/**
 * Training of dal's dataset classifiers: softmax cross-entropy summed over the heads, Adam with linear warm-up and
 * cosine decay, and light augmentation (random shifts of a few pixels with edges replicated, faint pixel noise) so
 * that the classifier tolerates slightly off-centre or imperfect generated samples. Deterministic for a seed.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../rng.ts';
import { BatchIterator } from '../data/dataset.ts';
import { loadMnist } from '../data/mnist.ts';
import { shapesBatch, shapesDataset } from '../data/shapes/dataset.ts';
import { registerGradients } from '../nn/gradients.ts';
import { parameterList } from '../nn/module.ts';
import { accuracies, Classifier, defaultClassifierConfig, type ClassifierConfig, type ClassifierKind } from './classifier.ts';

/** A labelled batch: images [B,H,W,C] in [0, 1] and, per head, the class of each image [B]. */
export interface LabelledBatch {
  images: Float32Array;
  labels: Record<string, Int32Array>;
}

/** Where training batches and the held-out set come from. */
export interface ClassifierData {
  next(batchSize: number): LabelledBatch;
  heldOut: LabelledBatch;
}

export interface TrainClassifierOptions {
  steps?: number;
  batchSize?: number;
  /** Peak Adam learning rate. */
  lr?: number;
  /** Linear warm-up steps before the cosine decay. */
  warmup?: number;
  /** Largest random shift in pixels (0 = none). */
  maxShift?: number;
  /** Largest standard deviation of the per-image Gaussian pixel noise (0 = none). */
  maxNoise?: number;
  seed?: number;
  /** Held-out images for `kind: 'shapes'` (fresh renders from the fixed test seed). */
  heldOutSize?: number;
  /** Architecture overrides (e.g. narrower channels for a quick run). */
  config?: Partial<ClassifierConfig>;
  /** Called every `logEvery` steps with the mean training loss since the last call. */
  onLog?: (step: number, loss: number) => void;
  logEvery?: number;
}

export interface TrainedClassifier {
  model: Classifier;
  steps: number;
  seconds: number;
  /** Held-out accuracy per head ("accuracy_<head>") and of all heads at once ("accuracy"). */
  metrics: Record<string, number>;
  /** The training settings actually used (stored in the checkpoint). */
  training: ClassifierTraining;
}

/** The resolved training settings of a classifier. */
export interface ClassifierTraining {
  steps: number;
  batchSize: number;
  lr: number;
  warmup: number;
  maxShift: number;
  maxNoise: number;
  seed?: number;
}

/** The training and held-out data of a dataset's classifier. */
export function classifierData(kind: ClassifierKind, rng: Rng, heldOutSize = 2000): ClassifierData {
  if (kind === 'mnist') {
    const train = loadMnist('train');
    const test = loadMnist('test');
    let it: BatchIterator | null = null;
    return {
      next(batchSize) {
        it ??= new BatchIterator(train, batchSize, rng);
        const b = it.next();
        return { images: b.images, labels: { digit: b.labels } };
      },
      heldOut: { images: test.images, labels: { digit: test.labels } },
    };
  }
  const test = shapesDataset('test', heldOutSize);
  return {
    next(batchSize) {
      const b = shapesBatch(rng, batchSize);
      return { images: b.images, labels: { shape: b.shapes, color: b.colors } };
    },
    heldOut: {
      images: test.images,
      labels: { shape: Int32Array.from(test.samples, (s) => s.shape), color: Int32Array.from(test.samples, (s) => s.color) },
    },
  };
}

/** Trains the classifier of `kind` on its dataset and measures its held-out accuracy. */
export async function trainClassifier(kind: ClassifierKind, opts: TrainClassifierOptions = {}): Promise<TrainedClassifier> {
  const rng = new Rng(opts.seed ?? 0);
  const config = { ...defaultClassifierConfig(kind), ...opts.config };
  const data = classifierData(kind, rng.fork(), opts.heldOutSize);
  const result = await trainClassifierOn(new Classifier(config, rng.fork()), data, rng.fork(), opts);
  return { ...result, training: { ...result.training, seed: opts.seed ?? 0 } };
}

/** The training loop for any model and data (the unit tests use a synthetic task). */
export async function trainClassifierOn(model: Classifier, data: ClassifierData, rng: Rng, opts: TrainClassifierOptions = {}): Promise<TrainedClassifier> {
  await registerGradients();
  const steps = opts.steps ?? 2000;
  const batchSize = opts.batchSize ?? 64;
  const lrPeak = opts.lr ?? 2e-3;
  const warmup = opts.warmup ?? Math.min(100, Math.floor(steps / 10));
  const maxShift = opts.maxShift ?? 2;
  const maxNoise = opts.maxNoise ?? 0.05;
  const logEvery = opts.logEvery ?? 100;
  const shape = model.config.inputShape;
  const optimizer = tf.train.adam(lrPeak);
  const vars = parameterList(model);
  const start = performance.now();
  let lossSum = 0;
  let lossCount = 0;
  for (let step = 0; step < steps; step++) {
    setLearningRate(optimizer, learningRate(step, steps, lrPeak, warmup));
    const batch = data.next(batchSize);
    let images = maxShift > 0 ? randomShift(batch.images, batchSize, shape, maxShift, rng) : batch.images;
    if (maxNoise > 0) images = randomNoise(images, batchSize, maxNoise, rng);
    const loss = tf.tidy(() => {
      const x = tf.tensor4d(images, [batchSize, ...shape]);
      const y = Object.fromEntries(Object.entries(batch.labels).map(([k, v]) => [k, tf.tensor1d(v, 'int32')]));
      return optimizer.minimize(() => crossEntropy(model.logits(x), y, model.config.heads), true, vars) as tf.Scalar;
    });
    lossSum += loss.dataSync()[0];
    lossCount++;
    loss.dispose();
    if (opts.onLog && ((step + 1) % logEvery === 0 || step === steps - 1)) {
      opts.onLog(step + 1, lossSum / lossCount);
      lossSum = 0;
      lossCount = 0;
    }
  }
  optimizer.dispose();
  const seconds = (performance.now() - start) / 1000;
  const training = { steps, batchSize, lr: lrPeak, warmup, maxShift, maxNoise };
  return { model, steps, seconds, metrics: classifierAccuracy(model, data.heldOut), training };
}

/** Held-out accuracy per head ("accuracy_<head>") and with every head right at once ("accuracy"). */
export function classifierAccuracy(model: Classifier, set: LabelledBatch): Record<string, number> {
  const { features, predictions } = model.run(set.images);
  features.dispose();
  return accuracies(predictions, set.labels, Object.keys(model.config.heads));
}

/** Σ over heads of the mean softmax cross-entropy. */
function crossEntropy(logits: Record<string, tf.Tensor2D>, labels: Record<string, tf.Tensor1D>, heads: Record<string, number>): tf.Scalar {
  const terms = Object.entries(heads).map(([name, k]) => tf.losses.softmaxCrossEntropy(tf.oneHot(labels[name], k), logits[name]));
  return tf.addN(terms) as tf.Scalar;
}

/** Linear warm-up to `peak`, then cosine decay to 5% of it. */
export function learningRate(step: number, steps: number, peak: number, warmup: number): number {
  if (step < warmup) return (peak * (step + 1)) / warmup;
  const progress = (step - warmup) / Math.max(1, steps - warmup);
  return peak * (0.05 + 0.95 * 0.5 * (1 + Math.cos(Math.PI * progress)));
}

/** tfjs's Adam keeps its rate in a protected field that it reads at every step. */
function setLearningRate(opt: tf.Optimizer, lr: number): void {
  (opt as unknown as { learningRate: number }).learningRate = lr;
}

/**
 * Shifts each image by an integer offset in [−maxShift, maxShift]² (edge pixels replicated).
 * @param images [B,H,W,C]
 * @returns [B,H,W,C] (a new array)
 */
export function randomShift(images: Float32Array, b: number, [h, w, c]: [number, number, number], maxShift: number, rng: Rng): Float32Array {
  const out = new Float32Array(images.length);
  const per = h * w * c;
  for (let n = 0; n < b; n++) {
    const dy = rng.int(2 * maxShift + 1) - maxShift;
    const dx = rng.int(2 * maxShift + 1) - maxShift;
    for (let y = 0; y < h; y++) {
      const sy = Math.min(h - 1, Math.max(0, y - dy));
      for (let x = 0; x < w; x++) {
        const sx = Math.min(w - 1, Math.max(0, x - dx));
        const src = n * per + (sy * w + sx) * c;
        const dst = n * per + (y * w + x) * c;
        for (let k = 0; k < c; k++) out[dst + k] = images[src + k];
      }
    }
  }
  return out;
}

/**
 * Adds N(0, σ²) noise with a per-image σ ~ U[0, maxNoise] and clips to [0, 1].
 * @param images [B,...] (a new array is returned)
 */
export function randomNoise(images: Float32Array, b: number, maxNoise: number, rng: Rng): Float32Array {
  const per = images.length / b;
  const noise = rng.normalArray(images.length);
  const out = new Float32Array(images.length);
  for (let n = 0; n < b; n++) {
    const sigma = maxNoise * rng.uniform();
    for (let i = n * per; i < (n + 1) * per; i++) out[i] = Math.min(1, Math.max(0, images[i] + sigma * noise[i]));
  }
  return out;
}
