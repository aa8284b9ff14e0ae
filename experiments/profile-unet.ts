/**
 * Per-kernel time profile of one U-Net training step (the `unet` workload of ../shared/bench/WORKLOADS.md: batch 32
 * of 32×32×1 with labels, x_t = cos(πt/2)·x₀ + sin(πt/2)·ε, MSE on ε, Adam 2e-4).
 *
 *   npx tsx experiments/profile-unet.ts [--backend native|cpu] [--batch 32] [--steps 3] [--forward] [--cpu]
 *
 * Prints the wall time of each timed step, then the kernel table of the last one, sorted by total time.
 * With --forward, profiles the forward pass alone (the bench's `forward_ms`) instead of the training step.
 * With --cpu, prints CPU time per kernel over `steps` steps instead (see cpuProfile; for a busy machine).
 */
import * as tf from '@tensorflow/tfjs-core';
import { adam } from '../src/backend/adam.ts';
import { initBackend, type BackendName } from '../src/backend/index.ts';
import { countParameters, parameterList } from '../src/core/nn/module.ts';
import { UNet } from '../src/core/nn/unet.ts';
import { Rng } from '../src/core/rng.ts';
import { cpuProfile, flag, timeAndProfile } from './profile-table.ts';

const backend = await initBackend(flag('backend', 'native') as BackendName);
const batch = Number(flag('batch', '32'));
const steps = Number(flag('steps', '3'));
const rng = new Rng(0);
const net = new UNet({}, rng);
const opt = adam(2e-4);
const x0 = rng.normalTensor([batch, 32, 32, 1]) as tf.Tensor4D;
const labels = tf.tensor1d(Array.from({ length: batch }, () => rng.int(11)), 'int32');
const vars = parameterList(net);

function step(): void {
  const t = rng.uniformTensor([batch]) as tf.Tensor1D;
  const eps = rng.normalTensor([batch, 32, 32, 1]);
  const loss = opt.minimize(
    () =>
      tf.tidy(() => {
        const angle = tf.reshape(tf.mul(t, Math.PI / 2), [batch, 1, 1, 1]);
        const xt = tf.add(tf.mul(tf.cos(angle), x0), tf.mul(tf.sin(angle), eps)) as tf.Tensor4D;
        return tf.mean(tf.squaredDifference(net.apply(xt, t, labels), eps)) as tf.Scalar;
      }),
    true,
    vars,
  );
  loss?.dataSync();
  tf.dispose([t, eps, loss as tf.Tensor]);
}

/** The forward pass alone, as the bench's forward_ms times it. */
function forward(): void {
  tf.tidy(() => {
    net.apply(x0, rng.uniformTensor([batch]) as tf.Tensor1D, labels).dataSync();
  });
}

const forwardOnly = process.argv.includes('--forward');
console.log(`backend ${backend}, U-Net ${countParameters(net)} parameters, batch ${batch}, ${forwardOnly ? 'forward' : 'training step'}`);
if (process.argv.includes('--cpu')) await cpuProfile(forwardOnly ? forward : step, steps);
else await timeAndProfile(forwardOnly ? forward : step, steps);
