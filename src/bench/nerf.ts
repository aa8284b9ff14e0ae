/**
 * `nerf`: one training step of the NeRF field (src/nerf): 4096 rays × 64 stratified samples in [1, 4], positional
 * encoding (6 frequencies), MLP 39→64→64→64→4, alpha compositing, MSE to target colours, backward, Adam (lr 1e-3).
 * Rays as the peer draws them: origins N(0, 0.1²) around (0, 0, 2.5), directions normalize(N(0, 0.2²) + (0, 0, −1)).
 */
import * as tf from '@tensorflow/tfjs-core';
import { adam } from '../backend/adam.ts';
import { countParameters, parameterList } from '../core/nn/module.ts';
import { Rng } from '../core/rng.ts';
import { NerfField } from '../nerf/field.ts';
import { composite, compositeWeights } from '../nerf/renderer.ts';
import { stratifiedSamples, type Rays } from '../nerf/sampler.ts';
import { timeit } from './timing.ts';
import type { WorkloadOptions, WorkloadResult } from './workload.ts';

export function benchNerf({ quick, seed }: WorkloadOptions): WorkloadResult {
  const [numRays, numSamples] = quick ? [64, 8] : [4096, 64];
  const [near, far] = [1, 4];
  const rng = new Rng(seed);
  const field = new NerfField({}, rng);
  const opt = adam(1e-3, 0.9, 0.999, 1e-8);
  const rays = benchRays(numRays, rng);
  const target = rng.uniformTensor([numRays, 3]);
  try {
    const ms = timeFieldStep(field, opt, rays, [near, far, numSamples], rng, quick, (color) =>
      tf.mean(tf.square(tf.sub(color, target))) as tf.Scalar,
    );
    return { ms, params: countParameters(field) };
  } finally {
    opt.dispose();
    tf.dispose([rays.origins, rays.directions, target]);
    field.dispose();
  }
}

/**
 * Times one Adam step of `field` whose loss is `lossOfColor` of the rays' composited colours [R, 3] (over
 * `background` [3] when given): stratified samples in [near, far], then the loss, in that order of random draws.
 */
export function timeFieldStep(
  field: NerfField,
  opt: tf.Optimizer,
  rays: Rays,
  [near, far, numSamples]: [number, number, number],
  rng: Rng,
  quick: boolean,
  lossOfColor: (color: tf.Tensor2D) => tf.Scalar,
  background?: tf.Tensor,
): number {
  const params = parameterList(field);
  return timeit(
    () => {
      const { z, points } = stratifiedSamples(rays, near, far, numSamples, rng);
      const loss = opt.minimize(
        () =>
          tf.tidy(() => {
            const { density, rgb } = field.query(points);
            const color = composite(compositeWeights(density as tf.Tensor2D, z), rgb as tf.Tensor3D, background).rgb;
            return lossOfColor(color as tf.Tensor2D);
          }),
        true,
        params,
      )!;
      loss.dataSync();
      tf.dispose([loss, z, points]);
    },
    quick ? { warmup: 1, reps: 1 } : { warmup: 2, reps: 5 },
  );
}

/** The workloads' rays: origins N(0, 0.1²) around (0, 0, 2.5), directions normalize(N(0, 0.2²) + (0, 0, −1)). */
export function benchRays(numRays: number, rng: Rng): Rays {
  return tf.tidy(() => ({
    origins: tf.add(tf.mul(rng.normalTensor([numRays, 3]), 0.1), tf.tensor1d([0, 0, 2.5])) as tf.Tensor2D,
    directions: tf.tidy(() => {
      const d = tf.add(tf.mul(rng.normalTensor([numRays, 3]), 0.2), tf.tensor1d([0, 0, -1]));
      return tf.div(d, tf.norm(d, 'euclidean', 1, true)) as tf.Tensor2D;
    }),
  }));
}
