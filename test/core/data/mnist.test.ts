import { describe, expect, it } from 'vitest';
import { loadMnist, MNIST_SPLIT_SEED, MNIST_TEST_SIZE, testQuotas } from '../../../src/core/data/mnist.ts';
import { BatchIterator, batchIterator } from '../../../src/core/data/dataset.ts';
import { Rng } from '../../../src/core/rng.ts';

/** Sum of absolute pixel values of image i (a cheap fingerprint). */
function fingerprint(images: Float32Array, i: number): number {
  let s = 0;
  for (let k = 0; k < 1024; k++) s += images[i * 1024 + k] * (1 + (k % 7));
  return s;
}

describe('loadMnist', () => {
  it('loads all 10,000 digits padded to 32×32 in [0, 1] within 2 s', () => {
    const t0 = performance.now();
    const all = loadMnist('all');
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(all.size).toBe(10000);
    expect(all.shape).toEqual([32, 32, 1]);
    expect(all.images.length).toBe(10000 * 32 * 32);
    expect(all.labels.length).toBe(10000);
    let mn = Infinity;
    let mx = -Infinity;
    for (const v of all.images) {
      mn = Math.min(mn, v);
      mx = Math.max(mx, v);
    }
    expect(mn).toBe(0);
    expect(mx).toBeCloseTo(1, 5);
    const counts = new Array(10).fill(0);
    for (const l of all.labels) counts[l]++;
    expect(counts.every((c) => c > 800)).toBe(true);
    // Second call hits the cache.
    const t1 = performance.now();
    expect(loadMnist('all')).toBe(all);
    expect(performance.now() - t1).toBeLessThan(5);
  });

  it('has a zero 2-pixel border and ink inside', () => {
    const { images, size } = loadMnist('all');
    let borderMax = 0;
    let inkMin = Infinity;
    for (let i = 0; i < size; i++) {
      let ink = 0;
      for (let y = 0; y < 32; y++) {
        for (let x = 0; x < 32; x++) {
          const v = images[i * 1024 + y * 32 + x];
          if (y < 2 || y >= 30 || x < 2 || x >= 30) borderMax = Math.max(borderMax, v);
          else ink += v;
        }
      }
      inkMin = Math.min(inkMin, ink);
    }
    expect(borderMax).toBe(0);
    expect(inkMin).toBeGreaterThan(5);
  });

  it('splits 9,000 / 1,000, stratified by class, disjoint and fixed', () => {
    const all = loadMnist('all');
    const train = loadMnist('train');
    const test = loadMnist('test');
    expect(train.size + test.size).toBe(all.size);
    expect(test.size).toBe(1000);
    const countsAll = new Array(10).fill(0);
    const countsTest = new Array(10).fill(0);
    for (const l of all.labels) countsAll[l]++;
    for (const l of test.labels) countsTest[l]++;
    expect(test.size).toBe(MNIST_TEST_SIZE);
    // Stratified: every class gets its proportional share, within one digit.
    for (let d = 0; d < 10; d++) expect(Math.abs(countsTest[d] - countsAll[d] / 10)).toBeLessThan(1);
    expect(countsTest).toEqual(testQuotas(countsAll, 1000));
    // Disjoint: the multiset of fingerprints of train ∪ test equals that of all (no image in both, none lost).
    const fa = Array.from({ length: all.size }, (_, i) => fingerprint(all.images, i)).sort((a, b) => a - b);
    const fs = [
      ...Array.from({ length: train.size }, (_, i) => fingerprint(train.images, i)),
      ...Array.from({ length: test.size }, (_, i) => fingerprint(test.images, i)),
    ].sort((a, b) => a - b);
    expect(fs.length).toBe(fa.length);
    expect(fs.every((v, i) => v === fa[i])).toBe(true);
    expect(new Set(fa).size).toBeGreaterThan(9900); // fingerprints almost always tell digits apart
    // Fixed for the seed: the held-out digits are the first 10% of one permutation per class from MNIST_SPLIT_SEED.
    const rng = new Rng(MNIST_SPLIT_SEED);
    const expected: number[] = [];
    let offset = 0;
    for (let d = 0; d < 10; d++) {
      const perm = rng.permutation(countsAll[d]);
      const chosen = Array.from(perm.subarray(0, countsTest[d])).sort((a, b) => a - b);
      for (const j of chosen) expected.push(fingerprint(all.images, offset + j));
      offset += countsAll[d];
    }
    const got = Array.from({ length: test.size }, (_, i) => fingerprint(test.images, i));
    expect(got.every((v, i) => v === expected[i])).toBe(true);
    expect(test).toBe(loadMnist('test'));
  });
});

describe('testQuotas', () => {
  it('shares a total in proportion, by largest remainder', () => {
    expect(testQuotas([15, 25, 60], 10)).toEqual([2, 2, 6]); // 1.5, 2.5, 6 → ties broken by class order
    expect(testQuotas([1, 1, 1], 2)).toEqual([1, 1, 0]);
  });
});

describe('BatchIterator', () => {
  const ds = loadMnist('test');

  it('yields full, epoch-shuffled batches covering each epoch once', () => {
    const it = batchIterator(ds, 100, new Rng(1));
    expect(ds.size).toBe(1000);
    expect(it.batchesPerEpoch).toBe(10);
    const seen = new Set<number>();
    for (let b = 0; b < 10; b++) {
      const batch = it.next();
      expect(batch.images.length).toBe(100 * 1024);
      expect(batch.labels.length).toBe(100);
      for (let i = 0; i < 100; i++) {
        seen.add(batch.indices[i]);
        expect(batch.labels[i]).toBe(ds.labels[batch.indices[i]]);
        expect(batch.images[i * 1024 + 16 * 32 + 16]).toBe(ds.images[batch.indices[i] * 1024 + 16 * 32 + 16]);
      }
    }
    expect(seen.size).toBe(1000);
    expect(it.epoch).toBe(0);
    const first = it.next();
    expect(it.epoch).toBe(1);
    expect(Array.from(first.indices.subarray(0, 10))).not.toEqual(Array.from({ length: 10 }, (_, i) => i));
  });

  it('is deterministic for a seed and resumes exactly from state()', () => {
    const a = batchIterator(ds, 64, new Rng(7));
    const b = batchIterator(ds, 64, new Rng(7));
    for (let i = 0; i < 20; i++) expect(a.next().indices).toEqual(b.next().indices);
    const saved = JSON.parse(JSON.stringify(a.state()));
    const resumed = BatchIterator.fromState(ds, 64, saved);
    for (let i = 0; i < 25; i++) expect(resumed.next().indices).toEqual(a.next().indices);
    expect(resumed.epoch).toBe(a.epoch);
  });
});
