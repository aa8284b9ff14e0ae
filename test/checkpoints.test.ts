/**
 * The shipped checkpoints (`checkpoints/*`): every one loads (manifest, sizes and SHA-256 of its weight files checked),
 * fits the architecture in its manifest, and gives finite outputs — so a bad commit of a teacher or classifier fails
 * here rather than in a user's run.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadClassifier } from '../src/core/metrics/classifier.ts';
import { Rng } from '../src/core/rng.ts';
import { loadModel, MODEL_MANIFEST, readModelManifest } from '../src/core/model/model-dir.ts';
import { countParameters, isFrozen } from '../src/core/nn/module.ts';
import { loadGenerator } from '../src/distill/export.ts';

const ROOT = 'checkpoints';
const dirs = readdirSync(ROOT).filter((d) => existsSync(join(ROOT, d, MODEL_MANIFEST)));
const manifestOf = (d: string) => JSON.parse(readFileSync(join(ROOT, d, MODEL_MANIFEST), 'utf8')) as { format?: string; kind?: string };
const isModel = (d: string) => manifestOf(d).format === 'dal-model';
const isTeacher = (d: string) => isModel(d) && manifestOf(d).kind === 'unet-denoiser';
const isGenerator = (d: string) => isModel(d) && manifestOf(d).kind === 'onestep-generator';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('shipped checkpoints', () => {
  it('include the MNIST teacher and both classifiers', () => {
    expect(dirs).toEqual(expect.arrayContaining(['mnist-unet', 'mnist-classifier', 'shapes-classifier']));
  });

  it.each(dirs.filter(isTeacher))('%s: loads (frozen), has the parameter count of its manifest, and gives a finite ε̂', (d) => {
    const before = tf.memory().numTensors;
    const { denoiser, manifest } = loadModel(join(ROOT, d));
    expect(denoiser.parameterCount).toBe(manifest.parameters);
    expect(isFrozen(denoiser)).toBe(true); // a loaded teacher is a constant to every optimizer
    const rng = new Rng(0);
    const x = rng.normalTensor([2, ...denoiser.sampleShape]);
    const t = tf.tensor1d([0.3, 0.9]);
    const cond = denoiser.conditioning === 'prompt' ? { prompts: ['a red cube, side view', ''] } : { labels: Int32Array.from([3, -1]) };
    const eps = denoiser.eps(x, t, cond);
    expect(eps.shape).toEqual(x.shape);
    expect(Array.from(eps.dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose([x, t, eps]);
    denoiser.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each(dirs.filter(isGenerator))('%s: loads as a one-step generator (frozen) of its recorded teacher and draws finite images', (d) => {
    const before = tf.memory().numTensors;
    const { generator, manifest } = loadGenerator(join(ROOT, d));
    expect(countParameters(generator)).toBe(manifest.parameters);
    expect(isFrozen(generator.net)).toBe(true);
    // the source teacher it was distilled from is the shipped one (its weights' SHA-256)
    const teacher = readModelManifest(manifest.source.teacher);
    expect(manifest.source.sha256).toBe(teacher.files[0].sha256);
    const cond = generator.net.conditioning === 'prompt' ? { prompts: ['a red cube, side view', 'a blue torus, front view'] } : { labels: Int32Array.from([3, 7]) };
    const x = generator.draw(2, cond, new Rng(0));
    expect(x.shape).toEqual([2, ...generator.sampleShape]);
    expect(Array.from(x.dataSync()).every((v) => Number.isFinite(v) && v >= -1 && v <= 1)).toBe(true);
    x.dispose();
    generator.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each(dirs.filter((d) => !isModel(d)))('%s: loads as a classifier', (d) => {
    const { model, info } = loadClassifier(join(ROOT, d));
    expect(info.format).toBe('dal-classifier');
    model.dispose();
  });
});
