/** sampleTeacher: balanced conditions, images in [0, 1], and a chunked call resumed after an interruption. */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/rng.ts';
import { cosineSchedule } from '../../../src/core/diffusion/schedule.ts';
import { sampleTeacher, type TeacherSampleOptions, type TeacherSamplingState } from '../../../src/core/metrics/evaluate-model.ts';
import type { ModelManifest } from '../../../src/core/model/model-dir.ts';
import { UNetDenoiser } from '../../../src/core/model/unet-denoiser.ts';

const unet = { channels: 8, channelMult: [1, 2], numResBlocks: 1, attentionResolutions: [], groups: 4, numClasses: 10 };
const model = new UNetDenoiser({ unet, prompt: null }, cosineSchedule(), 'eps', new Rng(0));
const manifest = { data: { name: 'mnist', range: [-1, 1] } } as unknown as ModelManifest;
afterAll(() => model.dispose());

describe('sampleTeacher', () => {
  // DDPM draws fresh noise at every step, so a resumed call only matches if the generator state is carried over.
  const opts: TeacherSampleOptions = { n: 5, chunk: 2, sampler: 'ddpm', steps: 3, guidance: 3, seed: 11 };

  it('draws balanced labels and [0, 1] images, leaking no tensors', () => {
    const before = tf.memory().numTensors;
    const s = sampleTeacher(model, manifest, opts);
    expect(tf.memory().numTensors).toBe(before);
    expect(s.shape).toEqual([5, 32, 32, 1]);
    expect(Array.from(s.requested.digit)).toEqual([0, 1, 2, 3, 4]);
    expect(Math.min(...s.images) >= 0 && Math.max(...s.images) <= 1).toBe(true);
  });

  it('resumed from the state of its last chunk, gives the samples of the uninterrupted call', () => {
    const full = sampleTeacher(model, manifest, opts);
    let saved: TeacherSamplingState | undefined;
    const interrupt = new Error('killed');
    expect(() =>
      sampleTeacher(model, manifest, {
        ...opts,
        onChunk: (done, _n, state) => {
          saved = { ...state, images: state.images.slice() };
          if (done === 4) throw interrupt;
        },
      }),
    ).toThrow(interrupt);
    expect(saved!.done).toBe(4);
    const chunks: number[] = [];
    const resumed = sampleTeacher(model, manifest, { ...opts, resume: saved, onChunk: (done) => chunks.push(done) });
    expect(chunks).toEqual([5]);
    expect(Array.from(resumed.images)).toEqual(Array.from(full.images));
    expect(() => sampleTeacher(model, manifest, { ...opts, resume: { ...saved!, done: 3 } })).toThrow(/cannot resume at 3 of 5/);
  });
});
