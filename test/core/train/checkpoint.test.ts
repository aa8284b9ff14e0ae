import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  hasCheckpoint,
  loadCheckpoint,
  loadModule,
  loadTensor,
  moduleTensors,
  MANIFEST,
  PREVIOUS_MANIFEST,
  resumeCheckpoint,
  optimizerTensors,
  restoreOptimizer,
  saveCheckpoint,
} from '../../../src/core/train/checkpoint.ts';
import { DalError } from '../../../src/core/errors.ts';
import { Rng } from '../../../src/core/rng.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'dal-ckpt-'));
const flipByte = (file: string) => {
  const bytes = readFileSync(file);
  bytes[bytes.length >> 1] ^= 0xff;
  writeFileSync(file, bytes);
};

describe('checkpoint', () => {
  it('round-trips float32 and int32 tensors bit for bit, with RNG state, step and extra JSON', () => {
    const dir = tmp();
    const rng = new Rng(7);
    rng.normalArray(5);
    const values = new Float32Array([Math.PI, -0, 1e-38, 3.4e38, Number.MIN_VALUE, 1 / 3]);
    const a = tf.tensor(values, [2, 3]);
    const b = tf.tensor([1, -2, 2147483647], [3], 'int32');
    saveCheckpoint(dir, { step: 12, tensors: { a, b }, rngs: { main: rng.state() }, extra: { k: [1, 2] } });
    const c = loadCheckpoint(dir);
    expect(c.step).toBe(12);
    expect(c.extra).toEqual({ k: [1, 2] });
    expect(Array.from(c.tensors.a.dataSync())).toEqual(Array.from(values));
    expect(c.tensors.a.shape).toEqual([2, 3]);
    expect(c.tensors.b.dtype).toBe('int32');
    expect(Array.from(c.tensors.b.dataSync())).toEqual([1, -2, 2147483647]);
    // The restored generator continues the same stream.
    expect(Rng.fromState(c.rngs.main).normalArray(4)).toEqual(rng.normalArray(4));
    tf.dispose([a, b, ...Object.values(c.tensors)]);
  });

  it('keeps the latest checkpoint and the one before, nothing older', () => {
    const dir = tmp();
    for (const step of [5, 10, 15]) {
      const t = tf.fill([4], step);
      saveCheckpoint(dir, { step, tensors: { t }, rngs: {} });
      t.dispose();
    }
    expect(readdirSync(dir).sort()).toEqual([MANIFEST, PREVIOUS_MANIFEST, 'tensors-00000010.bin', 'tensors-00000015.bin']);
    const c = loadCheckpoint(dir);
    expect(c.step).toBe(15);
    expect(Array.from(c.tensors.t.dataSync())).toEqual([15, 15, 15, 15]);
    const p = loadCheckpoint(dir, PREVIOUS_MANIFEST);
    expect(p.step).toBe(10);
    expect(Array.from(p.tensors.t.dataSync())).toEqual([10, 10, 10, 10]);
    tf.dispose([...Object.values(c.tensors), ...Object.values(p.tensors)]);
    // a one-off save keeps no previous one
    const t = tf.fill([4], 20);
    saveCheckpoint(dir, { step: 20, tensors: { t }, rngs: {} }, { keepPrevious: false });
    t.dispose();
    expect(readdirSync(dir).sort()).toEqual([MANIFEST, 'tensors-00000020.bin']);
  });

  it('resumeCheckpoint falls back to the previous checkpoint when the latest is corrupt, warning with the bad file', () => {
    const save = (dir: string, step: number) => {
      const t = tf.fill([4], step);
      saveCheckpoint(dir, { step, tensors: { t }, rngs: {} });
      t.dispose();
    };
    const corruptions: [string, (dir: string) => void, RegExp][] = [
      ['altered data', (d) => flipByte(join(d, 'tensors-00000010.bin')), /tensors-00000010\.bin does not match the SHA-256/],
      ['torn manifest', (d) => writeFileSync(join(d, MANIFEST), '{"format": "dal-chec'), /corrupt checkpoint manifest .*manifest\.json/],
      ['missing data', (d) => rmSync(join(d, 'tensors-00000010.bin')), /checkpoint data file missing: .*tensors-00000010\.bin/],
    ];
    for (const [what, corrupt, named] of corruptions) {
      const dir = tmp();
      save(dir, 5);
      save(dir, 10);
      // an intact latest is used as is, without a warning
      const warnings: string[] = [];
      const ok = resumeCheckpoint(dir, (m) => warnings.push(m));
      expect(ok.step, what).toBe(10);
      expect(warnings).toEqual([]);
      tf.dispose(Object.values(ok.tensors));

      corrupt(dir);
      const c = resumeCheckpoint(dir, (m) => warnings.push(m));
      expect(c.step, what).toBe(5);
      expect(Array.from(c.tensors.t.dataSync())).toEqual([5, 5, 5, 5]);
      tf.dispose(Object.values(c.tensors));
      expect(warnings, what).toHaveLength(1);
      expect(warnings[0], what).toMatch(named);
      expect(warnings[0]).toMatch(/resuming from the previous one \(step 5, .*manifest\.previous\.json\)/);
      // the previous checkpoint is the latest again: the next save keeps it as the previous one
      expect(loadCheckpoint(dir).step).toBe(5);
      save(dir, 10);
      expect(loadCheckpoint(dir, PREVIOUS_MANIFEST).step, what).toBe(5);
    }
  });

  it('resumeCheckpoint names both problems when the previous checkpoint is bad too, and the only one without fallback', () => {
    const dir = tmp();
    for (const step of [5, 10]) {
      const t = tf.fill([2], step);
      saveCheckpoint(dir, { step, tensors: { t }, rngs: {} });
      t.dispose();
    }
    flipByte(join(dir, 'tensors-00000010.bin'));
    flipByte(join(dir, 'tensors-00000005.bin'));
    expect(() => resumeCheckpoint(dir, () => {})).toThrow(DalError);
    expect(() => resumeCheckpoint(dir, () => {})).toThrow(/tensors-00000010\.bin does not match.*previous checkpoint is unusable too: .*tensors-00000005\.bin does not match/);
    const only = tmp();
    const t = tf.fill([2], 1);
    saveCheckpoint(only, { step: 1, tensors: { t }, rngs: {} });
    t.dispose();
    flipByte(join(only, 'tensors-00000001.bin'));
    expect(hasCheckpoint(only)).toBe(true);
    expect(() => resumeCheckpoint(only, () => {})).toThrow(/tensors-00000001\.bin does not match the SHA-256/);
  });

  it('a crash between the data file and the manifest leaves the previous checkpoint intact', () => {
    const dir = tmp();
    const t = tf.fill([3], 1);
    saveCheckpoint(dir, { step: 1, tensors: { t }, rngs: {} });
    t.dispose();
    // Simulate the next save dying after its data file and before its manifest (and a torn temp file).
    writeFileSync(join(dir, 'tensors-00000002.bin'), new Uint8Array(12));
    writeFileSync(join(dir, '.manifest.json.123.0.tmp'), '{"format": "dal-ch');
    const c = loadCheckpoint(dir);
    expect(c.step).toBe(1);
    expect(Array.from(c.tensors.t.dataSync())).toEqual([1, 1, 1]);
    tf.dispose(Object.values(c.tensors));
  });

  it('a corrupt, truncated or missing file is a DalError naming it', () => {
    const dir = tmp();
    const t = tf.fill([8], 2);
    saveCheckpoint(dir, { step: 3, tensors: { t }, rngs: {} });
    t.dispose();
    const data = join(dir, 'tensors-00000003.bin');
    const bytes = readFileSync(data);
    bytes[5] ^= 0xff;
    writeFileSync(data, bytes);
    expect(() => loadCheckpoint(dir)).toThrow(DalError);
    expect(() => loadCheckpoint(dir)).toThrow(/tensors-00000003\.bin does not match the SHA-256/);
    writeFileSync(data, bytes.subarray(0, 16));
    expect(() => loadCheckpoint(dir)).toThrow(/corrupt checkpoint: .*tensors-00000003\.bin has 16 bytes/);
    writeFileSync(join(dir, MANIFEST), '{"format": "dal-checkpoint", "vers');
    expect(() => loadCheckpoint(dir)).toThrow(/corrupt checkpoint manifest .*manifest\.json/);
    expect(() => loadCheckpoint(join(dir, 'nothing'))).toThrow(/no checkpoint: .*manifest\.json does not exist/);
  });

  it('Adam state restores exactly: the resumed optimizer takes the same float32 steps', async () => {
    const before = tf.memory().numTensors;
    const target = tf.tensor2d([[1, -2], [0.5, 3]]);
    const loss = (x: tf.Variable) => () => tf.sum(tf.square(tf.sub(tf.mul(x, x), target))) as tf.Scalar;
    const run = async (steps: number, x: tf.Variable, opt: tf.Optimizer) => {
      for (let i = 0; i < steps; i++) {
        const cost = opt.minimize(loss(x), true, [x]);
        cost?.dispose();
      }
    };
    // Uninterrupted: 40 steps.
    const x0 = tf.tensor2d([[0.3, 0.1], [-0.2, 0.7]]);
    const xa = tf.variable(x0);
    const optA = tf.train.adam(0.05);
    await run(40, xa, optA);
    // Interrupted after 17 steps: save, rebuild everything from the checkpoint, do 23 more.
    const dir = tmp();
    const xb = tf.variable(x0);
    const optB = tf.train.adam(0.05);
    await run(17, xb, optB);
    const saved = { x: xb.clone(), ...(await optimizerTensors(optB)) };
    saveCheckpoint(dir, { step: 17, tensors: saved, rngs: {} });
    tf.dispose(Object.values(saved));
    xb.dispose();
    optB.dispose();
    const c = loadCheckpoint(dir);
    const xc = tf.variable(c.tensors.x);
    const optC = tf.train.adam(0.05);
    await restoreOptimizer(optC, c.tensors);
    tf.dispose(Object.values(c.tensors));
    await run(23, xc, optC);
    expect(Array.from(xc.dataSync())).toEqual(Array.from(xa.dataSync()));
    tf.dispose([x0, xa, xc, target]);
    optA.dispose();
    optC.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('moduleTensors / loadModule: a module saved under a prefix restores exactly; a mis-shaped or missing tensor is named', () => {
    const before = tf.memory().numTensors;
    const v = (t: () => tf.Tensor) => tf.tidy(() => tf.variable(t()));
    const a = { w: v(() => tf.tensor2d([[1, 2], [3, 4]])), b: v(() => tf.tensor1d([5])) };
    const c = { w: v(() => tf.zeros([2, 2])), b: v(() => tf.zeros([1])) };
    const module = { parameters: () => a, dispose: () => tf.dispose(Object.values(a)) };
    const saved = moduleTensors('generator', module);
    expect(Object.keys(saved)).toEqual(['generator/w', 'generator/b']);
    const dir = tmp();
    saveCheckpoint(dir, { step: 1, tensors: saved, rngs: {} });
    tf.dispose(Object.values(saved));
    const ck = loadCheckpoint(dir);
    loadModule('generator', c, ck.tensors);
    expect(Array.from(c.w.dataSync())).toEqual([1, 2, 3, 4]);
    expect(Array.from(c.b.dataSync())).toEqual([5]);
    expect(() => loadModule('fakeScore', c, ck.tensors)).toThrow(/tensor fakeScore\/w is missing/);
    const wide = { w: v(() => tf.zeros([2, 3])) };
    expect(() => loadModule('generator', wide, ck.tensors)).toThrow(DalError);
    expect(() => loadModule('generator', wide, ck.tensors)).toThrow(/tensor generator\/w is \[2,2\], the config needs \[2,3\]/);
    expect(() => loadTensor('generator/b', c.b, ck.tensors)).not.toThrow();
    tf.dispose([...Object.values(ck.tensors), ...Object.values(a), ...Object.values(c), wide.w]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
