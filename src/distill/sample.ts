/**
 * Drawing from a one-step generator the way `sampleTeacher` (src/core/metrics/evaluate-model.ts) draws from a teacher:
 * balanced conditions (MNIST: i mod 10; shapes: every shape × colour, the views in turn), in chunks, as images in
 * [0, 1] with the per-head classes each sample was asked for — so `scoreTeacherSamples` scores both alike.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Condition } from '../core/diffusion/denoiser.ts';
import { balancedConditions } from '../core/data/conditional.ts';
import { requestedClasses, type TeacherSamples } from '../core/metrics/evaluate-model.ts';
import { Rng } from '../core/rng.ts';
import type { OneStepGenerator } from './generator.ts';

export interface GeneratorSampleOptions {
  n: number;
  seed: number;
  /** samples per network call (default 250) */
  chunk?: number;
  onChunk?: (done: number, n: number) => void;
}

/** n balanced one-step samples (one network evaluation each), mapped from the data range to [0, 1]. */
export function sampleGenerator(g: OneStepGenerator, o: GeneratorSampleOptions): TeacherSamples {
  const conditioning = g.net.conditioning;
  if (conditioning === 'none') throw new Error('sampleGenerator: the generator is unconditional');
  const conds = balancedConditions(conditioning, o.n, g.net.architecture.unet.numClasses || 10);
  const [lo, hi] = g.spec.range;
  const per = g.sampleShape.reduce((a, b) => a * b, 1);
  const images = new Float32Array(o.n * per);
  const rng = new Rng(o.seed);
  const chunk = o.chunk ?? 250;
  for (let start = 0; start < o.n; start += chunk) {
    const m = Math.min(chunk, o.n - start);
    const x = tf.tidy(() => {
      const cond: Condition = conds.labels
        ? { labels: conds.labels.subarray(start, start + m) }
        : { prompts: conds.prompts!.slice(start, start + m) };
      return tf.clipByValue(tf.div(tf.sub(g.draw(m, cond, rng), lo), hi - lo), 0, 1);
    });
    images.set(x.dataSync() as Float32Array, start * per);
    x.dispose();
    o.onChunk?.(start + m, o.n);
  }
  const requested = requestedClasses(conds);
  return { images, shape: [o.n, ...(g.sampleShape as [number, number, number])], ...conds, requested };
}
