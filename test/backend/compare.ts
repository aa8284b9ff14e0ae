/**
 * Test helpers: run the same computation on the `native` and the `cpu` backend and compare the results.
 * Inputs are plain Float32Arrays (from a seeded Rng) so both backends see identical data.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import { Rng } from '../../src/core/rng.ts';

export const TOL = 1e-4;

/** ‖a − b‖∞ / max(‖b‖∞, 1e-6): the relative error used by every kernel test. */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (Number.isNaN(a[i]) !== Number.isNaN(b[i])) return Infinity;
    if (!Number.isNaN(d)) diff = Math.max(diff, d);
    if (Number.isFinite(b[i])) scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / Math.max(scale, 1e-6);
}

/** Random normal values of a shape, as a Float32Array. */
export function randn(rng: Rng, shape: number[], scale = 1): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = rng.normalArray(n);
  if (scale !== 1) for (let i = 0; i < n; i++) v[i] *= scale;
  return v;
}

/** Runs fn on `backend` and returns its outputs' values and shapes; asserts that no tensor leaked. */
export async function runOn(
  backend: string,
  fn: () => tf.Tensor | tf.Tensor[],
): Promise<{ values: Float32Array[]; shapes: number[][] }> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const outs = tf.tidy(fn);
  const list = Array.isArray(outs) ? outs : [outs];
  const values = list.map((t) => Float32Array.from(t.dataSync()));
  const shapes = list.map((t) => t.shape);
  tf.dispose(list);
  expect(tf.memory().numTensors).toBe(before);
  return { values, shapes };
}

/** Runs fn on native and cpu and expects equal shapes and values within TOL relative error. */
export async function expectSameOnBoth(fn: () => tf.Tensor | tf.Tensor[], tol = TOL): Promise<number> {
  const nat = await runOn('native', fn);
  const cpu = await runOn('cpu', fn);
  await tf.setBackend('native');
  expect(nat.shapes).toEqual(cpu.shapes);
  let worst = 0;
  for (let i = 0; i < nat.values.length; i++) {
    const e = relErr(nat.values[i], cpu.values[i]);
    worst = Math.max(worst, e);
    expect(e, `output ${i} of shape [${cpu.shapes[i]}]`).toBeLessThanOrEqual(tol);
  }
  return worst;
}
