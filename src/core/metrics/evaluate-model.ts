/**
 * Measures a teacher: draw balanced conditional samples (MNIST: n/10 per digit; shapes: every shape × colour, views in
 * turn) with a sampler and a CFG scale, then score them with the dataset's classifier (src/core/metrics/evaluate.ts):
 * accuracy on the requested class (and the independent k-NN for MNIST), FID, precision, recall, and the worst
 * per-class accuracy (the acceptance bar is per class).
 */
import * as tf from '@tensorflow/tfjs-core';
import { withGuidance } from '../diffusion/guidance.ts';
import type { Condition } from '../diffusion/denoiser.ts';
import { parsePrompt } from '../data/shapes/dataset.ts';
import { DalError } from '../errors.ts';
import type { ClassifierKind } from './classifier.ts';
import type { Evaluator } from './evaluate.ts';
import { Rng, type RngState } from '../rng.ts';
import { sample, type SamplerName } from '../diffusion/samplers.ts';
import { balancedConditions } from '../data/conditional.ts';
import type { ModelManifest } from '../model/model-dir.ts';
import type { UNetDenoiser } from '../model/unet-denoiser.ts';

export interface TeacherSampleOptions {
  n: number;
  sampler: SamplerName;
  steps: number;
  guidance: number;
  seed: number;
  /** Samples per sampler call (default 250). */
  chunk?: number;
  /**
   * Called after every chunk with the samples done, n, and what `resume` needs to continue from here: the images so far
   * ([done, H, W, C] in [0, 1], a view valid during the call) and the random generator's state.
   */
  onChunk?: (done: number, n: number, state: TeacherSamplingState) => void;
  /** Continue an interrupted call with the same options (same `chunk`): the state its `onChunk` reported last. */
  resume?: TeacherSamplingState;
  /** Called after every sampler step with the sample-steps done so far (a sample advanced one step) and the total, n · steps. */
  onStep?: (done: number, total: number) => void;
}

/** Where a chunked `sampleTeacher` call stands: `done` samples drawn, their images, the generator after them. */
export interface TeacherSamplingState {
  done: number;
  /** [done, H, W, C] in [0, 1] (at least done · H · W · C values) */
  images: Float32Array;
  rng: RngState;
}

/** Balanced conditional samples of a teacher, as images in [0, 1]. */
export interface TeacherSamples {
  /** [n, H, W, C] in [0, 1] */
  images: Float32Array;
  shape: [number, number, number, number];
  labels?: Int32Array;
  prompts?: string[];
  /** The class each sample was asked for, per classifier head ({digit} or {shape, color}). */
  requested: Record<string, Int32Array>;
}

/** The classifier kind (dataset) a teacher was trained on. */
export function teacherKind(manifest: ModelManifest): ClassifierKind {
  const name = manifest.data.name;
  if (name !== 'mnist' && name !== 'shapes') throw new DalError(`no evaluation for a teacher trained on '${name}' (mnist or shapes only)`);
  return name;
}

/** Draws `n` balanced conditional samples (CFG `guidance`), in chunks, mapped from the data range to [0, 1]. */
export function sampleTeacher(model: UNetDenoiser, manifest: ModelManifest, o: TeacherSampleOptions): TeacherSamples {
  const conditioning = model.conditioning;
  if (conditioning === 'none') throw new DalError('the teacher is unconditional; class accuracy needs labels or prompts');
  const conds = balancedConditions(conditioning, o.n, model.architecture.unet.numClasses || 10);
  const [lo, hi] = manifest.data.range;
  const guided = withGuidance(model, o.guidance);
  const chunk = o.chunk ?? 250;
  const per = model.sampleShape.reduce((a, b) => a * b, 1);
  const images = new Float32Array(o.n * per);
  const r = o.resume;
  if (r && !(Number.isInteger(r.done) && r.done >= 0 && r.done <= o.n && (r.done % chunk === 0 || r.done === o.n) && r.images.length >= r.done * per)) {
    throw new Error(`sampleTeacher: cannot resume at ${r.done} of ${o.n} samples with chunks of ${chunk} (and ${r.images.length} image values)`);
  }
  if (r) images.set(r.images.subarray(0, r.done * per));
  // One generator through all chunks: a resumed call draws exactly what the uninterrupted one would have.
  const rng = r ? Rng.fromState(r.rng) : new Rng(o.seed);
  for (let start = r?.done ?? 0; start < o.n; start += chunk) {
    const m = Math.min(chunk, o.n - start);
    const x = tf.tidy(() => {
      const cond: Condition = conds.labels
        ? { labels: conds.labels.subarray(start, start + m) }
        : { prompts: conds.prompts!.slice(start, start + m) };
      const onStep = o.onStep && ((i: number) => o.onStep!(start * o.steps + m * i, o.n * o.steps));
      // x̂₀ clipped to the data range at every step (see `clipX0Eps` in samplers.ts)
      const out = sample(guided, m, { sampler: o.sampler, steps: o.steps, cond, rng, onStep, clipX0: [lo, hi] });
      return tf.clipByValue(tf.div(tf.sub(out, lo), hi - lo), 0, 1);
    });
    images.set(x.dataSync() as Float32Array, start * per);
    x.dispose();
    o.onChunk?.(start + m, o.n, { done: start + m, images: images.subarray(0, (start + m) * per), rng: rng.state() });
  }
  const requested = requestedClasses(conds);
  return { images, shape: [o.n, ...(model.sampleShape as [number, number, number])], ...conds, requested };
}

/** The class each balanced condition asks for, per classifier head: {digit} (labels) or {shape, color} (prompts). */
export function requestedClasses(conds: { labels?: Int32Array; prompts?: string[] }): Record<string, Int32Array> {
  if (conds.labels) return { digit: conds.labels };
  const parsed = conds.prompts!.map((p) => parsePrompt(p)!);
  return { shape: Int32Array.from(parsed, (p) => p.shape), color: Int32Array.from(parsed, (p) => p.color) };
}

/**
 * The evaluator's metrics plus `min_class_accuracy` (the worst class: a digit, or a shape × colour pair, all heads
 * right) and `worst_class` (its index: digit, or shape · 5 + colour).
 */
export function scoreTeacherSamples(ev: Evaluator, s: TeacherSamples): Record<string, number> {
  const metrics = ev.evaluate(s.images, s.requested);
  const { features, predictions } = ev.classifier.run(s.images);
  features.dispose();
  const heads = Object.keys(s.requested);
  const classOf = (i: number) => (heads.length === 1 ? s.requested[heads[0]][i] : s.requested.shape[i] * 5 + s.requested.color[i]);
  const right = new Map<number, [number, number]>();
  for (let i = 0; i < s.images.length / (s.shape[1] * s.shape[2] * s.shape[3]); i++) {
    const c = classOf(i);
    const r = right.get(c) ?? [0, 0];
    r[0] += heads.every((h) => predictions[h][i] === s.requested[h][i]) ? 1 : 0;
    r[1]++;
    right.set(c, r);
  }
  let worst = -1;
  let min = Infinity;
  for (const [c, [k, n]] of [...right.entries()].sort((a, b) => a[0] - b[0])) {
    if (k / n < min) [min, worst] = [k / n, c];
  }
  return { ...metrics, min_class_accuracy: min, worst_class: worst };
}
