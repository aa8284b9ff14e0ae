/** Teacher export (src/teacher/export.ts): a run's latest checkpoint → the shipped model-directory format. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { DalError } from '../../src/core/errors.ts';
import { loadCheckpoint } from '../../src/core/train/checkpoint.ts';
import { loadModel } from '../../src/core/model/model-dir.ts';
import { registerGradients } from '../../src/core/nn/gradients.ts';
import { loadConfig } from '../../src/core/train/config/load.ts';
import type { Progress } from '../../src/core/train/progress.ts';
import { RunDir } from '../../src/core/train/run.ts';
import { train } from '../../src/core/train/trainer.ts';
import { runConfig } from '../../src/systems.ts';
import { exportTeacherRun } from '../../src/teacher/export.ts';
import { TeacherSystem } from '../../src/teacher/train-system.ts';

const quiet = (): Progress => ({ update() {}, log() {}, stop() {} });
const root = mkdtempSync(join(tmpdir(), 'dal-export-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeAll(() => registerGradients());

describe('exportTeacherRun', () => {
  it("writes the EMA weights of the run's latest checkpoint: byte for byte the model the run itself exported", async () => {
    const yaml = readFileSync('configs/teachers/mnist-unet-tiny.yaml', 'utf8');
    const cfg = loadConfig(runConfig, 'configs/teachers/mnist-unet-tiny.yaml');
    if (cfg.system.type !== 'teacher') throw new Error('not a teacher config');
    const run = RunDir.create(join(root, 'run'), yaml);
    const ctx = { seed: 0, steps: 3, run, log: () => {} };
    const sys = new TeacherSystem(cfg.system, ctx);
    await train(sys, { steps: 3, logEvery: 1, imageEvery: 0, checkpointEvery: 3 }, ctx, { configYaml: yaml, progress: quiet });
    sys.dispose();

    const out = join(root, 'exported');
    const manifest = await exportTeacherRun(run.root, out, { 'ddim50_cfg3/accuracy': 0.5 });
    // finish() exported the EMA model to RUN/model; the export from the checkpoint must be the same weights
    expect(readFileSync(join(out, 'weights.bin')).equals(readFileSync(run.path('model', 'weights.bin')))).toBe(true);
    expect(manifest.training.steps).toBe(3);
    expect(manifest.metrics).toEqual({ 'ddim50_cfg3/accuracy': 0.5 });
    expect(manifest.data).toEqual({ name: 'mnist', range: [-1, 1] });
    const { denoiser, manifest: read } = loadModel(out);
    expect(read.files[0].sha256).toBe(manifest.files[0].sha256);
    // ... and they are the checkpoint's EMA shadow weights (not the raw model's, which differ after 3 steps)
    const ckpt = loadCheckpoint(run.checkpoints);
    let differ = 0;
    for (const [k, v] of Object.entries(denoiser.parameters())) {
      expect(Array.from(v.dataSync()), k).toEqual(Array.from(ckpt.tensors[`ema/${k}`].dataSync()));
      if (Array.from(v.dataSync()).some((x, i) => x !== ckpt.tensors[`model/${k}`].dataSync()[i])) differ++;
    }
    expect(differ).toBeGreaterThan(0);
    tf.dispose(Object.values(ckpt.tensors));
    expect(denoiser.parameterCount).toBe(manifest.parameters);
    expect(denoiser.conditioning).toBe('label');
    denoiser.dispose();
  });

  it('refuses a run directory without a checkpoint, naming it', async () => {
    const yaml = readFileSync('configs/teachers/mnist-unet-tiny.yaml', 'utf8');
    const run = RunDir.create(join(root, 'empty'), yaml);
    await expect(exportTeacherRun(run.root, join(root, 'x'))).rejects.toThrow(DalError);
    await expect(exportTeacherRun(run.root, join(root, 'x'))).rejects.toThrow(/has no training checkpoint to export/);
  });
});
