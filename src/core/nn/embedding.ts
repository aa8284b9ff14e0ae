/**
 * Embeddings of the conditioning inputs: a learned lookup table (class labels; PyTorch `nn.Embedding`, N(0, 1)
 * init) and the sinusoidal embedding of the diffusion time (Vaswani et al. 2017 §3.5, as used by Ho et al. 2020).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../rng.ts';
import { normalVariable } from './init.ts';
import { ModuleBase, type ModuleEntries } from './module.ts';

export class Embedding extends ModuleBase {
  /** [numEmbeddings, dim] */
  readonly table: tf.Variable;

  constructor(
    readonly numEmbeddings: number,
    readonly dim: number,
    rng: Rng,
  ) {
    super();
    this.table = normalVariable(rng, [numEmbeddings, dim], 1);
  }

  protected entries(): ModuleEntries {
    return { table: this.table };
  }

  /**
   * @param ids int32 [B] in [0, numEmbeddings)
   * @returns [B, dim]
   */
  apply(ids: tf.Tensor1D): tf.Tensor2D {
    return tf.tidy(() => tf.gather(this.table, ids) as tf.Tensor2D);
  }
}

/**
 * Sinusoidal time embedding [sin(s·t·f_i), cos(s·t·f_i)], f_i = 10000^(−i/half), i < half = dim/2.
 * @param t [B] times (t ∈ [0, 1] for dal's continuous-time models)
 * @param dim embedding width (even)
 * @param scale multiplies t first (1000: the DDPM step count, so frequencies match a discrete-time model)
 * @returns [B, dim]
 */
export function timestepEmbedding(t: tf.Tensor1D, dim: number, scale = 1000): tf.Tensor2D {
  return tf.tidy(() => {
    const half = dim / 2;
    const freqs = new Float32Array(half);
    for (let i = 0; i < half; i++) freqs[i] = Math.exp((-Math.log(10000) * i) / half);
    const arg = tf.mul(tf.reshape(tf.mul(t, scale), [-1, 1]), tf.tensor2d(freqs, [1, half]));
    return tf.concat([tf.sin(arg), tf.cos(arg)], 1) as tf.Tensor2D;
  });
}
