/**
 * The NeRF field (Mildenhall et al. 2020, §3; nerfstudio's "field"): points → (density σ, colour c), an MLP on the
 * positional encoding γ(p). σ = softplus(out₀ + densityBias) (DreamFusion's shifted softplus keeps an untrained field
 * mostly empty), c = sigmoid(out₁..₃).
 */
import * as tf from '@tensorflow/tfjs-core';
import { MLP } from '../core/nn/mlp.ts';
import { ModuleBase, type ModuleEntries } from '../core/nn/module.ts';
import type { Rng } from '../core/rng.ts';
import { encodedDim, positionalEncoding } from './encoding.ts';

export interface NerfFieldConfig {
  /** frequencies L of the positional encoding */
  numFreqs: number;
  /** width of the hidden layers */
  hiddenWidth: number;
  /** number of hidden layers */
  hiddenLayers: number;
  /** added to the density output before the softplus */
  densityBias: number;
}

/** The bench workload's field: γ with 6 frequencies (39 inputs), MLP 39→64→64→64→4, 11,140 parameters. */
export const defaultNerfFieldConfig: Readonly<NerfFieldConfig> = {
  numFreqs: 6,
  hiddenWidth: 64,
  hiddenLayers: 3,
  densityBias: -1,
};

export interface FieldOutput {
  /** σ ≥ 0, [...] */
  density: tf.Tensor;
  /** c ∈ (0, 1), [..., 3] */
  rgb: tf.Tensor;
}

export class NerfField extends ModuleBase {
  readonly config: Readonly<NerfFieldConfig>;
  readonly mlp: MLP;

  constructor(config: Partial<NerfFieldConfig>, rng: Rng) {
    super();
    this.config = { ...defaultNerfFieldConfig, ...config };
    const { numFreqs, hiddenWidth, hiddenLayers } = this.config;
    const widths = [encodedDim(numFreqs), ...Array<number>(hiddenLayers).fill(hiddenWidth), 4];
    this.mlp = new MLP({ widths, activation: 'relu' }, rng);
  }

  protected entries(): ModuleEntries {
    return { mlp: this.mlp };
  }

  /**
   * @param points [..., 3]
   * @returns density [...], rgb [..., 3]
   */
  query(points: tf.Tensor): FieldOutput {
    if (points.shape[points.rank - 1] !== 3) throw new Error(`NerfField: points must be [..., 3], got [${points.shape}]`);
    const lead = points.shape.slice(0, -1);
    return tf.tidy(() => {
      const flat = tf.reshape(points, [-1, 3]) as tf.Tensor2D;
      const out = this.mlp.apply(positionalEncoding(flat, this.config.numFreqs)); // [N, 4]
      const n = flat.shape[0];
      const density = tf.softplus(tf.add(tf.reshape(tf.slice(out, [0, 0], [n, 1]), lead), this.config.densityBias));
      const rgb = tf.sigmoid(tf.reshape(tf.slice(out, [0, 1], [n, 3]), [...lead, 3]));
      return { density, rgb };
    });
  }
}
