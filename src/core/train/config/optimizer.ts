/**
 * Optimizer configs and their tfjs optimizers. The learning rate is a schedulable `Scalar`, set before every step
 * (`setLearningRate`), so it stays a pure function of the step and a resumed run matches an uninterrupted one.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as z from 'zod';
import { adam } from '../../../backend/adam.ts';
import { scalar } from './schema.ts';

/** Adam (Kingma & Ba 2015, Algorithm 1) with tfjs's defaults for β₁, β₂, ε. */
export const adamConfig = z.strictObject({
  type: z.literal('adam'),
  lr: scalar({ min: 0, exclusiveMin: true }),
  beta1: z.number().min(0).lt(1).default(0.9),
  beta2: z.number().min(0).lt(1).default(0.999),
  epsilon: z.number().positive().default(1e-8),
});

/** Plain gradient descent, x ← x − lr·g. */
export const sgdConfig = z.strictObject({
  type: z.literal('sgd'),
  lr: scalar({ min: 0, exclusiveMin: true }),
});

export const optimizerConfig = z.discriminatedUnion('type', [adamConfig, sgdConfig]);
export type OptimizerConfig = z.infer<typeof optimizerConfig>;

/** The tfjs optimizer of a config, with the learning rate of step 0 (Adam: fused on the native backend). */
export function makeOptimizer(cfg: OptimizerConfig, steps: number): tf.Optimizer {
  const lr = cfg.lr.at(0, steps);
  switch (cfg.type) {
    case 'adam':
      return adam(lr, cfg.beta1, cfg.beta2, cfg.epsilon);
    case 'sgd':
      return tf.train.sgd(lr);
    default: {
      const never: never = cfg;
      throw new Error(`unknown optimizer ${JSON.stringify(never)}`);
    }
  }
}

/**
 * Sets the learning rate for the coming update. tfjs reads `learningRate` on every `applyGradients` (Adam, SGD) but
 * exposes it read-only in its typings.
 */
export function setLearningRate(opt: tf.Optimizer, lr: number): void {
  const o = opt as unknown as { learningRate: number };
  if (o.learningRate === lr) return;
  // SGD caches −lr as a scalar tensor, which its own setter replaces. (Not `instanceof tf.SGDOptimizer`: tfjs's
  // Optimizer.[Symbol.hasInstance] makes every optimizer, Adam included, an instance of it.)
  const sgd = opt as unknown as { setLearningRate?: (lr: number) => void };
  if (typeof sgd.setLearningRate === 'function') sgd.setLearningRate(lr);
  else o.learningRate = lr;
}
