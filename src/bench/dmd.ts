/**
 * `dmd`: one DMD iteration (Yin et al. 2023, Alg. 1) at batch 16 of 32×32×1 with labels, built from dal's own
 * pieces: three workload U-Nets as ε-`Denoiser`s (src/core/model/unet-denoiser.ts) — the generator G, the frozen
 * real score (CFG 2 through `withGuidance`: one forward of 32) and the fake score — the detached-target loss
 * (src/core/diffusion/detached-target.ts) and the denoising loss (src/core/diffusion/denoising-loss.ts).
 *
 * 1. x = (z − σ_g·ε̂_G(z, t_g, y)) / max(α_g, 0.05), z ~ N(0, I), t_g = 0.98 (one pass of G, on the tape);
 * 2. x_t = α·x + σ·ε at t ~ U[0.02, 0.98]; off the tape: x̂_real (CFG 2), x̂_fake, and the DM gradient
 *    g = (x̂_fake − x̂_real) / mean|x − x̂_real| per sample (DMD eq. 8), divided by x's size so that the loss is
 *    ½·mean‖x − stopgrad(x − g)‖² as in the PyTorch peer; backward through G, Adam (lr 1e-5) on G;
 * 3. one denoising step of the fake score on the detached x (ε regression, t ~ U[0, 1]; forward, backward, Adam).
 */
import * as tf from '@tensorflow/tfjs-core';
import { adam } from '../backend/adam.ts';
import { denoisingLoss } from '../core/diffusion/denoising-loss.ts';
import { detachedTargetLoss } from '../core/diffusion/detached-target.ts';
import { withGuidance } from '../core/diffusion/guidance.ts';
import { perSample, x0FromEps } from '../core/diffusion/parameterization.ts';
import { cosineSchedule } from '../core/diffusion/schedule.ts';
import { UNetDenoiser } from '../core/model/unet-denoiser.ts';
import { freeze, parameterList } from '../core/nn/module.ts';
import { Rng } from '../core/rng.ts';
import { timeit } from './timing.ts';
import { quickUNetConfig } from './unet.ts';
import type { WorkloadOptions, WorkloadResult } from './workload.ts';

const T_GENERATOR = 0.98;

export function benchDmd({ quick, seed }: WorkloadOptions): WorkloadResult {
  const rng = new Rng(seed);
  const batch = quick ? 2 : 16;
  const schedule = cosineSchedule();
  const make = () => new UNetDenoiser({ unet: quick ? quickUNetConfig : {}, prompt: null }, schedule, 'eps', rng);
  const gen = make();
  const real = freeze(make());
  const fake = make();
  const realCfg = withGuidance(real, 2);
  const optG = adam(1e-5, 0.9, 0.999, 1e-8);
  const optF = adam(1e-5, 0.9, 0.999, 1e-8);
  const genParams = parameterList(gen);
  const fakeParams = parameterList(fake);
  const shape = [batch, ...gen.sampleShape];
  const cond = { labels: Int32Array.from({ length: batch }, () => rng.int(10)) };
  const tg = tf.fill([batch], T_GENERATOR) as tf.Tensor1D;
  const alphaG = Math.max(schedule.alpha(T_GENERATOR), 0.05);
  const sigmaG = schedule.sigma(T_GENERATOR);

  /** g [B,H,W,C] of the DM gradient at x, off the tape (called by detachedTargetLoss's forward pass). */
  const dmGradient = (x: tf.Tensor) =>
    tf.tidy(() => {
      const t = tf.tensor1d(rng.uniformArray(batch, 0.02, 0.98));
      const alpha = perSample(schedule.alphaT(t), 4);
      const sigma = perSample(schedule.sigmaT(t), 4);
      const xt = tf.add(tf.mul(alpha, x), tf.mul(sigma, rng.normalTensor(shape)));
      const xReal = x0FromEps(xt, realCfg.eps(xt, t, cond), alpha, sigma);
      const xFake = x0FromEps(xt, fake.eps(xt, t, cond), alpha, sigma);
      const norm = tf.mean(tf.abs(tf.sub(x, xReal)), [1, 2, 3], true);
      return tf.div(tf.div(tf.sub(xFake, xReal), norm), x.size);
    });

  try {
    const ms = timeit(
      () => {
        const z = rng.normalTensor(shape);
        let sample: tf.Tensor | null = null;
        const lossG = optG.minimize(
          () =>
            tf.tidy(() => {
              const x = tf.div(tf.sub(z, tf.mul(gen.eps(z, tg, cond), sigmaG)), alphaG);
              sample = tf.keep(x);
              return detachedTargetLoss(x, dmGradient);
            }),
          true,
          genParams,
        )!;
        const lossF = optF.minimize(() => denoisingLoss(fake, sample!, cond, rng).loss, true, fakeParams)!;
        lossG.dataSync();
        lossF.dataSync();
        tf.dispose([z, sample!, lossG, lossF]);
      },
      quick ? { warmup: 1, reps: 1 } : { warmup: 1, reps: 3 },
    );
    return { ms, params: gen.parameterCount };
  } finally {
    tf.dispose([tg]);
    optG.dispose();
    optF.dispose();
    for (const m of [gen, real, fake]) m.dispose();
  }
}
