/**
 * A k-nearest-neighbour classifier on raw pixels (Cover & Hart 1967): the "independent classifier" of the teacher
 * acceptance tests — a different model family from dal's CNN, with no training, so a teacher cannot pass by
 * exploiting one network's blind spots.
 *
 * Cosine similarity on mean-centred pixel vectors by default (less sensitive than L2 to the overall brightness and
 * stroke width of generated digits); the k neighbours vote by majority, ties going to the class of the nearer one.
 */
import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_CHUNK, mapRowChunks, squaredDistances } from './pairwise.ts';

export type KnnMetric = 'cosine' | 'l2';

export interface KnnOptions {
  /** Neighbours that vote (default 3). */
  k?: number;
  metric?: KnnMetric;
  /** Query rows per distance block. */
  chunk?: number;
}

export class KnnClassifier {
  readonly k: number;
  readonly metric: KnnMetric;
  readonly numClasses: number;
  private readonly chunk: number;
  /** [M,D] the references, normalized for the metric. */
  private readonly refs: tf.Tensor2D;
  private readonly labels: Int32Array;

  /**
   * @param references [M,...] images (or features), flattened per row
   * @param labels [M] class indices in [0, numClasses)
   */
  constructor(references: tf.Tensor, labels: Int32Array, opts: KnnOptions = {}) {
    this.k = opts.k ?? 3;
    this.metric = opts.metric ?? 'cosine';
    this.chunk = opts.chunk ?? DEFAULT_CHUNK;
    const m = references.shape[0];
    if (labels.length !== m) throw new Error(`KnnClassifier: ${labels.length} labels for ${m} references`);
    if (!Number.isInteger(this.k) || this.k < 1 || this.k > m) throw new Error(`KnnClassifier: k=${this.k} must be in [1, ${m}]`);
    this.labels = Int32Array.from(labels);
    this.numClasses = this.labels.reduce((a, b) => Math.max(a, b), -1) + 1;
    this.refs = tf.tidy(() => this.prepare(references));
  }

  /**
   * The predicted class of each query.
   * @param x [N,...] with the references' per-row size
   * @returns [N] class indices
   */
  predict(x: tf.Tensor): Int32Array {
    const n = x.shape[0];
    const q = tf.tidy(() => this.prepare(x));
    const neighbours = mapRowChunks(
      q,
      (block) => {
        const score = this.metric === 'cosine' ? tf.matMul(block, this.refs, false, true) : tf.neg(squaredDistances(block, this.refs));
        const { values, indices } = tf.topk(score, this.k, true);
        return tf.concat([values, tf.cast(indices, 'float32')], 1); // [n, 2k]
      },
      this.chunk,
    );
    const data = neighbours.dataSync();
    neighbours.dispose();
    q.dispose();
    const out = new Int32Array(n);
    const votes = new Float64Array(this.numClasses);
    const k = this.k;
    for (let i = 0; i < n; i++) {
      votes.fill(0);
      const row = i * 2 * k;
      // Majority vote; among tied classes the one with the nearer neighbour wins.
      for (let j = 0; j < k; j++) votes[this.labels[data[row + k + j]]] += 1;
      let best = this.labels[data[row + k]];
      for (let j = 1; j < k; j++) {
        const label = this.labels[data[row + k + j]];
        if (votes[label] > votes[best]) best = label;
      }
      out[i] = best;
    }
    return out;
  }

  /**
   * The share of queries classified as their label.
   * @param x [N,...]
   * @param labels [N]
   */
  accuracy(x: tf.Tensor, labels: ArrayLike<number>): number {
    const pred = this.predict(x);
    let correct = 0;
    for (let i = 0; i < pred.length; i++) if (pred[i] === labels[i]) correct++;
    return correct / pred.length;
  }

  dispose(): void {
    this.refs.dispose();
  }

  /** Flattens rows; for cosine, centres each row and scales it to unit length. */
  private prepare(x: tf.Tensor): tf.Tensor2D {
    const flat = tf.reshape(tf.cast(x, 'float32'), [x.shape[0], -1]) as tf.Tensor2D;
    if (this.refs && flat.shape[1] !== this.refs.shape[1]) {
      throw new Error(`KnnClassifier: queries have ${flat.shape[1]} values per row, references ${this.refs.shape[1]}`);
    }
    if (this.metric === 'l2') return flat;
    const centred = tf.sub(flat, tf.mean(flat, 1, true));
    return tf.div(centred, tf.add(tf.norm(centred, 'euclidean', 1, true), 1e-8)) as tf.Tensor2D;
  }
}
