import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { DalError } from '../../../src/core/errors.ts';
import { withGuidance } from '../../../src/core/diffusion/guidance.ts';
import { sample } from '../../../src/core/diffusion/samplers.ts';
import { cosineSchedule } from '../../../src/core/diffusion/schedule.ts';
import { MODEL_KINDS, openModel, openSampleSource, saveDenoiser } from '../../../src/core/model/model-dir.ts';
import { makePrior } from '../../../src/core/model/prior.ts';
import { denoiserSource } from '../../../src/core/model/sample-source.ts';
import { UNetDenoiser } from '../../../src/core/model/unet-denoiser.ts';
import { Rng } from '../../../src/core/rng.ts';

const arch = { unet: { channels: 8, channelMult: [1, 2], numResBlocks: 1, attentionResolutions: [], resolution: 8, groups: 4, numClasses: 10 }, prompt: null };
const dir = mkdtempSync(join(tmpdir(), 'dal-source-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const teacher = new UNetDenoiser(arch, cosineSchedule(), 'eps', new Rng(0));
saveDenoiser(dir, teacher, { data: { name: 'mnist', range: [-1, 1] }, training: { steps: 0, seconds: 0 }, metrics: { 'ddim50_cfg2/accuracy': 0.5 } });

describe('sample sources', () => {
  it('a unet-denoiser directory draws what the sampler draws (guided, x̂₀ clipped to the data range), in chunks with one generator', () => {
    const before = tf.memory().numTensors;
    const source = openSampleSource(dir);
    expect([source.conditioning, source.numLabels, source.guidance, source.range]).toEqual(['label', 10, 2, [-1, 1]]);
    expect(source.samplers).toEqual(['ddim', 'ddpm', 'heun']);
    const labels = Int32Array.from([1, 2, 3]);
    // DDIM η = 0 draws only x_T, so chunks of 2 + 1 see the same noise as one batch of 3.
    const got = source.draw(3, { sampler: 'ddim', steps: 3, cond: { labels }, rng: new Rng(4), maxBatch: 2 });
    const want = sample(withGuidance(teacher, 2), 3, { sampler: 'ddim', steps: 3, cond: { labels }, rng: new Rng(4), clipX0: [-1, 1] });
    expect(got.shape).toEqual([3, 8, 8, 1]);
    const d = tf.tidy(() => tf.max(tf.abs(tf.sub(got, want))).dataSync()[0]);
    expect(d).toBeLessThan(1e-5);
    tf.dispose([got, want]);
    expect(() => source.draw(1, { sampler: 'onestep', steps: 1, rng: new Rng(0) })).toThrow(/no 'onestep' sampler/);
    source.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('an analytic prior is a source too (no data range: no clipping)', () => {
    const prior = makePrior({ type: 'ring' });
    const source = denoiserSource(prior, prior);
    const x = source.draw(4, { steps: 5, cond: { labels: new Int32Array(4).fill(3) }, rng: new Rng(0) });
    const want = sample(prior, 4, { sampler: 'ddim', steps: 5, cond: { labels: new Int32Array(4).fill(3) }, rng: new Rng(0) });
    expect(Array.from(x.dataSync())).toEqual(Array.from(want.dataSync()));
    tf.dispose([x, want]);
  });

  it('the kind table decides what a directory can be; an unknown kind is refused naming it', () => {
    expect(Object.keys(MODEL_KINDS)).toContain('unet-denoiser');
    const opened = openModel(dir);
    expect(opened.kind).toBe('unet-denoiser');
    opened.model.dispose();
    const other = mkdtempSync(join(tmpdir(), 'dal-source-'));
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    writeFileSync(join(other, 'manifest.json'), JSON.stringify({ ...m, kind: 'vae' }));
    expect(() => openModel(other)).toThrow(DalError);
    expect(() => openModel(other)).toThrow(/kind of: unet-denoiser; given "dal-model", "vae"/);
    rmSync(other, { recursive: true, force: true });
  });
});
