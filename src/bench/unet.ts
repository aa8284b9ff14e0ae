/**
 * `unet`: one training step of the workload U-Net (src/core/nn/unet.ts) on a batch of 32 images 32×32×1 with class
 * labels: x_t = cos(πt/2)·x₀ + sin(πt/2)·ε, t ~ U(0, 1), loss = mean (ε̂ − ε)², backward, Adam (lr 2e-4); also the
 * forward pass alone (`forward_ms`) and the parameter count.
 */
import * as tf from '@tensorflow/tfjs-core';
import { adam } from '../backend/adam.ts';
import { countParameters, parameterList } from '../core/nn/module.ts';
import { UNet, type UNetConfig } from '../core/nn/unet.ts';
import { Rng } from '../core/rng.ts';
import { timeit } from './timing.ts';
import type { WorkloadOptions, WorkloadResult } from './workload.ts';

/** A U-Net small enough for tests to run a step in well under a second on tfjs's cpu backend. */
export const quickUNetConfig: Partial<UNetConfig> = {
  channels: 4,
  channelMult: [1, 2],
  numResBlocks: 1,
  attentionResolutions: [2],
  resolution: 4,
  groups: 2,
};

export function benchUnet({ quick, seed }: WorkloadOptions): WorkloadResult {
  const rng = new Rng(seed);
  const net = new UNet(quick ? quickUNetConfig : {}, rng);
  const { resolution: r, inChannels: c, numClasses } = net.config;
  const batch = quick ? 2 : 32;
  const opt = adam(2e-4, 0.9, 0.999, 1e-8);
  const params = parameterList(net);
  const x0 = rng.normalTensor([batch, r, r, c]) as tf.Tensor4D;
  // labels 0…numClasses−1 and −1 (the null class), as the peer draws 0…10 with 10 the null row
  const labels = tf.tensor1d(Array.from({ length: batch }, () => rng.int(numClasses + 1) - 1), 'int32');
  const reps = quick ? { warmup: 1, reps: 1 } : { warmup: 2, reps: 5 };
  try {
    const step = unetTrainStep(net, opt, params, x0, labels, rng);
    const ms = timeit(() => step().dispose(), reps);
    const forwardMs = timeit(() => {
      tf.tidy(() => {
        net.apply(x0, rng.uniformTensor([batch]) as tf.Tensor1D, labels).dataSync();
      });
    }, reps);
    return { ms, forward_ms: forwardMs, params: countParameters(net) };
  } finally {
    opt.dispose();
    tf.dispose([x0, labels]);
    net.dispose();
  }
}

/**
 * The workload's training step as a reusable closure (also driven by experiments/memory-soak.ts): draws t ~ U(0, 1)
 * and ε, forms x_t, takes one Adam step on mean (ε̂ − ε)² and returns the loss (already read back; caller disposes).
 * @param x0 [B,H,W,C] @param labels [B] int32
 */
export function unetTrainStep(
  net: UNet,
  opt: tf.Optimizer,
  params: tf.Variable[],
  x0: tf.Tensor4D,
  labels: tf.Tensor1D,
  rng: Rng,
): () => tf.Scalar {
  const [batch, h, w, c] = x0.shape;
  return () => {
    const t = rng.uniformTensor([batch]) as tf.Tensor1D;
    const eps = rng.normalTensor([batch, h, w, c]);
    const loss = opt.minimize(
      () =>
        tf.tidy(() => {
          const a = tf.reshape(tf.cos(tf.mul(t, Math.PI / 2)), [-1, 1, 1, 1]);
          const s = tf.reshape(tf.sin(tf.mul(t, Math.PI / 2)), [-1, 1, 1, 1]);
          const xt = tf.add(tf.mul(a, x0), tf.mul(s, eps)) as tf.Tensor4D;
          return tf.mean(tf.square(tf.sub(net.apply(xt, t, labels), eps))) as tf.Scalar;
        }),
      true,
      params,
    )!;
    loss.dataSync();
    tf.dispose([t, eps]);
    return loss;
  };
}
