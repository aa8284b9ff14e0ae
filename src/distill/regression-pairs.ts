/**
 * DMD's regression pairs (Yin et al. 2023 §3.3, eq. 9): (noise z, condition y, image x) with x = the teacher's
 * deterministic ODE sample from z (DDIM, η = 0, Song et al. 2021 eq. 12; 50 steps and the real score's CFG by default),
 * made once and cached with the run. The noise is not stored: it is the stream of `Rng(seed)` (z_i = rows of one
 * `normalArray(n · D)`), so the cache holds only the images and conditions. Generation is resumable: every finished
 * chunk is written atomically as its own `.npy`, and a restarted call continues after the last one.
 *
 * Files in `dir`: `pairs.json` (settings, conditions), `x-<start>.npy` per finished chunk, then `x.npy` [n, ...]
 * (the chunks are removed once it is written).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { Condition, Denoiser } from '../core/diffusion/denoiser.ts';
import { withGuidance } from '../core/diffusion/guidance.ts';
import { sample } from '../core/diffusion/samplers.ts';
import { DalError } from '../core/errors.ts';
import { writeFileAtomic } from '../core/io/atomic.ts';
import { readNpy, writeNpy } from '../core/io/npy.ts';
import { Rng } from '../core/rng.ts';

export interface RegressionPairsOptions {
  n: number;
  /** DDIM steps */
  steps: number;
  /** CFG scale of the teacher */
  cfgScale: number;
  /** seeds the noise stream */
  seed: number;
  /** x̂₀ clipping range of the sampler (the data range), or null */
  clipX0: [number, number] | null;
  /** samples per sampler call (default 50) */
  chunk?: number;
  /** progress: pairs done, n */
  onChunk?: (done: number, n: number) => void;
}

/** The conditions of the n pairs, one per pair (labels or prompts). */
export interface PairConditions {
  labels?: number[];
  prompts?: string[];
}

interface PairsFile {
  n: number;
  steps: number;
  cfgScale: number;
  seed: number;
  sampleShape: number[];
  conditions: PairConditions;
}

/** The cached pairs, in memory: x [n, ...sampleShape] in the data range, and z regenerated from the seed. */
export class RegressionPairs {
  private constructor(
    readonly n: number,
    readonly sampleShape: number[],
    readonly x: Float32Array,
    readonly z: Float32Array,
    readonly conditions: PairConditions,
  ) {}

  /** Loads the pairs cached in `dir`, generating (or finishing) them first. */
  static loadOrCreate(dir: string, teacher: Denoiser, conditions: PairConditions, o: RegressionPairsOptions): RegressionPairs {
    const shape = [...teacher.sampleShape];
    const per = shape.reduce((a, b) => a * b, 1);
    const spec: PairsFile = { n: o.n, steps: o.steps, cfgScale: o.cfgScale, seed: o.seed, sampleShape: shape, conditions };
    mkdirSync(dir, { recursive: true });
    const specPath = join(dir, 'pairs.json');
    if (existsSync(specPath)) {
      const old = JSON.parse(readFileSync(specPath, 'utf8')) as PairsFile;
      if (JSON.stringify(old) !== JSON.stringify(spec)) {
        throw new DalError(`${specPath} holds regression pairs made with other settings (n, steps, cfg, seed or conditions); delete ${dir} to make new ones`);
      }
    } else {
      writeFileAtomic(specPath, JSON.stringify(spec));
    }
    const z = new Rng(o.seed).normalArray(o.n * per);
    const full = join(dir, 'x.npy');
    if (existsSync(full)) {
      const { data, shape: s } = readNpy(full);
      if (s.join() !== [o.n, ...shape].join()) throw new DalError(`${full} is [${s}], expected [${[o.n, ...shape]}]; delete ${dir} to regenerate`);
      return new RegressionPairs(o.n, shape, data as Float32Array, z, conditions);
    }
    const chunk = o.chunk ?? 50;
    const x = new Float32Array(o.n * per);
    const guided = withGuidance(teacher, o.cfgScale);
    for (let start = 0; start < o.n; start += chunk) {
      const m = Math.min(chunk, o.n - start);
      const file = join(dir, `x-${String(start).padStart(6, '0')}.npy`);
      if (existsSync(file)) {
        x.set(readNpy(file).data as Float32Array, start * per);
      } else {
        const out = tf.tidy(() => {
          const cond = conditionTensor(conditions, start, m);
          const xT = tf.tensor(z.subarray(start * per, (start + m) * per), [m, ...shape]);
          // deterministic DDIM: the rng is never drawn from (η = 0, xT given)
          return sample(guided, m, { sampler: 'ddim', steps: o.steps, cond, rng: new Rng(0), xT, ...(o.clipX0 ? { clipX0: o.clipX0 } : {}) });
        });
        const data = out.dataSync() as Float32Array;
        out.dispose();
        writeNpy(file, data, [m, ...shape]);
        x.set(data, start * per);
      }
      o.onChunk?.(start + m, o.n);
    }
    writeNpy(full, x, [o.n, ...shape]);
    for (const f of readdirSync(dir)) if (/^x-\d+\.npy$/.test(f)) rmSync(join(dir, f), { force: true });
    return new RegressionPairs(o.n, shape, x, z, conditions);
  }

  /**
   * A batch of pairs by index.
   * @returns z, x [idx.length, ...sampleShape] and their condition (the caller disposes the tensors)
   */
  batch(idx: Int32Array | number[]): { z: tf.Tensor; x: tf.Tensor; cond: Condition | null } {
    const per = this.x.length / this.n;
    const m = idx.length;
    const z = new Float32Array(m * per);
    const x = new Float32Array(m * per);
    Array.from(idx).forEach((i, j) => {
      z.set(this.z.subarray(i * per, (i + 1) * per), j * per);
      x.set(this.x.subarray(i * per, (i + 1) * per), j * per);
    });
    const c = this.conditions;
    const cond: Condition | null = c.labels
      ? { labels: Int32Array.from(idx, (i) => c.labels![i]) }
      : c.prompts
        ? { prompts: Array.from(idx, (i) => c.prompts![i]) }
        : null;
    return { z: tf.tensor(z, [m, ...this.sampleShape]), x: tf.tensor(x, [m, ...this.sampleShape]), cond };
  }
}

function conditionTensor(c: PairConditions, start: number, m: number): Condition | null {
  if (c.labels) return { labels: Int32Array.from(c.labels.slice(start, start + m)) };
  if (c.prompts) return { prompts: c.prompts.slice(start, start + m) };
  return null;
}
