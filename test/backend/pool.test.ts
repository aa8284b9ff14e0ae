/** The native backend's output-buffer recycling (src/backend/pool.ts): reuse, and the cases that must not reuse. */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { describeNative } from '../native-suite.ts';
import { initBackend } from '../../src/backend/index.ts';
import type { NativeBackend } from '../../src/backend/native.ts';
import { BufferPool } from '../../src/backend/pool.ts';

describe('BufferPool', () => {
  it('recycles a released buffer of the same length, and zero-fills it for allocZeroed', () => {
    const pool = new BufferPool(1 << 20, 16);
    const a = pool.alloc(32);
    pool.adopt(a);
    a.fill(7);
    pool.release(a);
    expect(pool.freeByteCount).toBe(128);
    const b = pool.alloc(32);
    expect(b).toBe(a);
    pool.adopt(b);
    pool.release(b);
    const z = pool.allocZeroed(32);
    expect(z).toBe(a);
    expect([...z].every((v) => v === 0)).toBe(true);
    expect(pool.alloc(33)).not.toBe(a); // another length: a fresh buffer
  });

  it('never recycles a buffer with two owners, a view, an escaped one, small ones, or beyond its size limit', () => {
    const pool = new BufferPool(256, 16);
    const shared = pool.alloc(32);
    pool.adopt(shared);
    pool.adopt(shared.subarray(0, 16)); // a second tensor views the same memory
    pool.release(shared);
    const escaped = pool.alloc(32);
    pool.adopt(escaped);
    pool.escape(escaped);
    pool.release(escaped);
    const small = pool.alloc(8);
    pool.adopt(small);
    pool.release(small);
    expect(pool.freeByteCount).toBe(0);
    const big = pool.alloc(128); // 512 bytes > the 256-byte limit
    pool.adopt(big);
    pool.release(big);
    expect(pool.freeByteCount).toBe(0);
    const foreign = new Float32Array(32); // not from the pool
    pool.adopt(foreign);
    pool.release(foreign);
    expect(pool.freeByteCount).toBe(0);
  });
});

describeNative('native backend buffer recycling', () => {
  it('reuses disposed outputs without corrupting values the user read, or views of them', async () => {
    await initBackend('native');
    const pool = (tf.backend() as NativeBackend).pool;
    const before = tf.memory().numTensors;
    const n = 8192;
    const x = tf.range(0, n, 1, 'float32');
    // an output the user reads: the array handed out must keep its values after dispose and later kernels
    const y = tf.mul(x, 2);
    const read = y.dataSync();
    y.dispose();
    const z = tf.mul(x, 3);
    expect(read[5]).toBe(10);
    expect(read[n - 1]).toBe(2 * (n - 1));
    // a cpu kernel whose output views its input's buffer (contiguous Unstack → slice views), input disposed
    const w = tf.add(x, 1);
    const [row0, row1] = tf.tidy(() => tf.unstack(tf.reshape(w, [2, n / 2])));
    tf.dispose(w);
    const fill = [tf.mul(x, 5), tf.mul(x, 7)]; // would take w's buffer if it had been recycled
    expect((await row1.data())[0]).toBe(n / 2 + 1);
    expect((await row0.data())[3]).toBe(4);
    // a plain intermediate is recycled: the next output of its length reuses its buffer
    const tmp = tf.add(x, 4);
    const stored = (tf.backend() as NativeBackend).data.get(tmp.dataId).values;
    tmp.dispose();
    expect(pool.freeByteCount).toBeGreaterThanOrEqual(4 * n);
    const next = tf.sub(x, 1);
    expect((tf.backend() as NativeBackend).data.get(next.dataId).values).toBe(stored);
    expect((await next.data())[10]).toBe(9);
    tf.dispose([x, z, row0, row1, ...fill, next]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('zero-fills recycled buffers where a kernel needs zeros (PadV2, UnsortedSegmentSum)', async () => {
    await initBackend('native');
    const n = 8192;
    const x = tf.ones([n - 2]);
    const junk = tf.tidy(() => tf.add(tf.zeros([n]), 9)); // released below, then reused by the pad output of the same length
    junk.dispose();
    const p = tf.pad(x, [[1, 1]]);
    const v = await p.data();
    expect([v[0], v[1], v[n - 2], v[n - 1]]).toEqual([0, 1, 1, 0]);
    const junk2 = tf.tidy(() => tf.add(tf.zeros([n]), 9));
    junk2.dispose();
    const s = tf.unsortedSegmentSum(tf.ones([4, n / 2]), tf.tensor1d([0, 0, 1, 1], 'int32'), 2);
    const sv = await s.data();
    expect([sv[0], sv[n / 2], sv[n - 1]]).toEqual([2, 2, 2]);
    tf.dispose([x, p, s]);
  });
});
