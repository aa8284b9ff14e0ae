/**
 * Sample-quality metrics of a teacher: from generated images (and the labels they were asked for) and held-out real
 * data, a flat record of numbers — "FID" in the dataset classifier's feature space (Heusel et al. 2017, eq. 6),
 * k-NN-manifold precision and recall in the same space (Kynkäänniemi et al. 2019), the classifier's accuracy on the
 * requested labels and, for MNIST, the accuracy of the independent raw-pixel k-NN classifier.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { loadMnist } from '../data/mnist.ts';
import { shapesDataset } from '../data/shapes/dataset.ts';
import { accuracies, type Classifier, type ClassifierKind, loadClassifier } from './classifier.ts';
import { frechetDistance, gaussianStats, type GaussianStats } from './frechet.ts';
import { KnnClassifier } from './knn.ts';
import { precisionRecall } from './precision-recall.ts';

/** The shipped classifier checkpoint of a dataset: `checkpoints/<kind>-classifier` in the dal directory. */
export function shippedClassifierDir(kind: ClassifierKind): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'checkpoints', `${kind}-classifier`);
}

/** Size of the held-out real set for the shapes metrics (fresh renders from the fixed test seed). */
export const SHAPES_REAL_SIZE = 2000;

export interface EvaluatorOptions {
  /** Classifier checkpoint directory (default: the shipped one). */
  classifierDir?: string;
  /** Neighbourhood size of precision/recall (default 3). */
  k?: number;
  /** Build the independent k-NN classifier (MNIST only; default true). */
  knn?: boolean;
}

/**
 * Holds a dataset's classifier, the real features (and their Gaussian) and the independent classifier, so that a sweep
 * over samplers and guidance scales extracts the real side once. Dispose when done.
 */
export class Evaluator {
  private readonly realStats: GaussianStats;

  /**
   * @param classifier the dataset's classifier (owned by the evaluator from now on)
   * @param realFeatures [M, featureDim] features of held-out real images (owned by the evaluator)
   * @param knn the independent classifier and the head whose labels it predicts (owned by the evaluator)
   */
  constructor(
    readonly classifier: Classifier,
    private readonly realFeatures: tf.Tensor2D,
    private readonly knn: { classifier: KnnClassifier; head: string } | null = null,
    private readonly k = 3,
  ) {
    this.realStats = gaussianStats(realFeatures);
  }

  /** The evaluator of a dataset: its shipped classifier, held-out real data and (MNIST) k-NN on the train split. */
  static load(kind: ClassifierKind, opts: EvaluatorOptions = {}): Evaluator {
    const { model } = loadClassifier(opts.classifierDir ?? shippedClassifierDir(kind));
    const real = kind === 'mnist' ? loadMnist('test').images : shapesDataset('test', SHAPES_REAL_SIZE).images;
    const { features } = model.run(real);
    let knn: { classifier: KnnClassifier; head: string } | null = null;
    if (kind === 'mnist' && opts.knn !== false) {
      const train = loadMnist('train');
      const refs = tf.tensor4d(train.images, [train.size, ...train.shape]);
      knn = { classifier: new KnnClassifier(refs, train.labels, { k: 3, metric: 'cosine' }), head: 'digit' };
      refs.dispose();
    }
    return new Evaluator(model, features, knn, opts.k ?? 3);
  }

  /**
   * @param generated [N, H, W, C] in [0, 1]
   * @param requested per classifier head, the label each sample was asked for [N] (omit for unconditional samples)
   * @returns fid, precision, recall; with `requested`: accuracy (all heads right), accuracy_<head> for several heads,
   *   knn_accuracy (MNIST); and n_generated, n_real
   */
  evaluate(generated: Float32Array, requested?: Record<string, Int32Array>): Record<string, number> {
    const { features, predictions } = this.classifier.run(generated);
    const n = features.shape[0];
    const out: Record<string, number> = {
      fid: frechetDistance(gaussianStats(features), this.realStats),
      ...precisionRecall(this.realFeatures, features, { k: this.k }),
    };
    features.dispose();
    if (requested) {
      const heads = Object.keys(this.classifier.config.heads);
      for (const h of heads) {
        if (requested[h]?.length !== n) throw new Error(`evaluate: need ${n} requested '${h}' labels, got ${requested[h]?.length ?? 0}`);
      }
      Object.assign(out, accuracies(predictions, requested, heads));
      if (this.knn) {
        const x = tf.tensor4d(generated, [n, ...this.classifier.config.inputShape]);
        out.knn_accuracy = this.knn.classifier.accuracy(x, requested[this.knn.head]);
        x.dispose();
      }
    }
    out.n_generated = n;
    out.n_real = this.realFeatures.shape[0];
    return out;
  }

  dispose(): void {
    this.classifier.dispose();
    this.realFeatures.dispose();
    this.knn?.classifier.dispose();
  }
}

/**
 * One call: the metrics of generated samples against a dataset's held-out real data, with the shipped classifier
 * (loads everything, evaluates, disposes; use an `Evaluator` for sweeps).
 * @param generated [N, H, W, C] in [0, 1]
 * @param requested per head, the requested label of each sample [N]
 */
export function evaluateSamples(kind: ClassifierKind, generated: Float32Array, requested?: Record<string, Int32Array>, opts: EvaluatorOptions = {}): Record<string, number> {
  const ev = Evaluator.load(kind, opts);
  try {
    return ev.evaluate(generated, requested);
  } finally {
    ev.dispose();
  }
}
