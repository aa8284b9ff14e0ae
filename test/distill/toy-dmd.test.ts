import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withGuidance } from '../../src/core/diffusion/guidance.ts';
import { GaussianMixtureDenoiser, ringMixture } from '../../src/core/diffusion/gmm.ts';
import { sample } from '../../src/core/diffusion/samplers.ts';
import { cosineSchedule } from '../../src/core/diffusion/schedule.ts';
import { registerGradients } from '../../src/core/nn/gradients.ts';
import { Rng } from '../../src/core/rng.ts';
import { loadConfig, parseSet } from '../../src/core/train/config/load.ts';
import { RunDir } from '../../src/core/train/run.ts';
import { RegressionPairs } from '../../src/distill/regression-pairs.ts';
import { slicedWasserstein } from '../../src/distill/sliced-wasserstein.ts';
import { ToyDmdSystem, type ToyDmdConfig } from '../../src/distill/toy-dmd-system.ts';
import { runConfig } from '../../src/systems.ts';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'dal-toy-dmd-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
beforeAll(() => registerGradients());

function toyConfig(...sets: string[]): ToyDmdConfig {
  const cfg = loadConfig(runConfig, 'configs/dmd/ring8-ttur-gan.yaml', ['system.batchSize=16', 'system.regression.pairs=8', 'system.regression.batchSize=4', 'system.fake.updatesPerStep=2', ...sets].map(parseSet));
  if (cfg.system.type !== 'toy-dmd') throw new Error('not a toy-dmd config');
  return cfg.system;
}

describe('slicedWasserstein', () => {
  it('of two points d apart in 2-D is d·E|cos θ| = 2d/π', () => {
    const sw = slicedWasserstein(Float32Array.from([0, 0]), Float32Array.from([3, 0]), 2, { projections: 20000, rng: new Rng(1) });
    expect(sw).toBeCloseTo((2 * 3) / Math.PI, 1);
  });
  it('is 0 between a cloud and a permutation of it', () => {
    const a = new Rng(2).normalArray(64);
    const b = new Float32Array(64);
    for (let i = 0; i < 32; i++) b.set(a.subarray(2 * (31 - i), 2 * (31 - i) + 2), 2 * i);
    expect(slicedWasserstein(a, b, 2, { projections: 16, rng: new Rng(3) })).toBeLessThan(1e-6);
  });
});

describe('regression pairs', () => {
  const prior = new GaussianMixtureDenoiser(ringMixture(), cosineSchedule());
  const opts = { n: 6, steps: 5, cfgScale: 1, seed: 4, clipX0: null, chunk: 2 };

  it('are the exact-ε DDIM samples of their noise, and a killed generation continues to the same pairs', () => {
    const dir = join(tmp(), 'pairs');
    const full = RegressionPairs.loadOrCreate(dir, prior, {}, opts);
    // DDIM from the same z
    const z = tf.tensor2d(full.z, [6, 2]);
    const want = sample(withGuidance(prior, 1), 6, { sampler: 'ddim', steps: 5, rng: new Rng(0), xT: z });
    expect(Math.max(...Array.from(want.dataSync(), (v, i) => Math.abs(v - full.x[i])))).toBeLessThan(1e-5);
    tf.dispose([z, want]);
    // a second directory, interrupted after its first chunk: only x-000000.npy exists
    const dir2 = join(tmp(), 'pairs');
    let chunks = 0;
    expect(() =>
      RegressionPairs.loadOrCreate(dir2, prior, {}, {
        ...opts,
        onChunk: () => {
          if (++chunks === 1) throw new Error('killed');
        },
      }),
    ).toThrow('killed');
    expect(readdirSync(dir2).filter((f) => f.startsWith('x-'))).toEqual(['x-000000.npy']);
    const resumed = RegressionPairs.loadOrCreate(dir2, prior, {}, opts);
    expect(Array.from(resumed.x)).toEqual(Array.from(full.x));
    expect(existsSync(join(dir2, 'x-000000.npy'))).toBe(false);
  });

  it('refuse a cache made with other settings', () => {
    const dir = join(tmp(), 'pairs');
    RegressionPairs.loadOrCreate(dir, prior, {}, opts);
    expect(() => RegressionPairs.loadOrCreate(dir, prior, {}, { ...opts, steps: 6 })).toThrow(/other settings/);
  });
});

describe('toy-dmd system', () => {
  it('an iteration (DM + regression + GAN, two fake updates) leaks no tensors, and a resumed run continues exactly', async () => {
    const cfg = toyConfig();
    const run = RunDir.create(join(tmp(), 'run'), 'name: t\n');
    const a = new ToyDmdSystem(cfg, { seed: 0, steps: 10, run, log: () => {} });
    const t0 = a.step(0);
    for (const k of ['loss/dm', 'loss/regression', 'loss/gan', 'loss/fake', 'loss/disc']) expect(Number.isFinite(t0[k])).toBe(true);
    const before = tf.memory().numTensors;
    a.step(1);
    expect(tf.memory().numTensors).toBe(before);
    const st = await a.state();
    const next = a.step(2);
    const b = new ToyDmdSystem(cfg, { seed: 0, steps: 10, run, log: () => {} });
    await b.load(st);
    tf.dispose(Object.values(st.tensors));
    const again = b.step(2);
    for (const k of Object.keys(next)) expect(again[k]).toBeCloseTo(next[k], 5);
    a.dispose();
    b.dispose();
  });

  it('without a fake score (real only) moves every sample towards a mode', () => {
    const cfg = toyConfig('system.fake=null', 'system.gan=null', 'system.regression=null', 'system.batchSize=256', 'system.optimizer.lr=1e-2');
    const run = RunDir.create(join(tmp(), 'run'), 'name: t\n');
    const s = new ToyDmdSystem(cfg, { seed: 0, steps: 100, run, log: () => {} });
    const dist = () => {
      const pts = s.samples(512, new Rng(5));
      let m = 0;
      for (let i = 0; i < 512; i++) m += Math.min(...ringMixture().means.map(([x, y]) => Math.hypot(pts[2 * i] - x, pts[2 * i + 1] - y)));
      return m / 512;
    };
    const d0 = dist();
    for (let i = 0; i < 100; i++) s.step(i);
    expect(dist()).toBeLessThan(0.7 * d0);
    s.dispose();
  });
});
