import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMnist, MNIST_SPLIT_SEED, MNIST_TEST_SIZE, testQuotas } from '../../../src/core/data/mnist.ts';
import { batchIterator } from '../../../src/core/data/dataset.ts';
import { Rng } from '../../../src/core/rng.ts';

/** Sum of absolute pixel values of image i (a cheap fingerprint). */
function fingerprint(images: Float32Array, i: number): number {
  let s = 0;
  for (let k = 0; k < 1024; k++) s += images[i * 1024 + k] * (1 + (k % 7));
  return s;
}

describe('loadMnist', () => {
  it('loads all 10,000 digits padded to 32×32 in [0, 1] within 2 s of CPU time', () => {
    // CPU time, not wall time: the test machine is shared, and waiting for a core is not the loader's cost.
    const c0 = process.cpuUsage();
    const all = loadMnist('all');
    const cpu = process.cpuUsage(c0);
    expect((cpu.user + cpu.system) / 1000).toBeLessThan(2000);
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
    expect(loadMnist('all')).toBe(all); // cached
  });

  it("holds exactly the package's pixels (checked against JSON.parse of its digit files), centred in the 32×32 frame", () => {
    const all = loadMnist('all');
    const dir = join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');
    let offset = 0;
    let mismatches = 0;
    for (let d = 0; d < 10; d++) {
      const count = all.labels.filter((l) => l === d).length;
      if (d === 0 || d === 9) {
        const data = (JSON.parse(readFileSync(join(dir, `${d}.json`), 'utf8')) as { data: number[] }).data;
        expect(data.length).toBe(count * 784);
        for (let i = 0; i < count; i++) {
          expect(all.labels[offset + i]).toBe(d);
          for (let y = 0; y < 28; y++) {
            for (let x = 0; x < 28; x++) {
              if (all.images[(offset + i) * 1024 + (y + 2) * 32 + x + 2] !== Math.fround(data[i * 784 + y * 28 + x])) mismatches++;
            }
          }
        }
      }
      offset += count;
    }
    expect(mismatches).toBe(0);
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

describe('MNIST batches', () => {
  it('pairs each image with its label', () => {
    const ds = loadMnist('test');
    const batch = batchIterator(ds, 100, new Rng(1)).next();
    for (let i = 0; i < 100; i++) {
      const j = batch.indices[i];
      expect(batch.labels[i]).toBe(ds.labels[j]);
      expect(batch.images.subarray(i * 1024, (i + 1) * 1024)).toEqual(ds.images.subarray(j * 1024, (j + 1) * 1024));
    }
  });
});
