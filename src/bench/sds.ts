/**
 * `sds`: one DreamFusion step at the teacher's resolution, built from dal's own pieces — the `nerf` workload's field
 * (src/nerf/field.ts), the stratified sampler and the renderer over a white background, and `sds()`
 * (src/core/diffusion/sds.ts: the detached-target loss ½ Σ g² with g = σ²·(ε̃ − ε), CFG by `withGuidance`) with the
 * workload U-Net (3 channels, 1,824,003 parameters) frozen as the prior. 4 views of 32×32 = 4 × 1024 rays × 64
 * samples in [1, 4]; x = 2·render − 1; t ~ U[0.02, 0.98] (cosine schedule); CFG 7.5 on 4 labels (one batched forward
 * of 8: 4 labelled, 4 null, off the tape); Adam (lr 1e-3) on the field only.
 */
import * as tf from '@tensorflow/tfjs-core';
import { adam } from '../backend/adam.ts';
import { cosineSchedule } from '../core/diffusion/schedule.ts';
import { sds } from '../core/diffusion/sds.ts';
import { UNetDenoiser } from '../core/model/unet-denoiser.ts';
import { countParameters, freeze } from '../core/nn/module.ts';
import { Rng } from '../core/rng.ts';
import { NerfField } from '../nerf/field.ts';
import { benchRays, timeFieldStep } from './nerf.ts';
import { quickUNetConfig } from './unet.ts';
import type { WorkloadOptions, WorkloadResult } from './workload.ts';

export function benchSds({ quick, seed }: WorkloadOptions): WorkloadResult {
  const rng = new Rng(seed);
  const views = quick ? 1 : 4;
  const numSamples = quick ? 8 : 64;
  const field = new NerfField({}, rng);
  const prior = freeze(new UNetDenoiser({ unet: { ...(quick ? quickUNetConfig : {}), inChannels: 3 }, prompt: null }, cosineSchedule(), 'eps', rng));
  const size = prior.sampleShape[0];
  const numRays = views * size * size;
  const opt = adam(1e-3, 0.9, 0.999, 1e-8);
  const rays = benchRays(numRays, rng);
  const white = tf.ones([3]);
  const labels = Int32Array.from({ length: views }, () => rng.int(10));
  const sdsOptions = { tMin: 0.02, tMax: 0.98, weighting: 'sigma2', cfgScale: 7.5, cond: { labels } } as const;
  try {
    const ms = timeFieldStep(
      field,
      opt,
      rays,
      [1, 4, numSamples],
      rng,
      quick,
      (color) => sds(prior, tf.sub(tf.mul(tf.reshape(color, [views, size, size, 3]), 2), 1), sdsOptions, rng).loss,
      white,
    );
    return { ms, params: countParameters(field), unet_params: prior.parameterCount };
  } finally {
    opt.dispose();
    tf.dispose([rays.origins, rays.directions, white]);
    field.dispose();
    prior.dispose();
  }
}
