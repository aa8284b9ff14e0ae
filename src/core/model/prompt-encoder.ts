/**
 * A small learned prompt encoder for the teachers: word tokens (src/core/text/tokenizer.ts) → embedding table →
 * masked mean pooling (a bag of words: dal's prompts name a colour, a shape and a view, whose order carries nothing)
 * → two-layer SiLU MLP → a conditioning vector added to the U-Net's time embedding (as a class embedding is, Ho &
 * Salimans 2022 §3). The empty prompt — all padding — is the null condition of classifier-free guidance and maps to a
 * learned null vector of its own.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../rng.ts';
import { silu } from '../nn/activations.ts';
import { Embedding } from '../nn/embedding.ts';
import { normalVariable } from '../nn/init.ts';
import { Linear } from '../nn/linear.ts';
import { ModuleBase, type ModuleEntries } from '../nn/module.ts';
import { encodeBatch, PAD_ID, vocabSize } from '../text/tokenizer.ts';

export interface PromptEncoderConfig {
  /** Width of the word embeddings. */
  dim: number;
  /** Prompts are truncated to this many tokens. */
  maxLen: number;
}

export const defaultPromptEncoderConfig: Readonly<PromptEncoderConfig> = { dim: 64, maxLen: 12 };

export class PromptEncoder extends ModuleBase {
  /** [vocabSize, dim] */
  readonly words: Embedding;
  readonly fc1: Linear;
  readonly fc2: Linear;
  /** [outDim], the embedding of the empty (null) prompt */
  readonly nullEmb: tf.Variable;

  constructor(
    readonly config: Readonly<PromptEncoderConfig>,
    /** width of the output = the U-Net's embedding width */
    readonly outDim: number,
    rng: Rng,
  ) {
    super();
    const { dim, maxLen } = config;
    if (!Number.isInteger(dim) || dim < 1 || !Number.isInteger(maxLen) || maxLen < 1) {
      throw new Error(`PromptEncoder: dim and maxLen must be positive integers, got ${dim}, ${maxLen}`);
    }
    this.words = new Embedding(vocabSize, dim, rng);
    this.fc1 = new Linear(dim, outDim, rng);
    this.fc2 = new Linear(outDim, outDim, rng);
    this.nullEmb = normalVariable(rng, [outDim], 0.02);
  }

  protected entries(): ModuleEntries {
    return { words: this.words, fc1: this.fc1, fc2: this.fc2, null: this.nullEmb };
  }

  /**
   * @param prompts [B] strings; '' (any prompt without a word) is the null prompt
   * @returns [B, outDim]
   */
  apply(prompts: readonly string[]): tf.Tensor2D {
    const b = prompts.length;
    const { maxLen } = this.config;
    const ids = encodeBatch(prompts, maxLen);
    const mask = new Float32Array(b * maxLen);
    const isNull = new Float32Array(b);
    for (let i = 0; i < b; i++) {
      let n = 0;
      for (let j = 0; j < maxLen; j++) if (ids[i * maxLen + j] !== PAD_ID) (mask[i * maxLen + j] = 1), n++;
      if (n === 0) isNull[i] = 1;
      else for (let j = 0; j < maxLen; j++) mask[i * maxLen + j] /= n;
    }
    return tf.tidy(() => {
      const e = tf.reshape(this.words.apply(tf.tensor1d(ids, 'int32')), [b, maxLen, this.config.dim]);
      // Σ_j mask_ij · e_ij with mask = 1/n on the n real tokens: the mean of the word embeddings.
      const pooled = tf.sum(tf.mul(e, tf.tensor3d(mask, [b, maxLen, 1])), 1) as tf.Tensor2D;
      const h = this.fc2.apply(silu(this.fc1.apply(pooled))) as tf.Tensor2D;
      const nullMask = tf.tensor2d(isNull, [b, 1]);
      // Null rows take the learned null vector (their pooled input is 0, so h there is a constant anyway).
      return tf.add(tf.mul(h, tf.sub(1, nullMask)), tf.mul(nullMask, tf.reshape(this.nullEmb, [1, this.outDim]))) as tf.Tensor2D;
    });
  }
}
