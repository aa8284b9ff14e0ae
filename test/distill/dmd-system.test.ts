import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { x0FromEps, x0FromV } from '../../src/core/diffusion/parameterization.ts';
import { cosineSchedule } from '../../src/core/diffusion/schedule.ts';
import { saveDenoiser } from '../../src/core/model/model-dir.ts';
import { UNetDenoiser } from '../../src/core/model/unet-denoiser.ts';
import { registerGradients } from '../../src/core/nn/gradients.ts';
import { Rng } from '../../src/core/rng.ts';
import { loadConfig, parseSet } from '../../src/core/train/config/load.ts';
import { RunDir } from '../../src/core/train/run.ts';
import { DmdSystem, createDmdSystem, type DmdConfig } from '../../src/distill/dmd-system.ts';
import { loadGenerator } from '../../src/distill/export.ts';
import { copyTeacher, OneStepGenerator } from '../../src/distill/generator.ts';
import { runConfig } from '../../src/systems.ts';
import { describeDenoiserConformance } from '../core/diffusion/denoiser-conformance.ts';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'dal-dmd-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
beforeAll(() => registerGradients());

const tinyArch = { unet: { inChannels: 1, resolution: 8, channels: 8, channelMult: [1, 2], numResBlocks: 1, attentionResolutions: [], numClasses: 10, groups: 4 }, prompt: null };

/** A tiny random label-conditioned teacher saved as a model directory (evaluated at CFG 3, as the shipped ones). */
function tinyTeacherDir(prediction: 'eps' | 'v' = 'eps'): string {
  const dir = join(tmp(), 'teacher');
  const t = new UNetDenoiser(tinyArch, cosineSchedule(), prediction, new Rng(3));
  saveDenoiser(dir, t, { data: { name: 'mnist', range: [-1, 1] }, training: { steps: 0, seconds: 0 }, metrics: { 'ddim50_cfg3/fid': 1 } });
  t.dispose();
  return dir;
}

function dmdConfig(teacher: string, ...sets: string[]): DmdConfig {
  const cfg = loadConfig(runConfig, 'configs/dmd/mnist.yaml', [`system.teacher=${teacher}`, 'system.regression.pairs=6', 'system.regression.steps=3', 'system.regression.batchSize=2', 'system.batchSize=2', ...sets].map(parseSet));
  if (cfg.system.type !== 'dmd') throw new Error('not a dmd config');
  return cfg.system;
}

const params = (m: { parameters(): Record<string, tf.Variable> }) => Object.fromEntries(Object.entries(m.parameters()).map(([k, v]) => [k, Array.from(v.dataSync())]));
const maxDiff = (a: Record<string, number[]>, b: Record<string, number[]>) => Math.max(...Object.keys(a).map((k) => Math.max(...a[k].map((v, i) => Math.abs(v - b[k][i])))));

describe('one-step generator', () => {
  it.each(['eps', 'v'] as const)('its first output is the teacher x̂₀ at (x_t = z, tGen) (%s teacher)', (prediction) => {
    const teacher = new UNetDenoiser(tinyArch, cosineSchedule(), prediction, new Rng(5));
    const g = new OneStepGenerator(copyTeacher(teacher), { tGen: 0.8, range: [-1, 1] });
    const z = new Rng(1).normalTensor([3, 8, 8, 1]);
    const labels = Int32Array.from([1, 4, 7]);
    const [a, s] = [teacher.schedule.alpha(0.8), teacher.schedule.sigma(0.8)];
    const err = tf.tidy(() => {
      const out = teacher.predict(z, tf.fill([3], 0.8) as tf.Tensor1D, { labels });
      const want = prediction === 'eps' ? x0FromEps(z, out, a, s) : x0FromV(z, out, a, s);
      return tf.max(tf.abs(tf.sub(g.generate(z, { labels }), want))).dataSync()[0];
    });
    expect(err).toBeLessThan(1e-5);
    tf.dispose([z]);
    g.dispose();
    teacher.dispose();
  });

  it('refuses an ε-network at a tGen where α is tiny (x̂₀ = (z − σε̂)/α ill-conditioned)', () => {
    const teacher = new UNetDenoiser(tinyArch, cosineSchedule(), 'eps', new Rng(5));
    expect(() => new OneStepGenerator(teacher, { tGen: 0.99, range: [-1, 1] })).toThrow(/ill-conditioned/);
    teacher.dispose();
  });
});

describe('dmd system', () => {
  it('one iteration updates generator and fake score, leaves the frozen teacher unchanged and leaks no tensors', () => {
    const teacher = tinyTeacherDir();
    const run = RunDir.create(join(tmp(), 'run'), 'name: t\n');
    const sys = createDmdSystem(dmdConfig(teacher), { seed: 0, steps: 4, run, log: () => {} });
    expect(sys.cfgScale).toBe(3); // the manifest's evaluated guidance
    const [t0, g0, f0] = [params(sys.teacher), params(sys.generator), params(sys.fake.net)];
    const terms = sys.step(0); // creates the optimizers' slots
    for (const v of Object.values(terms)) expect(Number.isFinite(v)).toBe(true);
    expect(terms['loss/regression']).toBeGreaterThan(0);
    const before = tf.memory().numTensors;
    sys.step(1);
    expect(tf.memory().numTensors).toBe(before);
    expect(maxDiff(params(sys.teacher), t0)).toBe(0);
    expect(maxDiff(params(sys.generator), g0)).toBeGreaterThan(0);
    expect(maxDiff(params(sys.fake.net), f0)).toBeGreaterThan(0);
    sys.dispose();
  });

  it('resumes exactly: state after step 1, loaded into a fresh system, gives the same step 2 (DMD2 ratio 2)', async () => {
    const teacher = tinyTeacherDir('v');
    const cfg = dmdConfig(teacher, 'system.fake.updatesPerStep=2', 'system.tGen=1');
    const run = RunDir.create(join(tmp(), 'run'), 'name: t\n');
    const a = createDmdSystem(cfg, { seed: 1, steps: 4, run, log: () => {} });
    a.step(0);
    a.step(1);
    const st = await a.state();
    const next = a.step(2);
    const b = createDmdSystem(cfg, { seed: 1, steps: 4, run, log: () => {} }); // reuses the cached pairs
    await b.load(st);
    tf.dispose(Object.values(st.tensors));
    const again = b.step(2);
    for (const k of ['loss/dm', 'loss/regression', 'loss/fake']) expect(again[k]).toBeCloseTo(next[k], 5);
    expect(maxDiff(params(a.generator), params(b.generator))).toBeLessThan(1e-6);
    a.dispose();
    b.dispose();
  });

  it('shares a pairs cache between runs with regression.pairsDir, and refuses one made with other settings', () => {
    const teacher = tinyTeacherDir();
    const shared = join(tmp(), 'shared-pairs');
    const make = (...sets: string[]) => {
      const run = RunDir.create(join(tmp(), 'run'), 'name: t\n');
      return { run, sys: createDmdSystem(dmdConfig(teacher, `system.regression.pairsDir=${shared}`, ...sets), { seed: 1, steps: 2, run, log: () => {} }) };
    };
    const a = make();
    const x = readFileSync(join(shared, 'x.npy'));
    expect(existsSync(a.run.path('pairs'))).toBe(false); // made in the shared directory, not the run's
    a.sys.dispose();
    const b = make(); // a second run loads the same pairs instead of making new ones
    expect(readFileSync(join(shared, 'x.npy')).equals(x)).toBe(true);
    b.sys.dispose();
    expect(() => make('system.regression.steps=4')).toThrow(/other settings/);
  });

  describe('the exported generator', () => {
    let dir = '';
    let sys: DmdSystem;
    beforeAll(() => {
      const teacher = tinyTeacherDir();
      const run = RunDir.create(join(tmp(), 'run'), 'name: t\n');
      sys = createDmdSystem(dmdConfig(teacher, 'system.regression=null', 'system.exportStorage=float32'), { seed: 0, steps: 1, run, log: () => {} });
      sys.step(0);
      dir = join(tmp(), 'gen');
      const m = sys.exportModel(dir);
      expect(m.kind).toBe('onestep-generator');
      expect(m.generator.tGen).toBe(0.8);
      expect(m.source.sha256).toMatch(/^[0-9a-f]{64}$/);
    });
    afterAll(() => sys.dispose());

    it('loads and draws exactly what the trained generator draws', () => {
      const { generator } = loadGenerator(dir);
      const labels = Int32Array.from([0, 5]);
      const [x, y] = [sys.generator.draw(2, { labels }, new Rng(4)), generator.draw(2, { labels }, new Rng(4))];
      expect(tf.tidy(() => tf.max(tf.abs(tf.sub(x, y))).dataSync()[0])).toBe(0);
      tf.dispose([x, y]);
      generator.dispose();
    });

    // The generator's network keeps the teacher's Denoiser convention (that is what makes its first output a teacher
    // x̂₀), so the shared suite applies to it as loaded from its directory; the round trip reloads the directory.
    describeDenoiserConformance('exported one-step generator (its network)', () => loadGenerator(dir).generator.net, {
      cond: (b, rng) => ({ labels: Int32Array.from({ length: b }, () => rng.int(10)) }),
      roundTrip: () => loadGenerator(dir).generator.net,
    });
  });
});
