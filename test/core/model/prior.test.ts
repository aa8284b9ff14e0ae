import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { DalError } from '../../../src/core/errors.ts';
import { GaussianMixtureDenoiser, ringMixture } from '../../../src/core/diffusion/gmm.ts';
import { cosineSchedule } from '../../../src/core/diffusion/schedule.ts';
import { makePrior, priorConfig } from '../../../src/core/model/prior.ts';
import { isFrozen } from '../../../src/core/nn/module.ts';
import { Rng } from '../../../src/core/rng.ts';

const ROOT = new URL('../../..', import.meta.url).pathname;

describe('priors from config', () => {
  it('{type: ring} is the exact ring mixture (defaults: ring8, cosine), label-conditioned, guidance 1', () => {
    const prior = makePrior({ type: 'ring' });
    expect(prior.model.spec).toEqual(ringMixture(8, 2, 0.1));
    expect([prior.conditioning, prior.numLabels, prior.guidance]).toEqual(['label', 8, 1]);
    const ref = new GaussianMixtureDenoiser(ringMixture(), cosineSchedule());
    const x = new Rng(0).normalTensor([4, 2]);
    const t = tf.tensor1d([0.1, 0.4, 0.7, 0.95]);
    const cond = { labels: Int32Array.from([0, 3, -1, 7]) };
    expect(Array.from(prior.eps(x, t, cond).dataSync())).toEqual(Array.from(ref.eps(x, t, cond).dataSync()));
    tf.dispose([x, t]);
    prior.dispose();
  });

  it('{type: checkpoint} loads the model frozen, with its data range and evaluated guidance as the default', () => {
    const before = tf.memory().numTensors;
    const prior = makePrior({ type: 'checkpoint', path: join(ROOT, 'checkpoints/mnist-unet') });
    expect(isFrozen(prior.model)).toBe(true);
    expect([prior.conditioning, prior.numLabels, prior.guidance, prior.range]).toEqual(['label', 10, 3, [-1, 1]]);
    expect(prior.sampleShape).toEqual([32, 32, 1]);
    prior.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const p2 = makePrior({ type: 'checkpoint', path: join(ROOT, 'checkpoints/shapes-unet'), guidance: 7.5 });
    expect([p2.conditioning, p2.guidance]).toEqual(['prompt', 7.5]);
    p2.dispose();
  });

  it('a missing checkpoint is a DalError naming it; unknown keys are config errors', () => {
    expect(() => makePrior({ type: 'checkpoint', path: '/nonexistent/model' })).toThrow(DalError);
    expect(() => makePrior({ type: 'checkpoint', path: '/nonexistent/model' })).toThrow(/\/nonexistent\/model/);
    expect(priorConfig.safeParse({ type: 'ring', radus: 2 }).success).toBe(false);
    expect(priorConfig.safeParse({ type: 'checkpoint' }).success).toBe(false);
  });

});
