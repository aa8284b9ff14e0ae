import { describe, expect, it } from 'vitest';
import { BatchIterator, batchIterator, gather, type ImageDataset } from '../../../src/core/data/dataset.ts';
import { Rng } from '../../../src/core/rng.ts';
import { DalError } from '../../../src/core/errors.ts';

/** 10 one-pixel images whose value is their index / 10 and label their index mod 3. */
function tinyDataset(n = 10): ImageDataset {
  return {
    name: 'tiny',
    shape: [1, 1, 1],
    numClasses: 3,
    size: n,
    images: Float32Array.from({ length: n }, (_, i) => i / n),
    labels: Int32Array.from({ length: n }, (_, i) => i % 3),
  };
}

describe('BatchIterator', () => {
  it('yields full batches that cover an epoch once, then reshuffles (last partial batch dropped)', () => {
    const ds = tinyDataset();
    const it = batchIterator(ds, 3, new Rng(1));
    expect(it.batchesPerEpoch).toBe(3);
    const seen: number[] = [];
    for (let b = 0; b < 3; b++) {
      const batch = it.next();
      expect(batch.images.length).toBe(3);
      batch.indices.forEach((j, i) => {
        expect(batch.images[i]).toBe(ds.images[j]);
        expect(batch.labels[i]).toBe(j % 3);
      });
      seen.push(...batch.indices);
    }
    expect(new Set(seen).size).toBe(9);
    expect(it.epoch).toBe(0);
    it.next();
    expect(it.epoch).toBe(1);
  });

  it('is deterministic for a seed and resumes exactly from a JSON round-trip of state()', () => {
    const ds = tinyDataset(50);
    const a = batchIterator(ds, 7, new Rng(7));
    const b = batchIterator(ds, 7, new Rng(7));
    for (let i = 0; i < 20; i++) expect(a.next().indices).toEqual(b.next().indices);
    const resumed = BatchIterator.fromState(ds, 7, JSON.parse(JSON.stringify(a.state())));
    for (let i = 0; i < 25; i++) expect(resumed.next().indices).toEqual(a.next().indices);
    expect(resumed.epoch).toBe(a.epoch);
    const c = batchIterator(ds, 7, new Rng(8));
    expect(c.next().indices).not.toEqual(batchIterator(ds, 7, new Rng(7)).next().indices);
  });

  it('refuses a batch size the dataset cannot fill', () => {
    expect(() => batchIterator(tinyDataset(), 11, new Rng(0))).toThrow(DalError);
    expect(() => batchIterator(tinyDataset(), 0, new Rng(0))).toThrow(DalError);
  });

  it('gathers examples by index', () => {
    const g = gather(tinyDataset(), [4, 0, 4]);
    expect(Array.from(g.images)).toEqual([0.4, 0, 0.4].map(Math.fround));
    expect(Array.from(g.labels)).toEqual([1, 0, 1]);
  });
});
