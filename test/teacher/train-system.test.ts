import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, parseSet } from '../../src/core/train/config/load.ts';
import { registerGradients } from '../../src/core/nn/gradients.ts';
import type { Progress } from '../../src/core/train/progress.ts';
import { Rng } from '../../src/core/rng.ts';
import { RunDir } from '../../src/core/train/run.ts';
import { loadModel } from '../../src/core/model/model-dir.ts';
import { TeacherSystem, type TeacherConfig } from '../../src/teacher/train-system.ts';
import { train } from '../../src/core/train/trainer.ts';
import { runConfig } from '../../src/systems.ts';

const quiet = (): Progress => ({ update() {}, log() {}, stop() {} });
const dirs: string[] = [];
const newRun = () => {
  const d = mkdtempSync(join(tmpdir(), 'dal-teacher-'));
  dirs.push(d);
  return RunDir.create(join(d, 'run'), 'name: t\n');
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
beforeAll(() => registerGradients());

/** The tiny MNIST config of configs/teachers, with overrides. */
function tinyConfig(...sets: string[]): { system: TeacherConfig; steps: number } {
  const cfg = loadConfig(runConfig, 'configs/teachers/mnist-unet-tiny.yaml', sets.map(parseSet));
  if (cfg.system.type !== 'teacher') throw new Error('not a teacher config');
  return { system: cfg.system, steps: cfg.trainer.steps };
}

/** Mean denoising loss of the model on a fixed batch, fixed t and noise. */
function fixedLoss(sys: TeacherSystem): number {
  const rng = new Rng(123);
  const b = 32;
  return tf.tidy(() => {
    const x0 = tf.sub(tf.mul(tf.cast(tf.greater(tf.tensor4d(rng.uniformArray(b * 32 * 32), [b, 32, 32, 1]), 0.8), 'float32'), 2), 1);
    const t = tf.tensor1d(Array.from({ length: b }, (_, i) => 0.05 + (0.9 * i) / b));
    const eps = rng.normalTensor([b, 32, 32, 1]);
    const a = tf.reshape(sys.model.schedule.alphaT(t), [b, 1, 1, 1]);
    const s = tf.reshape(sys.model.schedule.sigmaT(t), [b, 1, 1, 1]);
    const xt = tf.add(tf.mul(a, x0), tf.mul(s, eps));
    const labels = Int32Array.from(Array.from({ length: b }, (_, i) => i % 10));
    return tf.mean(tf.square(tf.sub(sys.model.eps(xt, t, { labels }), eps))).dataSync()[0];
  });
}

describe('teacher system', () => {
  it('lowers the denoising loss in a few steps on a tiny config', async () => {
    const { system, steps } = tinyConfig('trainer.steps=15');
    const run = newRun();
    const sys = new TeacherSystem(system, { seed: 0, steps, run, log: () => {} });
    const before = fixedLoss(sys);
    const losses: number[] = [];
    losses.push(sys.step(0)['loss/denoise']); // creates Adam's moment variables
    const tensors = tf.memory().numTensors;
    for (let i = 1; i < steps; i++) losses.push(sys.step(i)['loss/denoise']);
    expect(tf.memory().numTensors).toBe(tensors); // no tensor leaks from a step
    const after = fixedLoss(sys);
    // An untrained U-Net predicts ε̂ ≈ noise of its own (loss ≳ 1); a few steps learn ε̂ ≈ x_t-ish, well below.
    expect(before).toBeGreaterThan(0.9);
    expect(after).toBeLessThan(0.8 * before);
    expect(losses.slice(-5).reduce((a, b) => a + b) / 5).toBeLessThan(losses.slice(0, 5).reduce((a, b) => a + b) / 5);
    sys.dispose();
  });

  it('resumes exactly: 2 + 2 steps through a checkpoint equal 4 steps, and exports the EMA model', async () => {
    const { system } = tinyConfig();
    const trainer = { steps: 4, logEvery: 1, imageEvery: 0, checkpointEvery: 2 };
    const opts = { configYaml: 'name: t\n', progress: quiet };
    const runA = newRun();
    const a = new TeacherSystem(system, { seed: 0, steps: 4, run: runA, log: () => {} });
    const mA = await train(a, trainer, { seed: 0, steps: 4, run: runA, log: () => {} }, opts);

    const runB = newRun();
    const b1 = new TeacherSystem(system, { seed: 0, steps: 4, run: runB, log: () => {} });
    await train(b1, { ...trainer, steps: 2 }, { seed: 0, steps: 4, run: runB, log: () => {} }, opts);
    b1.dispose();
    rmSync(runB.path('metrics.json'), { force: true });
    const b2 = new TeacherSystem(system, { seed: 0, steps: 4, run: runB, log: () => {} });
    const mB = await train(b2, trainer, { seed: 0, steps: 4, run: runB, log: () => {} }, { ...opts, resume: true });
    expect(mB.steps).toBe(4);
    expect(mA.steps).toBe(4);
    for (const [k, v] of Object.entries(a.model.parameters())) {
      expect(Array.from(b2.model.parameters()[k].dataSync()), k).toEqual(Array.from(v.dataSync()));
    }
    for (const [k, v] of Object.entries(a.emaModel.parameters())) {
      expect(Array.from(b2.emaModel.parameters()[k].dataSync()), k).toEqual(Array.from(v.dataSync()));
    }
    expect(existsSync(runA.path('model', 'manifest.json'))).toBe(true);
    const { denoiser, manifest } = loadModel(runB.path('model'));
    expect(manifest.training.steps).toBe(4);
    expect(manifest.training.seconds).toBeGreaterThanOrEqual(0);
    expect(Array.from(denoiser.parameters()['unet.convOut.kernel'].dataSync())).toEqual(
      Array.from(a.emaModel.parameters()['unet.convOut.kernel'].dataSync()),
    );
    denoiser.dispose();
    a.dispose();
    b2.dispose();
  });

  it('trains a camera-conditioned shapes teacher (its camera weights move) and exports it with camera: true', async () => {
    const cfg = loadConfig(runConfig, 'configs/teachers/shapes-unet-tiny.yaml', ['system.camera.dropout=0.5', 'system.batchSize=4'].map(parseSet));
    if (cfg.system.type !== 'teacher') throw new Error('not a teacher config');
    const run = newRun();
    const sys = new TeacherSystem(cfg.system, { seed: 0, steps: 3, run, log: () => {} });
    const w0 = Array.from(sys.model.parameters()['camera.fc1.kernel'].dataSync());
    for (let i = 0; i < 3; i++) sys.step(i);
    const w1 = Array.from(sys.model.parameters()['camera.fc1.kernel'].dataSync());
    expect(w1.some((v, i) => v !== w0[i])).toBe(true);
    sys.exportModel(run.path('model'));
    const { denoiser } = loadModel(run.path('model'));
    expect(denoiser.architecture.camera).toBe(true);
    denoiser.dispose();
    sys.dispose();
  });

  it('refuses camera conditioning on MNIST, naming the setting', () => {
    const { system, steps } = tinyConfig('system.camera.dropout=0.2');
    expect(() => new TeacherSystem(system, { seed: 0, steps, run: newRun(), log: () => {} })).toThrow(/system\.camera: camera conditioning needs the shapes data/);
  });
});
