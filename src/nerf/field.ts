/**
 * The NeRF field (Mildenhall et al. 2020, §3; nerfstudio's "field"): points → (density σ, albedo c), an MLP on the
 * positional encoding γ(p). σ = softplus(out₀ + densityBias + blob(p)), c = sigmoid(out₁..₃).
 *
 * The density blob (DreamFusion §3.1, threestudio's `blob_magic3d`): blob(p) = s·(1 − |p|/r) adds a soft ball of
 * density at the centre at initialization, so that the first SDS steps shape an object instead of creating one from
 * empty space (and negative outside r, keeping the rest of the scene clear).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as z from 'zod';
import { MLP } from '../core/nn/mlp.ts';
import { ModuleBase, type Module, type ModuleEntries } from '../core/nn/module.ts';
import type { Rng } from '../core/rng.ts';
import { encodedDim, positionalEncoding } from './encoding.ts';

/** The density blob s·(1 − |p|/r), added to the density before the softplus. */
export interface DensityBlob {
  /** s: the blob's pre-activation density at the centre */
  density: number;
  /** r: where it crosses 0 */
  radius: number;
}

export const blobConfig = z.strictObject({ density: z.number(), radius: z.number().positive() });

/**
 * What every field offers the renderer, the normals and the mesh export.
 * @see NerfField, GridField
 */
export interface Field extends Module {
  /** @param points [N, 3] @returns σ ≥ 0 [N] */
  density(points: tf.Tensor2D): tf.Tensor1D;
  /** @param points [N, 3] @returns albedo in (0, 1) [N, 3] */
  albedo(points: tf.Tensor2D): tf.Tensor2D;
  /** Both at once (one pass through a shared trunk). @param points [..., 3] @returns density [...], rgb [..., 3] */
  query(points: tf.Tensor): FieldOutput;
}

export interface NerfFieldConfig {
  /** frequencies L of the positional encoding */
  numFreqs: number;
  /** width of the hidden layers */
  hiddenWidth: number;
  /** number of hidden layers */
  hiddenLayers: number;
  /** added to the density output before the softplus */
  densityBias: number;
  /** the initial density blob (null: none) */
  blob: DensityBlob | null;
}

/** The bench workload's field: γ with 6 frequencies (39 inputs), MLP 39→64→64→64→4, 11,140 parameters. */
export const defaultNerfFieldConfig: Readonly<NerfFieldConfig> = {
  numFreqs: 6,
  hiddenWidth: 64,
  hiddenLayers: 3,
  densityBias: -1,
  blob: null,
};

export interface FieldOutput {
  /** σ ≥ 0, [...] */
  density: tf.Tensor;
  /** c ∈ (0, 1), [..., 3] (the albedo) */
  rgb: tf.Tensor;
}

/** s·(1 − |p|/r) for points [N, 3] → [N]. */
export function blobDensity(points: tf.Tensor2D, blob: DensityBlob): tf.Tensor1D {
  return tf.tidy(() => {
    const r = tf.sqrt(tf.add(tf.sum(tf.square(points), 1), 1e-12));
    return tf.mul(tf.sub(1, tf.div(r, blob.radius)), blob.density) as tf.Tensor1D;
  });
}

/** σ = softplus(raw + bias + blob(p)) [N] from the raw density output [N]. */
export function activateDensity(raw: tf.Tensor1D, points: tf.Tensor2D, bias: number, blob: DensityBlob | null): tf.Tensor1D {
  return tf.tidy(() => {
    const pre = tf.add(raw, bias);
    return tf.softplus(blob ? tf.add(pre, blobDensity(points, blob)) : pre) as tf.Tensor1D;
  });
}

/**
 * The scaffolding both fields share: a network maps points [N, 3] to four raw outputs, decoded as
 * σ = softplus(out₀ + densityBias + blob(p)) and c = sigmoid(out₁..₃); a subclass supplies only the network (`raw`).
 */
export abstract class DecodedField extends ModuleBase implements Field {
  abstract readonly config: Readonly<{ densityBias: number; blob: DensityBlob | null }>;

  /** @param points [N, 3] @returns the raw outputs [N, 4] (density, then the albedo's three logits) */
  protected abstract raw(points: tf.Tensor2D): tf.Tensor2D;

  density(points: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => this.query(points).density as tf.Tensor1D); // the query's rgb is disposed
  }

  albedo(points: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => this.query(points).rgb as tf.Tensor2D);
  }

  /**
   * @param points [..., 3]
   * @returns density [...], rgb [..., 3]
   */
  query(points: tf.Tensor): FieldOutput {
    if (points.shape[points.rank - 1] !== 3) throw new Error(`${this.constructor.name}: points must be [..., 3], got [${points.shape}]`);
    const lead = points.shape.slice(0, -1);
    return tf.tidy(() => {
      const flat = tf.reshape(points, [-1, 3]) as tf.Tensor2D;
      const out = this.raw(flat);
      const n = flat.shape[0];
      const raw = tf.reshape(tf.slice(out, [0, 0], [n, 1]), [n]) as tf.Tensor1D;
      const density = tf.reshape(activateDensity(raw, flat, this.config.densityBias, this.config.blob), lead);
      const rgb = tf.sigmoid(tf.reshape(tf.slice(out, [0, 1], [n, 3]), [...lead, 3]));
      return { density, rgb };
    });
  }
}

export class NerfField extends DecodedField {
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

  protected raw(points: tf.Tensor2D): tf.Tensor2D {
    return this.mlp.apply(positionalEncoding(points, this.config.numFreqs)) as tf.Tensor2D;
  }
}
