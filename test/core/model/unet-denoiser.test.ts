import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { withGuidance } from '../../../src/core/diffusion/guidance.ts';
import { Rng } from '../../../src/core/rng.ts';
import { cosineSchedule } from '../../../src/core/diffusion/schedule.ts';
import { loadDenoiser, saveDenoiser } from '../../../src/core/model/model-dir.ts';
import { UNetDenoiser } from '../../../src/core/model/unet-denoiser.ts';
import { describeDenoiserConformance } from '../diffusion/denoiser-conformance.ts';

/** A tiny U-Net at 8×8 (tfjs's cpu conv gradients are slow; the conformance suite runs on cpu). */
const tinyUnet = { channels: 8, channelMult: [1, 2], numResBlocks: 1, attentionResolutions: [4], resolution: 8, groups: 4 };
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'dal-unet-denoiser-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Saves and reloads through the shipped model format. */
const roundTrip = (d: unknown) => {
  const dir = tmp();
  saveDenoiser(dir, d as UNetDenoiser, { data: { name: 'test', range: [-1, 1] }, training: { steps: 0, seconds: 0 } });
  return loadDenoiser(dir);
};

describeDenoiserConformance(
  'UNetDenoiser, label-conditioned, ε-prediction',
  () => new UNetDenoiser({ unet: { ...tinyUnet, numClasses: 10 }, prompt: null }, cosineSchedule(), 'eps', new Rng(0)),
  { cond: (b, rng) => ({ labels: Int32Array.from(Array.from({ length: b }, () => rng.int(11) - 1)) }), roundTrip },
);

const PROMPTS = ['a red cube, side view', '', 'a blue sphere, front view', 'a yellow torus, overhead view', 'a green cone'];
describeDenoiserConformance(
  'UNetDenoiser, prompt-conditioned, v-prediction',
  () =>
    new UNetDenoiser(
      { unet: { ...tinyUnet, inChannels: 3, numClasses: 0 }, prompt: { dim: 16, maxLen: 12 } },
      cosineSchedule(),
      'v',
      new Rng(1),
    ),
  { cond: (b, rng) => ({ prompts: Array.from({ length: b }, () => PROMPTS[rng.int(PROMPTS.length)]) }), roundTrip },
);

const CAMERAS = [Number.NaN, 0, 0, 15, 45, 15, 200, 50];
describeDenoiserConformance(
  'UNetDenoiser, prompt- and camera-conditioned, v-prediction',
  () =>
    new UNetDenoiser(
      { unet: { ...tinyUnet, inChannels: 3, numClasses: 0 }, prompt: { dim: 16, maxLen: 12 }, camera: true },
      cosineSchedule(),
      'v',
      new Rng(2),
    ),
  {
    cond: (b, rng) => ({
      prompts: Array.from({ length: b }, () => PROMPTS[rng.int(PROMPTS.length)]),
      cameras: Float32Array.from({ length: 2 * b }, (_, i) => CAMERAS[(2 * rng.int(4) + (i % 2)) % CAMERAS.length]),
    }),
    roundTrip,
  },
);

describe('UNetDenoiser', () => {
  it('converts v-prediction to ε: ε̂ = σ·x_t + α·v̂ (Salimans & Ho 2022)', () => {
    const d = new UNetDenoiser({ unet: { ...tinyUnet, numClasses: 0 }, prompt: null }, cosineSchedule(), 'v', new Rng(2));
    tf.tidy(() => {
      const x = new Rng(3).normalTensor([2, 8, 8, 1]);
      const t = tf.tensor1d([0.25, 0.7]);
      const v = d.predict(x, t, null);
      const eps = d.eps(x, t, null).arraySync() as number[][][][];
      const [xs, vs] = [x.arraySync() as number[][][][], v.arraySync() as number[][][][]];
      [0.25, 0.7].forEach((tt, b) => {
        const [a, s] = [Math.cos((Math.PI / 2) * tt), Math.sin((Math.PI / 2) * tt)];
        expect(eps[b][3][5][0]).toBeCloseTo(s * xs[b][3][5][0] + a * vs[b][3][5][0], 5);
      });
    });
    d.dispose();
  });

  it('maps label −1, no condition and prompt "" to the same null condition, and real ones elsewhere', () => {
    const d = new UNetDenoiser({ unet: { ...tinyUnet, numClasses: 10 }, prompt: null }, cosineSchedule(), 'eps', new Rng(4));
    const p = new UNetDenoiser({ unet: { ...tinyUnet, numClasses: 0 }, prompt: { dim: 8, maxLen: 12 } }, cosineSchedule(), 'eps', new Rng(5));
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const x = new Rng(6).normalTensor([2, 8, 8, 1]);
      const t = tf.tensor1d([0.5, 0.5]);
      const diff = (a: tf.Tensor, b: tf.Tensor) => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
      expect(diff(d.eps(x, t, { labels: Int32Array.from([-1, -1]) }), d.eps(x, t, null))).toBe(0);
      expect(diff(d.eps(x, t, { labels: Int32Array.from([3, 3]) }), d.eps(x, t, null))).toBeGreaterThan(1e-4);
      expect(diff(p.eps(x, t, { prompts: ['', ''] }), p.eps(x, t, null))).toBe(0);
      expect(diff(p.eps(x, t, { prompts: ['a red cube', 'a red cube'] }), p.eps(x, t, null))).toBeGreaterThan(1e-4);
      // CFG at s = 0 is the null branch exactly.
      const g0 = withGuidance(p, 0).eps(x, t, { prompts: ['a red cube', 'a blue cone'] });
      expect(diff(g0, p.eps(x, t, null))).toBe(0);
      expect(() => d.eps(x, t, { prompts: ['a', 'b'] })).toThrow(/prompts given to a label-conditioned teacher/);
    });
    expect(tf.memory().numTensors).toBe(before);
    d.dispose();
    p.dispose();
  });

  it('with camera conditioning: the null camera (NaN) is no camera; real cameras change ε̂; CFG keeps them in both branches', () => {
    const arch = { unet: { ...tinyUnet, inChannels: 3, numClasses: 0 }, prompt: { dim: 8, maxLen: 12 } };
    const c = new UNetDenoiser({ ...arch, camera: true }, cosineSchedule(), 'eps', new Rng(7));
    const plain = new UNetDenoiser(arch, cosineSchedule(), 'eps', new Rng(7));
    expect(c.architecture.camera).toBe(true);
    expect(plain.architecture.camera).toBe(false);
    expect(Object.keys(c.parameters())).toContain('camera.fc1.kernel');
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const x = new Rng(8).normalTensor([2, 8, 8, 3]);
      const t = tf.tensor1d([0.5, 0.5]);
      const diff = (a: tf.Tensor, b: tf.Tensor) => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
      const prompts = ['a red cube', 'a red cube'];
      const face = Float32Array.from([0, 15, 0, 15]);
      const edge = Float32Array.from([45, 15, 45, 15]);
      expect(diff(c.eps(x, t, { prompts, cameras: Float32Array.from([Number.NaN, 0, Number.NaN, 0]) }), c.eps(x, t, { prompts }))).toBe(0);
      expect(diff(c.eps(x, t, { prompts, cameras: face }), c.eps(x, t, { prompts, cameras: edge }))).toBeGreaterThan(1e-4);
      // a teacher without camera conditioning ignores cameras
      expect(diff(plain.eps(x, t, { prompts, cameras: face }), plain.eps(x, t, { prompts }))).toBe(0);
      // CFG: ε(∅, cam) + s·(ε(y, cam) − ε(∅, cam))
      const s = 3;
      const g = withGuidance(c, s).eps(x, t, { prompts, cameras: face });
      const ec = c.eps(x, t, { prompts, cameras: face });
      const eu = c.eps(x, t, { prompts: ['', ''], cameras: face });
      expect(diff(g, tf.add(eu, tf.mul(tf.sub(ec, eu), s)))).toBeLessThan(1e-5);
      expect(() => c.eps(x, t, { prompts, cameras: Float32Array.from([0, 15]) })).toThrow(/1 cameras for a batch of 2/);
    });
    expect(tf.memory().numTensors).toBe(before);
    const back = roundTrip(c);
    expect(back.architecture.camera).toBe(true);
    back.dispose();
    c.dispose();
    plain.dispose();
  });

  it('names its weights unet.* and prompt.* and counts them', () => {
    const p = new UNetDenoiser({ unet: { ...tinyUnet, numClasses: 0 }, prompt: { dim: 8, maxLen: 12 } }, cosineSchedule(), 'eps', new Rng(5));
    const names = Object.keys(p.parameters());
    expect(names).toContain('unet.convIn.kernel');
    expect(names).toContain('prompt.words.table');
    expect(names).toContain('prompt.null');
    expect(p.parameterCount).toBe(Object.values(p.parameters()).reduce((s, v) => s + v.size, 0));
    p.dispose();
  });
});
