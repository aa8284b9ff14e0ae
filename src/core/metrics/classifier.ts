/**
 * dal's small CNN classifier (one per dataset), the feature extractor behind "FID" and precision/recall and the judge
 * of conditional samples: conv 3×3 → [GroupNorm → ReLU → conv 3×3 (stride 2)]… → GroupNorm → ReLU → global average
 * pool → feature vector → one linear head per label (MNIST: digit; shapes: shape and colour).
 * Inputs are NHWC in [0, 1]; they are centred to [−1, 1] inside.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { MANIFEST, loadCheckpoint, saveCheckpoint } from '../train/checkpoint.ts';
import { DalError } from '../errors.ts';
import { Rng } from '../rng.ts';
import { Conv2d } from '../nn/conv.ts';
import { GroupNorm } from '../nn/groupnorm.ts';
import { Linear } from '../nn/linear.ts';
import { ModuleBase, type ModuleEntries } from '../nn/module.ts';

export type ClassifierKind = 'mnist' | 'shapes';

/** The architecture (stored in the checkpoint; the constructor's arguments). */
export interface ClassifierConfig {
  kind: ClassifierKind;
  /** [H, W, C] of an input image. */
  inputShape: [number, number, number];
  /** Output channels of each conv; the last is the feature dimension. */
  channels: number[];
  /** Stride of each conv (1 or 2), same length as `channels`. */
  strides: number[];
  /** GroupNorm groups (divides every channel count). */
  groups: number;
  /** Classes per head, in a stable order: `{digit: 10}` or `{shape: 5, color: 5}`. */
  heads: Record<string, number>;
}

/**
 * The default architecture of each dataset's classifier: 32×32 → 16 → 8 → 4 (a stride-2 first conv keeps the
 * full-resolution activations, the bulk of a training step's cost on a CPU, out of the network), then a stride-1 conv
 * at 4×4 so that the receptive field (31 px) covers the image; 128-d features; ~0.24 M parameters.
 */
export function defaultClassifierConfig(kind: ClassifierKind): ClassifierConfig {
  const base = { channels: [32, 64, 128, 128], strides: [2, 2, 2, 1], groups: 8 };
  return kind === 'mnist'
    ? { kind, inputShape: [32, 32, 1], heads: { digit: 10 }, ...base }
    : { kind, inputShape: [32, 32, 3], heads: { shape: 5, color: 5 }, ...base };
}

/** Logits per head: name → [B, classes]. */
export type HeadLogits = Record<string, tf.Tensor2D>;

export class Classifier extends ModuleBase {
  readonly convs: Conv2d[];
  readonly norms: GroupNorm[];
  readonly heads: Record<string, Linear>;

  constructor(
    readonly config: ClassifierConfig,
    rng: Rng,
  ) {
    super();
    const { channels, strides, groups, inputShape } = config;
    if (channels.length === 0 || channels.length !== strides.length) {
      throw new Error(`Classifier: channels [${channels}] and strides [${strides}] must be non-empty and of equal length`);
    }
    this.convs = channels.map((c, i) => new Conv2d(i === 0 ? inputShape[2] : channels[i - 1], c, 3, rng, { stride: strides[i] }));
    this.norms = channels.map((c) => new GroupNorm(groups, c));
    this.heads = Object.fromEntries(Object.entries(config.heads).map(([name, k]) => [name, new Linear(this.featureDim, k, rng)]));
  }

  /** Dimension of `features()`. */
  get featureDim(): number {
    return this.config.channels[this.config.channels.length - 1];
  }

  protected entries(): ModuleEntries {
    return {
      conv: this.convs,
      norm: this.norms,
      ...Object.fromEntries(Object.entries(this.heads).map(([name, m]) => [`head.${name}`, m])),
    };
  }

  /**
   * The penultimate (globally pooled) activations.
   * @param x [B, H, W, C] in [0, 1]
   * @returns [B, featureDim]
   */
  features(x: tf.Tensor4D): tf.Tensor2D {
    const [h, w, c] = this.config.inputShape;
    if (x.rank !== 4 || x.shape[1] !== h || x.shape[2] !== w || x.shape[3] !== c) {
      throw new Error(`Classifier(${this.config.kind}): expected images [B,${h},${w},${c}], got [${x.shape}]`);
    }
    return tf.tidy(() => {
      let y = tf.sub(tf.mul(x, 2), 1) as tf.Tensor4D;
      for (let i = 0; i < this.convs.length; i++) {
        y = tf.relu(this.norms[i].apply(this.convs[i].apply(y)));
      }
      return tf.mean(y, [1, 2]) as tf.Tensor2D;
    });
  }

  /**
   * @param x [B, H, W, C] in [0, 1]
   * @returns logits per head, [B, classes]
   */
  logits(x: tf.Tensor4D): HeadLogits {
    return tf.tidy(() => this.headsOf(this.features(x)));
  }

  /** The heads applied to features [B, featureDim]. */
  headsOf(features: tf.Tensor2D): HeadLogits {
    return Object.fromEntries(Object.entries(this.heads).map(([name, head]) => [name, head.apply(features) as tf.Tensor2D]));
  }

  /**
   * Features and predicted classes of many images, in batches (nothing but the returned tensor survives).
   * @param images [N, H, W, C] in [0, 1] (row-major data)
   * @returns features [N, featureDim] (caller disposes) and per head the argmax class [N]
   */
  run(images: Float32Array | tf.Tensor4D, batchSize = 250): { features: tf.Tensor2D; predictions: Record<string, Int32Array> } {
    const per = this.config.inputShape.reduce((a, b) => a * b, 1);
    const data = images instanceof tf.Tensor ? (images.dataSync() as Float32Array) : images;
    if (data.length % per !== 0) throw new Error(`Classifier.run: ${data.length} values are not whole ${this.config.inputShape} images`);
    const n = data.length / per;
    const predictions: Record<string, Int32Array> = Object.fromEntries(Object.keys(this.heads).map((k) => [k, new Int32Array(n)]));
    const parts: tf.Tensor2D[] = [];
    for (let start = 0; start < n; start += batchSize) {
      const b = Math.min(batchSize, n - start);
      const f = tf.tidy(() => {
        const x = tf.tensor4d(data.subarray(start * per, (start + b) * per), [b, ...this.config.inputShape]);
        const feats = this.features(x);
        for (const [name, logits] of Object.entries(this.headsOf(feats))) {
          predictions[name].set(tf.argMax(logits, 1).dataSync() as Int32Array, start);
        }
        return feats;
      });
      parts.push(f);
    }
    const features = parts.length === 1 ? parts[0] : (tf.concat(parts, 0) as tf.Tensor2D);
    if (parts.length > 1) tf.dispose(parts);
    return { features, predictions };
  }
}

/** "accuracy" with every head right at once, and "accuracy_<head>" per head when there are several. */
export function accuracies(predictions: Record<string, Int32Array>, labels: Record<string, ArrayLike<number>>, heads: string[]): Record<string, number> {
  const n = predictions[heads[0]].length;
  const out: Record<string, number> = {};
  let all = 0;
  for (let i = 0; i < n; i++) if (heads.every((h) => predictions[h][i] === labels[h][i])) all++;
  out.accuracy = all / n;
  if (heads.length > 1) {
    for (const h of heads) {
      let right = 0;
      for (let i = 0; i < n; i++) if (predictions[h][i] === labels[h][i]) right++;
      out[`accuracy_${h}`] = right / n;
    }
  }
  return out;
}

/** What a classifier checkpoint stores besides its weights (the `extra` of a dal checkpoint). */
export interface ClassifierInfo {
  format: 'dal-classifier';
  config: ClassifierConfig;
  steps: number;
  trainingSeconds: number;
  /** Held-out accuracies measured after training. */
  metrics: Record<string, number>;
  /** How the metrics were measured (split, size). */
  heldOut: string;
  /** Training settings (steps, batch size, learning rate, augmentation, seed) and the backend used. */
  training?: Record<string, number | string>;
}

/** Saves a classifier as a dal checkpoint (`manifest.json` + one SHA-256-checked weight file) in `dir`. */
export function saveClassifier(dir: string, model: Classifier, info: Omit<ClassifierInfo, 'format' | 'config'>): void {
  const extra: ClassifierInfo = { format: 'dal-classifier', config: model.config, ...info };
  saveCheckpoint(dir, { step: info.steps, tensors: model.parameters(), rngs: {}, extra }, { keepPrevious: false });
}

/**
 * Loads a classifier saved by `saveClassifier`.
 * @throws DalError when `dir` holds no classifier checkpoint, its files are corrupt, or its weights do not fit the
 *   architecture named in its manifest
 */
export function loadClassifier(dir: string): { model: Classifier; info: ClassifierInfo } {
  const ckpt = loadCheckpoint(dir);
  try {
    const info = ckpt.extra as ClassifierInfo | undefined;
    if (info?.format !== 'dal-classifier' || !info.config) {
      throw new DalError(`${join(dir, MANIFEST)} is not a dal classifier checkpoint (no 'dal-classifier' info in it)`);
    }
    const model = new Classifier(info.config, new Rng(0));
    const params = model.parameters();
    const names = Object.keys(params);
    const stored = Object.keys(ckpt.tensors);
    const missing = names.filter((n) => !(n in ckpt.tensors));
    const unexpected = stored.filter((n) => !(n in params));
    const wrongShape = names.filter((n) => n in ckpt.tensors && !tf.util.arraysEqual(ckpt.tensors[n].shape, params[n].shape));
    if (missing.length || unexpected.length || wrongShape.length) {
      model.dispose();
      throw new DalError(
        `classifier checkpoint ${dir} does not match its architecture: missing [${missing}], unexpected [${unexpected}], wrong shape [${wrongShape}]`,
      );
    }
    for (const n of names) params[n].assign(ckpt.tensors[n]);
    return { model, info };
  } finally {
    tf.dispose(Object.values(ckpt.tensors));
  }
}
