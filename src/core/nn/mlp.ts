/**
 * A multilayer perceptron: Linear layers of the given widths with an activation between them and an optional one
 * at the output. Used by the NeRF field and the toy generators / score networks.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../rng.ts';
import { activate, type ActivationName } from './activations.ts';
import { Linear } from './linear.ts';
import { ModuleBase, type ModuleEntries } from './module.ts';

export interface MLPConfig {
  /** [in, hidden…, out]; at least two entries */
  widths: number[];
  /** between hidden layers; default 'relu' */
  activation?: ActivationName;
  /** after the last layer; default 'linear' */
  outputActivation?: ActivationName;
}

export class MLP extends ModuleBase {
  readonly layers: Linear[];
  readonly activation: ActivationName;
  readonly outputActivation: ActivationName;

  constructor(
    readonly config: MLPConfig,
    rng: Rng,
  ) {
    super();
    const { widths } = config;
    if (widths.length < 2 || widths.some((w) => !Number.isInteger(w) || w <= 0)) {
      throw new Error(`MLP: widths must be ≥ 2 positive integers, got [${widths}]`);
    }
    this.activation = config.activation ?? 'relu';
    this.outputActivation = config.outputActivation ?? 'linear';
    this.layers = widths.slice(1).map((w, i) => new Linear(widths[i], w, rng));
  }

  protected entries(): ModuleEntries {
    return { layers: this.layers };
  }

  get inFeatures(): number {
    return this.config.widths[0];
  }

  get outFeatures(): number {
    return this.config.widths[this.config.widths.length - 1];
  }

  /**
   * @param x [..., widths[0]]
   * @returns [..., widths[last]]
   */
  apply(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const lead = x.shape.slice(0, -1);
      let h = x.rank === 2 ? x : tf.reshape(x, [-1, this.inFeatures]);
      this.layers.forEach((layer, i) => {
        const act = i === this.layers.length - 1 ? this.outputActivation : this.activation;
        // relu fuses into the matmul (a differentiable fused op); others follow it
        h = act === 'relu' ? layer.apply(h, 'relu') : activate(layer.apply(h), act);
      });
      return x.rank === 2 ? h : tf.reshape(h, [...lead, this.outFeatures]);
    });
  }
}
