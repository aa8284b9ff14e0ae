import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { CAMERA_FEATURES, CameraEncoder, cameraFeatures } from '../../../src/core/model/camera-encoder.ts';
import { Rng } from '../../../src/core/rng.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('camera features', () => {
  it('are sin/cos of azimuth at harmonics 1, 2, 4 and sin/cos of elevation, by hand at (90°, 30°)', () => {
    const { features, mask } = cameraFeatures(Float32Array.from([90, 30]));
    const want = [1, 0, 0, -1, 0, 1, 0.5, Math.sqrt(3) / 2];
    expect(CAMERA_FEATURES).toBe(want.length);
    want.forEach((v, i) => expect(features[i]).toBeCloseTo(v, 6));
    expect(Array.from(mask)).toEqual([1]);
  });

  it('are periodic in azimuth (az and az + 360° agree), and tell a cube face (0°) from an edge (45°)', () => {
    const { features } = cameraFeatures(Float32Array.from([10, 5, 370, 5, 0, 5, 45, 5]));
    for (let i = 0; i < CAMERA_FEATURES; i++) expect(features[i]).toBeCloseTo(features[CAMERA_FEATURES + i], 5);
    // the 4th harmonic: cos(4·0°) = 1 (face on), cos(4·45°) = −1 (edge on)
    expect(features[2 * CAMERA_FEATURES + 5]).toBeCloseTo(1, 6);
    expect(features[3 * CAMERA_FEATURES + 5]).toBeCloseTo(-1, 6);
  });

  it('map the null camera (azimuth NaN) to a zero row with mask 0, and refuse odd lengths and infinite angles', () => {
    const { features, mask } = cameraFeatures(Float32Array.from([Number.NaN, 0, 30, 10]));
    expect(Array.from(mask)).toEqual([0, 1]);
    expect(Array.from(features.slice(0, CAMERA_FEATURES)).every((v) => v === 0)).toBe(true);
    expect(() => cameraFeatures(Float32Array.from([1, 2, 3]))).toThrow(/pairs/);
    expect(() => cameraFeatures(Float32Array.from([0, Number.POSITIVE_INFINITY]))).toThrow(/finite/);
  });
});

describe('CameraEncoder', () => {
  it('gives zero for null cameras, distinct vectors for distinct cameras, and leaks no tensors', () => {
    const enc = new CameraEncoder(16, new Rng(0));
    const before = tf.memory().numTensors;
    const out = enc.apply(Float32Array.from([Number.NaN, 0, 0, 15, 45, 15]));
    expect(out.shape).toEqual([3, 16]);
    const rows = out.arraySync();
    expect(rows[0].every((v) => v === 0)).toBe(true);
    const dist = rows[1].reduce((s, v, i) => s + (v - rows[2][i]) ** 2, 0);
    expect(dist).toBeGreaterThan(1e-4);
    out.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(Object.keys(enc.parameters()).sort()).toEqual(['fc1.bias', 'fc1.kernel', 'fc2.bias', 'fc2.kernel']);
    enc.dispose();
  });
});
