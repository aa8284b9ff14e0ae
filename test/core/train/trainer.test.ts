import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { hasCheckpoint, loadCheckpoint, optimizerTensors, restoreOptimizer } from '../../../src/core/train/checkpoint.ts';
import { DalError } from '../../../src/core/errors.ts';
import { readEventFile } from '../../../src/core/log/reader.ts';
import type { SummaryWriter } from '../../../src/core/log/tfevents.ts';
import type { Progress } from '../../../src/core/train/progress.ts';
import { Rng } from '../../../src/core/rng.ts';
import { RunDir } from '../../../src/core/train/run.ts';
import { train, type System, type SystemState } from '../../../src/core/train/trainer.ts';

const quiet = (): Progress => ({ update() {}, log() {}, stop() {} });

/** Noisy quadratic: x ← Adam on ½‖x − (target + noise)‖²; blows up at `nanAt` if given. */
class Quadratic implements System {
  readonly x: tf.Variable;
  readonly opt = tf.train.adam(0.1);
  rng: Rng;
  constructor(seed: number, readonly nanAt = -1) {
    this.rng = new Rng(seed);
    this.x = tf.tidy(() => tf.variable(tf.zeros([3])));
  }
  step(step: number): Record<string, number> {
    const noise = this.rng.normalArray(3);
    const loss = tf.tidy(() => {
      const target = tf.add(tf.tensor1d([1, -2, 3]), tf.mul(tf.tensor1d(noise), 0.1));
      const cost = this.opt.minimize(() => tf.mul(tf.sum(tf.square(tf.sub(this.x, target))), 0.5) as tf.Scalar, true, [this.x]);
      return cost!.dataSync()[0];
    });
    return { 'loss/quadratic': step === this.nanAt ? NaN : loss };
  }
  async state(): Promise<SystemState> {
    return { tensors: { x: this.x.clone(), ...(await optimizerTensors(this.opt)) }, rngs: { noise: this.rng.state() } };
  }
  async load(s: SystemState): Promise<void> {
    this.x.assign(s.tensors.x);
    await restoreOptimizer(this.opt, s.tensors);
    this.rng = Rng.fromState(s.rngs.noise);
  }
  logImages(step: number, writer: SummaryWriter): void {
    writer.histogram('x', this.x.dataSync(), step);
  }
  finish() {
    const [a, b, c] = Array.from(this.x.dataSync());
    return { x0: a, x1: b, x2: c };
  }
  dispose(): void {
    this.x.dispose();
    this.opt.dispose();
  }
}

/**
 * The Quadratic system's x after `steps` steps, computed by hand: Adam (tfjs's form, lr 0.1, β 0.9/0.999, ε 1e-7:
 * x −= lr·m̂/(√v̂ + ε)) on g = x − (target + 0.1·noise), noise drawn from Rng(seed) as the system draws it.
 */
function adamReplay(seed: number, steps: number): number[] {
  const rng = new Rng(seed);
  const target = [1, -2, 3];
  const x = [0, 0, 0];
  const m = [0, 0, 0];
  const v = [0, 0, 0];
  for (let t = 1; t <= steps; t++) {
    const noise = rng.normalArray(3);
    for (let i = 0; i < 3; i++) {
      const g = x[i] - (target[i] + 0.1 * noise[i]);
      m[i] = 0.9 * m[i] + 0.1 * g;
      v[i] = 0.999 * v[i] + 0.001 * g * g;
      x[i] -= (0.1 * (m[i] / (1 - 0.9 ** t))) / (Math.sqrt(v[i] / (1 - 0.999 ** t)) + 1e-7);
    }
  }
  return x;
}

const cfg = { steps: 60, logEvery: 10, imageEvery: 20, checkpointEvery: 25 };
const ctxFor = (run: RunDir, steps = cfg.steps) => ({ seed: 0, steps, run, log: () => {} });
const newRun = () => RunDir.create(join(mkdtempSync(join(tmpdir(), 'dal-trainer-')), 'run'), 'name: q\n');

describe('train', () => {
  it('steps, logs, checkpoints and writes metrics.json last', async () => {
    const before = tf.memory().numTensors;
    const run = newRun();
    const sys = new Quadratic(1);
    const metrics = await train(sys, cfg, ctxFor(run), { configYaml: 'name: q\n', progress: quiet });
    sys.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(run.readMetrics()).toEqual(metrics);
    // exactly the 60 Adam steps of the system, replayed in float64 from the same noise stream (float32 rounding only)
    const want = adamReplay(1, 60);
    for (const [i, k] of (['x0', 'x1', 'x2'] as const).entries()) expect(Math.abs(metrics[k] - want[i]), k).toBeLessThan(1e-4);
    const ckpt = loadCheckpoint(run.checkpoints);
    expect(ckpt.step).toBe(60);
    tf.dispose(Object.values(ckpt.tensors));
    const files = readdirSync(run.root).filter((f) => f.startsWith('events.out.tfevents'));
    expect(files).toHaveLength(1);
    const events = readEventFile(run.path(files[0]));
    const scalarSteps = events.filter((e) => e.scalars.some((s) => s.tag === 'loss/quadratic')).map((e) => e.step);
    expect(scalarSteps).toEqual([1, 10, 20, 30, 40, 50, 60]);
    const histSteps = events.filter((e) => e.histograms.length).map((e) => e.step);
    expect(histSteps).toEqual([0, 20, 40, 60]);
    expect(events.some((e) => e.texts.some((t) => t.tag === 'config' && t.text.includes('name: q')))).toBe(true);
    expect(events.some((e) => e.scalars.some((s) => s.tag === 'metrics/x0'))).toBe(true);
  });

  it('resumed from a mid-run checkpoint, it ends with exactly the same metrics', async () => {
    const full = newRun();
    const a = new Quadratic(5);
    const ma = await train(a, cfg, ctxFor(full), { configYaml: '', progress: quiet });
    a.dispose();
    // A run stopped after step 50 (its checkpoint at 50), resumed by a fresh system.
    const part = newRun();
    const b = new Quadratic(5);
    await train(b, { ...cfg, steps: 50 }, ctxFor(part, 60), { configYaml: '', progress: quiet });
    b.dispose();
    expect(loadCheckpoint(part.checkpoints).step).toBe(50);
    const c = new Quadratic(5);
    const mc = await train(c, cfg, ctxFor(part), { configYaml: '', progress: quiet, resume: true });
    c.dispose();
    expect(mc).toEqual(ma);
  });

  it('a NaN stops the run with a DalError naming the step and term, keeping the last good checkpoint', async () => {
    const run = newRun();
    const sys = new Quadratic(2, 37);
    const err = await train(sys, cfg, ctxFor(run), { configYaml: '', progress: quiet }).catch((e: unknown) => e);
    sys.dispose();
    expect(err).toBeInstanceOf(DalError);
    expect((err as Error).message).toMatch(/step 37: loss\/quadratic is NaN.*[Ll]ower the learning rate/);
    expect(hasCheckpoint(run.checkpoints)).toBe(true);
    const ckpt = loadCheckpoint(run.checkpoints);
    expect(ckpt.step).toBe(25);
    tf.dispose(Object.values(ckpt.tensors));
    expect(existsSync(run.path('metrics.json'))).toBe(false);
  });
});
