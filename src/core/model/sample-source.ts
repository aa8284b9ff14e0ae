/**
 * The sampling interface that `dal sample` and `dal eval` call: a `SampleSource` draws n samples of a model, whatever
 * the model is — a diffusion prior run through a multi-step sampler (DDIM / DDPM / Heun with CFG), or a one-step
 * generator (`sampler: 'onestep'`, DMD). Each model-directory kind (src/core/model/model-dir.ts, `MODEL_KINDS`) says
 * how to make one from its loaded model; `denoiserSource` is the one for every `Denoiser`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Condition, Denoiser } from '../diffusion/denoiser.ts';
import { withGuidance } from '../diffusion/guidance.ts';
import { sample, SAMPLER_NAMES, type SamplerName } from '../diffusion/samplers.ts';
import type { Rng } from '../rng.ts';
import type { ConditioningKind } from './unet-denoiser.ts';

/** How samples are drawn: a diffusion sampler, or one generator evaluation. */
export type SamplerChoice = SamplerName | 'onestep';
export const SAMPLER_CHOICES: readonly SamplerChoice[] = [...SAMPLER_NAMES, 'onestep'];

export interface DrawOptions {
  /** default: the source's first sampler (`samplers[0]`) */
  sampler?: SamplerChoice;
  /** sampler steps (ignored by 'onestep') */
  steps: number;
  /** DDIM η (ddim only) */
  eta?: number;
  /** classifier-free guidance scale; default the source's `guidance` */
  guidance?: number;
  /** per-sample condition (labels/prompts of length n), or null */
  cond?: Condition | null;
  rng: Rng;
  /** clip x̂₀ to [lo, hi] at every step; undefined = the source's `range`, null = no clipping */
  clipX0?: readonly [number, number] | null;
  /** largest batch per model call (default: the source's own limit) */
  maxBatch?: number;
  /** progress: called with the samples' steps done so far (one sample advanced one step) and the total */
  onStep?: (done: number, total: number) => void;
}

export interface SampleSource {
  readonly sampleShape: readonly number[];
  readonly conditioning: ConditioningKind;
  /** Number of class labels (label conditioning), else 0. */
  readonly numLabels: number;
  /** What `draw` accepts as `sampler`, the default first. */
  readonly samplers: readonly SamplerChoice[];
  /** The guidance scale used when none is given. */
  readonly guidance: number;
  /** The data range of the samples (images: [−1, 1]); undefined for unbounded data (the toys). */
  readonly range?: readonly [number, number];
  /**
   * n samples [n, ...sampleShape] in the data range (the caller disposes them), drawn in chunks of at most the
   * source's batch limit; one generator `rng` runs through all chunks.
   */
  draw(n: number, opts: DrawOptions): tf.Tensor;
  dispose(): void;
}

/** What `denoiserSource` needs to know besides the denoiser. */
export interface DenoiserFacts {
  conditioning: ConditioningKind;
  numLabels: number;
  guidance: number;
  range?: readonly [number, number];
  /** largest batch per sampler call (default: all n at once) */
  maxBatch?: number;
  dispose(): void;
}

/** A `Denoiser` as a sample source: multi-step samplers (ddim default, ddpm, heun) with CFG. */
export function denoiserSource(d: Denoiser, facts: DenoiserFacts): SampleSource {
  return {
    sampleShape: d.sampleShape,
    conditioning: facts.conditioning,
    numLabels: facts.numLabels,
    samplers: ['ddim', 'ddpm', 'heun'],
    guidance: facts.guidance,
    range: facts.range,
    draw(n, opts) {
      const sampler = opts.sampler ?? 'ddim';
      if (sampler === 'onestep') throw new Error("denoiserSource: a diffusion model has no 'onestep' sampler (ddim, ddpm or heun)");
      const guided = withGuidance(d, opts.guidance ?? facts.guidance);
      const clipX0 = opts.clipX0 === undefined ? facts.range : (opts.clipX0 ?? undefined);
      const chunk = Math.min(n, opts.maxBatch ?? facts.maxBatch ?? n);
      const parts: tf.Tensor[] = [];
      for (let start = 0; start < n; start += chunk) {
        const m = Math.min(chunk, n - start);
        const onStep = opts.onStep && ((i: number) => opts.onStep!(start * opts.steps + m * i, n * opts.steps));
        const cond = sliceCondition(opts.cond, start, m);
        parts.push(tf.tidy(() => sample(guided, m, { sampler, steps: opts.steps, eta: opts.eta, cond, rng: opts.rng, clipX0, onStep })));
      }
      if (parts.length === 1) return parts[0];
      const out = tf.concat(parts);
      tf.dispose(parts);
      return out;
    },
    dispose: facts.dispose,
  };
}

/** Samples [start, start + m) of a per-sample condition. */
export function sliceCondition(cond: Condition | null | undefined, start: number, m: number): Condition | null {
  if (!cond) return null;
  const out: Condition = {};
  if (cond.labels) out.labels = cond.labels.subarray(start, start + m);
  if (cond.prompts) out.prompts = cond.prompts.slice(start, start + m);
  return out;
}

/**
 * Samples in the data range [lo, hi] mapped to [0, 1] images (clipped).
 * @param x [N, H, W, C]
 */
export function toUnitRange(x: tf.Tensor, [lo, hi]: readonly [number, number]): tf.Tensor {
  return tf.tidy(() => tf.clipByValue(tf.div(tf.sub(x, lo), hi - lo), 0, 1));
}
