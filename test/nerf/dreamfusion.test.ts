/**
 * The `dreamfusion` system on the shipped shapes teacher, at a tiny size (1 view, 8 samples per ray): a step leaks no
 * tensors and leaves the teacher unchanged, state/load continue a run exactly, a NaN stops the run naming the step and
 * the term with the last good checkpoint kept, the cameras reach a camera-conditioned teacher, and a bad prompt is
 * refused at config load.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { DalError } from '../../src/core/errors.ts';
import { parseSet, loadConfig } from '../../src/core/train/config/load.ts';
import { RunDir } from '../../src/core/train/run.ts';
import { train } from '../../src/core/train/trainer.ts';
import { DreamfusionSystem } from '../../src/nerf/dreamfusion.ts';
import { runConfig, type RunConfig } from '../../src/systems.ts';
import { ROOT } from '../cli/dal.ts';

const CONFIG = join(ROOT, 'configs/dreamfusion/red-cube.yaml');
const tiny = [
  'system.viewsPerStep=1',
  'system.render.numSamples=8',
  'system.field.hiddenWidth=16',
  'system.shading.warmupSteps=2',
  'system.regularizers={orientation: 0.1, sparsity: 0.01, opaque: 0.01}',
  `system.prior.path=${join(ROOT, 'checkpoints/shapes-unet')}`,
  `system.classifier=${join(ROOT, 'checkpoints/shapes-classifier')}`,
  'trainer={steps: 6, logEvery: 1, imageEvery: 0, checkpointEvery: 2}',
];

function config(extra: string[] = []): RunConfig & { system: { type: 'dreamfusion' } } {
  const cfg = loadConfig(runConfig, CONFIG, [...tiny, ...extra].map(parseSet));
  if (cfg.system.type !== 'dreamfusion') throw new Error('not a dreamfusion config');
  return cfg as RunConfig & { system: { type: 'dreamfusion' } };
}

function system(cfg = config()) {
  const run = new RunDir(mkdtempSync(join(tmpdir(), 'dal-df-')));
  return { sys: new DreamfusionSystem(cfg.system, { seed: 3, steps: cfg.trainer.steps, run, log: () => {} }), run, cfg };
}

const values = (s: DreamfusionSystem) => Object.values(s.field.parameters()).map((v) => Array.from(v.dataSync()));

describe('dreamfusion system', () => {
  it('one SDS step (shaded, with every regularizer) leaks no tensors and moves the field', () => {
    const { sys } = system();
    sys.step(0); // the optimizer's slots are created on the first step
    const before = tf.memory().numTensors;
    const p0 = values(sys);
    const terms = sys.step(2); // after the warm-up: shading and normals on
    expect(tf.memory().numTensors).toBe(before);
    expect(values(sys)).not.toEqual(p0);
    for (const k of ['loss/sds', 'loss/orientation', 'loss/sparsity', 'loss/opaque', 'loss/total', 'sds/gradNorm']) {
      expect(Number.isFinite(terms[k]), k).toBe(true);
    }
    sys.dispose();
  });

  it('state() and load() continue a run exactly (the basis of --resume)', async () => {
    const a = system().sys;
    for (let s = 0; s < 4; s++) a.step(s);
    const b = system().sys;
    for (let s = 0; s < 2; s++) b.step(s);
    const st = await b.state();
    const c = system().sys;
    await c.load(st);
    tf.dispose(Object.values(st.tensors));
    for (let s = 2; s < 4; s++) c.step(s);
    expect(values(c)).toEqual(values(a));
    [a, b, c].forEach((s) => s.dispose());
  });

  it('a NaN stops the run naming the step and the term, keeping the last good checkpoint', async () => {
    const { sys, run, cfg } = system();
    const step = sys.step.bind(sys);
    sys.step = (s: number) => {
      if (s === 3) tf.tidy(() => Object.values(sys.field.parameters())[0].assign(tf.fill(Object.values(sys.field.parameters())[0].shape, NaN)));
      return step(s);
    };
    await expect(train(sys, cfg.trainer, { seed: 3, steps: 6, run, log: () => {} }, { configYaml: '' })).rejects.toThrow(/step 3: loss\/sds is NaN.*--resume from the last good checkpoint/);
    expect(JSON.parse(readFileSync(join(run.checkpoints, 'manifest.json'), 'utf8')).step).toBe(2);
    sys.dispose();
  });

  it('gives a camera-conditioned prior the cameras (system.prior.camera), and a view-word prior nothing more', () => {
    const after = (prior: string, camera: boolean) => {
      const { sys } = system(config([`system.prior.path=${join(ROOT, 'checkpoints', prior)}`, `system.prior.camera=${camera}`]));
      sys.step(0);
      const v = values(sys);
      sys.dispose();
      return v;
    };
    expect(after('shapes-unet-cam', true)).not.toEqual(after('shapes-unet-cam', false));
    expect(after('shapes-unet', true)).toEqual(after('shapes-unet', false));
  });

  it('refuses an unknown prompt word at config load, listing the known words', () => {
    expect(() => config(['system.prompt=a red cub'])).toThrow(DalError);
    expect(() => config(['system.prompt=a red cub'])).toThrow(/system\.prompt.*unknown word "cub".*known shapes: sphere, cube/);
  });
});
