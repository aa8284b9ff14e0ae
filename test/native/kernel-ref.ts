/** Shared helpers of the native kernel tests: seeded data, the tfjs `cpu` reference, relative error. */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import { Rng } from '../../src/core/rng.ts';
import { addonLoadError, loadAddon, type DalAddon } from '../../src/backend/addon.ts';

/** The addon; fails the suite (with the reason) when it is unavailable. */
export function addonOrFail(): DalAddon {
  const addon = loadAddon();
  expect(addonLoadError(), 'native addon failed to load').toBeNull();
  return addon!;
}

/** Uniform(-1, 1) values from a seeded Rng. */
export function randomArray(rng: Rng, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = 2 * rng.uniform() - 1;
  return a;
}

/** max|a − b| / max|b| (with a floor of 1e-3 on the scale so all-zero references compare absolutely). */
export function relError(a: Float32Array, b: Float32Array | ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let err = 0;
  let scale = 1e-3;
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i])) return Infinity;
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return err / scale;
}

/** Applies an addon activation code with tfjs ops (the reference of the fused epilogue). */
export function activationRef(x: tf.Tensor, code: number, alpha: number): tf.Tensor {
  switch (code) {
    case 0: return x;
    case 1: return tf.relu(x);
    case 2: return tf.relu6(x);
    case 3: return tf.sigmoid(x);
    case 4: return tf.elu(x);
    case 5: return tf.leakyRelu(x, alpha);
    default: throw new Error(`unknown activation ${code}`);
  }
}

/** Runs fn on the cpu backend and restores the previous backend; checks that no tensors leak. */
export async function onCpu<T>(fn: () => T): Promise<T> {
  const prev = tf.getBackend();
  await tf.setBackend('cpu');
  const before = tf.memory().numTensors;
  try {
    const result = fn();
    expect(tf.memory().numTensors).toBe(before);
    return result;
  } finally {
    if (prev && prev !== 'cpu') await tf.setBackend(prev);
  }
}
