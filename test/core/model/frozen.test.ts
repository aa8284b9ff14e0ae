/**
 * A loaded teacher is a constant: a step of something trained against it — SDS on a tensor, or a loss whose gradient
 * runs through the teacher's network — moves the trained tensor and leaves every teacher weight bit for bit as it was.
 * The control (the same model loaded trainable) shows that the steps would move it otherwise.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { sds } from '../../../src/core/diffusion/sds.ts';
import { cosineSchedule } from '../../../src/core/diffusion/schedule.ts';
import { loadModel, saveDenoiser } from '../../../src/core/model/model-dir.ts';
import { UNetDenoiser } from '../../../src/core/model/unet-denoiser.ts';
import { freeze, isFrozen } from '../../../src/core/nn/module.ts';
import { Rng } from '../../../src/core/rng.ts';

const arch = { unet: { channels: 8, channelMult: [1, 2], numResBlocks: 1, attentionResolutions: [], resolution: 8, groups: 4, numClasses: 10 }, prompt: null };
const dir = mkdtempSync(join(tmpdir(), 'dal-frozen-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function snapshot(m: UNetDenoiser): Map<string, Float32Array> {
  return new Map(Object.entries(m.parameters()).map(([k, v]) => [k, (v.dataSync() as Float32Array).slice()]));
}

function changed(m: UNetDenoiser, before: Map<string, Float32Array>): string[] {
  return Object.entries(m.parameters())
    .filter(([k, v]) => !(v.dataSync() as Float32Array).every((x, i) => Object.is(x, before.get(k)![i])))
    .map(([k]) => k);
}

/** One Adam step of SDS on x, then one of a loss through the teacher (‖ε̂(x, t)‖², no detached target), with
 * `minimize` given no variable list: it trains every trainable variable there is. */
function trainAgainst(teacher: UNetDenoiser): number {
  const x = tf.variable(new Rng(1).normalTensor([2, 8, 8, 1]));
  const x0 = x.dataSync().slice();
  // (one optimizer per loss: tfjs's Adam keys its moments by position in the variable list, which differs between them)
  const [opt1, opt2] = [tf.train.adam(0.1), tf.train.adam(0.1)];
  const rng = new Rng(2);
  const labels = Int32Array.from([3, 7]);
  opt1.minimize(() => sds(teacher, x, { tMin: 0.02, tMax: 0.98, weighting: 'sigma2', cfgScale: 3, cond: { labels } }, rng).loss);
  opt2.minimize(() => tf.tidy(() => tf.mean(tf.square(teacher.eps(x, tf.tensor1d([0.3, 0.6]), { labels })))));
  const moved = Math.max(...Array.from(x.dataSync(), (v, i) => Math.abs(v - x0[i])));
  opt1.dispose();
  opt2.dispose();
  x.dispose();
  return moved;
}

describe('frozen modules', () => {
  saveDenoiser(dir, new UNetDenoiser(arch, cosineSchedule(), 'eps', new Rng(0)), { data: { name: 'mnist', range: [-1, 1] }, training: { steps: 0, seconds: 0 } });

  it('the model loader freezes: a loaded teacher is unchanged by a step trained against it', () => {
    const { denoiser } = loadModel(dir);
    expect(isFrozen(denoiser)).toBe(true);
    const before = snapshot(denoiser);
    expect(trainAgainst(denoiser)).toBeGreaterThan(1e-3); // the trained tensor moved
    expect(changed(denoiser, before)).toEqual([]);
    denoiser.dispose();
  });

  it('control: loaded trainable (or unfrozen), the same steps move the teacher', () => {
    const { denoiser } = loadModel(dir, { trainable: true });
    expect(isFrozen(denoiser)).toBe(false);
    const before = snapshot(denoiser);
    trainAgainst(denoiser);
    expect(changed(denoiser, before).length).toBeGreaterThan(10);
    freeze(denoiser);
    expect(isFrozen(denoiser)).toBe(true);
    freeze(denoiser, true);
    expect(isFrozen(denoiser)).toBe(false);
    denoiser.dispose();
  });
});
