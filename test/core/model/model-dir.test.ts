import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { DalError } from '../../../src/core/errors.ts';
import { Rng } from '../../../src/core/rng.ts';
import { cosineSchedule } from '../../../src/core/diffusion/schedule.ts';
import { float16Bits, toFloat16Bits } from '../../../src/core/io/float16.ts';
import { loadModel, readModelManifest, saveDenoiser, updateModelMetrics } from '../../../src/core/model/model-dir.ts';
import { UNetDenoiser } from '../../../src/core/model/unet-denoiser.ts';

const arch = { unet: { channels: 8, channelMult: [1, 2], numResBlocks: 1, attentionResolutions: [], resolution: 8, groups: 4, numClasses: 10 }, prompt: null };
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'dal-model-ckpt-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const meta = { data: { name: 'mnist', range: [-1, 1] as [number, number] }, training: { steps: 12, seconds: 34 } };

function saved(storage: 'float32' | 'float16' = 'float32'): { dir: string; model: UNetDenoiser } {
  const model = new UNetDenoiser(arch, cosineSchedule(), 'eps', new Rng(0));
  const dir = tmp();
  saveDenoiser(dir, model, { ...meta, storage, metrics: { accuracy: 0.5 } });
  return { dir, model };
}

/** DalError thrown by f, else fails. */
function dalError(f: () => unknown): DalError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DalError);
    return e as DalError;
  }
  throw new Error('expected a DalError');
}

describe('float16 storage', () => {
  it('rounds to the nearest binary16 (ties to even) with the IEEE bit patterns', () => {
    expect(toFloat16Bits(1)).toBe(0x3c00);
    expect(toFloat16Bits(-2)).toBe(0xc000);
    expect(toFloat16Bits(0.1)).toBe(0x2e66); // 0.0999755859375
    expect(toFloat16Bits(65504)).toBe(0x7bff); // largest finite
    expect(toFloat16Bits(65520)).toBe(0x7c00); // rounds up to +Inf
    expect(toFloat16Bits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(toFloat16Bits(2 ** -25)).toBe(0x0000); // tie → even (0)
    expect(toFloat16Bits(3 * 2 ** -25)).toBe(0x0002); // tie 1.5 ulp → even (2)
    expect(toFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie between 1 and 1 + 2⁻¹⁰ → even
    expect(toFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(toFloat16Bits(-0)).toBe(0x8000);
    expect(toFloat16Bits(Number.NaN) & 0x7c00).toBe(0x7c00);
    expect(toFloat16Bits(Number.NaN) & 0x3ff).not.toBe(0);
  });

  it('decodes with tfjs (quantization float16) to the rounded values', () => {
    const v = new Float32Array([1, -2, 0.1, 3.14159, 2 ** -20, 1000.3]);
    const bits = float16Bits(v);
    const out = tf.io.decodeWeights(bits.buffer as ArrayBuffer, [
      { name: 'w', shape: [6], dtype: 'float32', quantization: { dtype: 'float16' } },
    ]);
    const d = out.w.dataSync();
    // Relative error of binary16 ≤ 2⁻¹¹ for normal numbers.
    v.forEach((x, i) => expect(Math.abs(d[i] - x)).toBeLessThanOrEqual(Math.abs(x) * 2 ** -11 + 2 ** -25));
    expect(d[2]).toBe(0.0999755859375);
    out.w.dispose();
  });
});

describe('model checkpoint', () => {
  it('round-trips weights exactly (float32) and records the manifest fields', () => {
    const { dir, model } = saved();
    const before = tf.memory().numTensors;
    const { denoiser, manifest } = loadModel(dir);
    expect(manifest.kind).toBe('unet-denoiser');
    expect(manifest.architecture.unet.channels).toBe(8);
    expect(manifest.parameters).toBe(model.parameterCount);
    expect(manifest.training).toEqual({ steps: 12, seconds: 34 });
    expect(manifest.files[0].path).toBe('weights.bin');
    expect(manifest.files[0].bytes).toBe(4 * model.parameterCount);
    expect(manifest.files[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    const [a, b] = [model.parameters(), denoiser.parameters()];
    for (const k of Object.keys(a)) expect(Array.from(b[k].dataSync())).toEqual(Array.from(a[k].dataSync()));
    denoiser.dispose();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('stores float16 in half the bytes, within binary16 rounding', () => {
    const { dir, model } = saved('float16');
    const { denoiser, manifest } = loadModel(dir);
    expect(manifest.files[0].bytes).toBe(2 * model.parameterCount);
    const [a, b] = [model.parameters(), denoiser.parameters()];
    for (const k of Object.keys(a)) {
      const [x, y] = [a[k].dataSync(), b[k].dataSync()];
      for (let i = 0; i < x.length; i++) expect(Math.abs(x[i] - y[i])).toBeLessThanOrEqual(Math.abs(x[i]) * 2 ** -11 + 2 ** -24);
    }
    denoiser.dispose();
    model.dispose();
  });

  it('merges measured metrics into the manifest without touching the weights', () => {
    const { dir, model } = saved();
    updateModelMetrics(dir, { fid: 3.5 });
    expect(readModelManifest(dir).metrics).toEqual({ accuracy: 0.5, fid: 3.5 });
    loadModel(dir).denoiser.dispose();
    model.dispose();
  });

  it('refuses a truncated weight file, naming it', () => {
    const { dir, model } = saved();
    truncateSync(join(dir, 'weights.bin'), 100);
    const e = dalError(() => loadModel(dir));
    expect(e.message).toContain(join(dir, 'weights.bin'));
    expect(e.message).toMatch(/has 100 bytes/);
    model.dispose();
  });

  it('refuses an altered weight file (one byte changed), naming it', () => {
    const { dir, model } = saved();
    const bytes = readFileSync(join(dir, 'weights.bin'));
    bytes[bytes.length >> 1] ^= 0x01;
    writeFileSync(join(dir, 'weights.bin'), bytes);
    const e = dalError(() => loadModel(dir));
    expect(e.message).toContain(join(dir, 'weights.bin'));
    expect(e.message).toMatch(/SHA-256/);
    model.dispose();
  });

  it('refuses a manifest whose architecture does not match its weights, naming the manifest', () => {
    const { dir, model } = saved();
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    m.architecture.unet.channels = 16;
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
    const e = dalError(() => loadModel(dir));
    expect(e.message).toContain(join(dir, 'manifest.json'));
    expect(e.message).toMatch(/does not match its architecture: weight unet\.\S+ is \[/);
    model.dispose();
  });

  it('refuses a missing weight file, a missing manifest, and a manifest of another format', () => {
    const { dir, model } = saved();
    rmSync(join(dir, 'weights.bin'));
    expect(dalError(() => loadModel(dir)).message).toMatch(/model data file missing: .*weights\.bin/);
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...m, kind: 'vae' }));
    expect(dalError(() => loadModel(dir)).message).toMatch(/manifest\.json is not a dal unet-denoiser manifest/);
    rmSync(join(dir, 'manifest.json'));
    expect(dalError(() => loadModel(dir)).message).toMatch(/manifest\.json does not exist/);
    expect(dalError(() => loadModel(join(dir, 'nope'))).message).toMatch(/no model directory/);
    model.dispose();
  });
});
