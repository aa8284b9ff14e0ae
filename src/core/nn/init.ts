/**
 * Parameter initializers matching PyTorch's defaults, drawn from an `Rng` so that a seed fixes every weight.
 *
 * PyTorch's Linear/Conv2d use kaiming_uniform(a = √5) for the weight, i.e. U(±gain·√(3/fan_in)) with
 * gain = √(2/(1+a²)) = √(1/3), which is U(±1/√fan_in); the bias is U(±1/√fan_in) as well (He et al. 2015).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../rng.ts';

/** A trainable variable drawn from U(−bound, bound). Variables are unnamed: names live in `Module.parameters()`. */
export function uniformVariable(rng: Rng, shape: number[], bound: number): tf.Variable {
  return toVariable(rng.uniformTensor(shape, -bound, bound));
}

/** PyTorch's default weight/bias initialization for a layer with `fanIn` inputs: U(±1/√fanIn). */
export function fanInUniform(rng: Rng, shape: number[], fanIn: number): tf.Variable {
  return uniformVariable(rng, shape, 1 / Math.sqrt(fanIn));
}

/** N(0, std²) (PyTorch's `nn.Embedding` default: std = 1). */
export function normalVariable(rng: Rng, shape: number[], std = 1): tf.Variable {
  return toVariable(tf.tidy(() => tf.mul(rng.normalTensor(shape), std)));
}

/** A variable filled with a constant (GroupNorm γ = 1, β = 0; zero-initialized layers). */
export function constantVariable(shape: number[], value: number): tf.Variable {
  return toVariable(tf.fill(shape, value));
}

/** Wraps a fresh tensor as a trainable variable and releases the tensor (the variable keeps the data). */
function toVariable(initial: tf.Tensor): tf.Variable {
  const v = tf.variable(initial);
  initial.dispose();
  return v;
}
