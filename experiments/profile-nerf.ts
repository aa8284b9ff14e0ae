/**
 * Per-kernel time profile of one NeRF training step (the `nerf` workload of ../shared/bench/WORKLOADS.md: 4096 rays ×
 * 64 stratified samples, γ with 6 frequencies, MLP 39→64→64→64→4, alpha compositing, MSE, Adam 1e-3).
 *
 *   npx tsx experiments/profile-nerf.ts [--backend native|cpu] [--rays 4096] [--steps 3]
 */
import * as tf from '@tensorflow/tfjs-core';
import { adam } from '../src/backend/adam.ts';
import { initBackend, type BackendName } from '../src/backend/index.ts';
import { countParameters, parameterList } from '../src/core/nn/module.ts';
import { Rng } from '../src/core/rng.ts';
import { NerfField } from '../src/nerf/field.ts';
import { composite, compositeWeights } from '../src/nerf/renderer.ts';
import { stratifiedSamples } from '../src/nerf/sampler.ts';
import { flag, timeAndProfile } from './profile-table.ts';

const backend = await initBackend(flag('backend', 'native') as BackendName);
const rays = Number(flag('rays', '4096'));
const steps = Number(flag('steps', '3'));
const samples = 64;
const rng = new Rng(0);
const field = new NerfField({}, rng);
const opt = adam(1e-3);
const origins = tf.tidy(() => tf.add(tf.mul(rng.normalTensor([rays, 3]), 0.1), tf.tensor1d([0, 0, 2.5]))) as tf.Tensor2D;
const directions = tf.tidy(() => {
  const d = tf.add(tf.mul(rng.normalTensor([rays, 3]), 0.2), tf.tensor1d([0, 0, -1]));
  return tf.div(d, tf.norm(d, 'euclidean', 1, true));
}) as tf.Tensor2D;
const target = rng.uniformTensor([rays, 3]);
const vars = parameterList(field);

function step(): void {
  const { z, points } = stratifiedSamples({ origins, directions }, 1, 4, samples, rng);
  const loss = opt.minimize(
    () =>
      tf.tidy(() => {
        const { density, rgb } = field.query(points);
        const weights = compositeWeights(density as tf.Tensor2D, z);
        return tf.mean(tf.squaredDifference(composite(weights, rgb as tf.Tensor3D).rgb, target)) as tf.Scalar;
      }),
    true,
    vars,
  );
  loss?.dataSync();
  tf.dispose([z, points, loss as tf.Tensor]);
}

console.log(`backend ${backend}, NeRF field ${countParameters(field)} parameters, ${rays} rays × ${samples} samples`);
await timeAndProfile(step, steps);
