/** A fully connected layer y = x·W + b, initialized like PyTorch's `nn.Linear`. */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../rng.ts';
import { fanInUniform } from './init.ts';
import { ModuleBase, type ModuleEntries } from './module.ts';

/** Activations a Linear layer applies right after its matmul. */
export type FusedActivation = 'linear' | 'relu';

export class Linear extends ModuleBase {
  /** [inFeatures, outFeatures] */
  readonly kernel: tf.Variable;
  /** [outFeatures], or null without bias */
  readonly bias: tf.Variable | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    rng: Rng,
    opts: { bias?: boolean } = {},
  ) {
    super();
    this.kernel = fanInUniform(rng, [inFeatures, outFeatures], inFeatures);
    this.bias = opts.bias === false ? null : fanInUniform(rng, [outFeatures], inFeatures);
  }

  protected entries(): ModuleEntries {
    return { kernel: this.kernel, bias: this.bias };
  }

  /**
   * @param x [..., inFeatures]
   * @param activation applied to x·W + b
   * @returns [..., outFeatures]
   */
  apply(x: tf.Tensor, activation: FusedActivation = 'linear'): tf.Tensor {
    return tf.tidy(() => {
      const lead = x.shape.slice(0, -1);
      const x2 = x.rank === 2 ? (x as tf.Tensor2D) : tf.reshape(x, [-1, this.inFeatures]) as tf.Tensor2D;
      // The bias stays fused into the matmul; the activation follows it, because tfjs un-fuses a fused activation
      // altogether (matmul, bias add, activation: three kernels) whenever gradients are being recorded.
      const z = tf.fused.matMul({ a: x2, b: this.kernel as tf.Tensor2D, bias: this.bias ?? undefined });
      const y = activation === 'relu' ? tf.relu(z) : z;
      return x.rank === 2 ? y : tf.reshape(y, [...lead, this.outFeatures]);
    });
  }
}
