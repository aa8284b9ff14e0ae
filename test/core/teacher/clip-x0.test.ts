import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import type { Denoiser } from '../../../src/core/denoiser.ts';
import { cosineSchedule } from '../../../src/core/schedule.ts';
import { withX0Clipping } from '../../../src/core/teacher/clip-x0.ts';

/** A denoiser whose ε̂ is a fixed tensor, so x̂₀ = (x − σε̂)/α is known by hand. */
const constant = (eps: number[]): Denoiser => ({
  schedule: cosineSchedule(),
  sampleShape: [eps.length],
  eps: (x) => tf.tidy(() => tf.broadcastTo(tf.tensor1d(eps), x.shape)),
});

describe('withX0Clipping', () => {
  it('leaves ε̂ alone when x̂₀ is inside the range and clips x̂₀ otherwise: ε̃ = (x − α·clip(x̂₀))/σ', () => {
    const t = 0.5;
    const [a, s] = [Math.cos(Math.PI / 4), Math.sin(Math.PI / 4)];
    // x = [0.1, 3]: ε̂ = [0.05, −1] gives x̂₀ = [(0.1 − 0.05s)/a, (3 + s)/a] = [0.0914, 5.24]; the second clips to 1.
    const [x, tt] = [tf.tensor2d([[0.1, 3]]), tf.tensor1d([t])];
    const before = tf.memory().numTensors;
    const e = withX0Clipping(constant([0.05, -1])).eps(x, tt);
    const [e0, e1] = Array.from(e.dataSync());
    expect(e0).toBeCloseTo(0.05, 5);
    expect(e1).toBeCloseTo((3 - a * 1) / s, 5);
    expect(tf.memory().numTensors).toBe(before + 1);
    tf.dispose([e, x, tt]);
  });
});
