/**
 * The shared conformance suite every `Denoiser` passes (STYLE.md: shapes, ε-prediction at t → 0, round trip, finite
 * gradients, no leaks). Call `describeDenoiserConformance(name, makeDenoiser, options)` from a test file; analytic
 * priors, adapters and trained teachers (U-Nets) all run the same checks.
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Condition, Denoiser } from '../../../src/core/diffusion/denoiser.ts';
import { registerGradients } from '../../../src/core/nn/gradients.ts';
import { x0FromEps } from '../../../src/core/diffusion/parameterization.ts';
import { Rng } from '../../../src/core/rng.ts';

export interface ConformanceOptions {
  /** batch size of the checks (default 4) */
  batch?: number;
  /** a non-null condition the model accepts, for the conditional path (default: only unconditional is checked) */
  cond?: (batch: number, rng: Rng) => Condition;
  /**
   * clean samples x₀ [n, ...sampleShape] of the model's own data: given, the suite checks that the model denoises them
   * (see `denoisingRatio`); a model without known data (an untrained network) skips that check
   */
  sampleX0?: (n: number, rng: Rng) => tf.Tensor;
  /** the time of the denoising check (default 0.15: noise comparable to ring8's mode spacing) */
  denoiseT?: number;
  /** the largest denoising ratio that passes (default 0.55; ε̂ ≡ 0 gives exactly 1, the exact ring8 score 0.42) */
  denoiseMaxRatio?: number;
  /** relative tolerance of batch independence (default 1e-4; float32 kernels may reorder sums by batch size) */
  batchTolerance?: number;
  /** rebuild the denoiser from its serialized form (config/checkpoint); outputs must match the original */
  roundTrip?: (d: Denoiser) => Denoiser | Promise<Denoiser>;
}

const TIMES = [1e-3, 0.1, 0.5, 0.9, 0.999];

function maxAbs(a: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(a)).dataSync()[0]);
}

export function describeDenoiserConformance(
  name: string,
  makeDenoiser: () => Denoiser | Promise<Denoiser>,
  options: ConformanceOptions = {},
): void {
  const batch = options.batch ?? 4;

  describe(`Denoiser conformance: ${name}`, () => {
    let d: Denoiser;
    beforeAll(async () => {
      await tf.setBackend('cpu');
      await registerGradients(); // the gradient check differentiates through every op of the model
      d = await makeDenoiser();
    });

    const inputs = (seed: number, t: number | number[]) => {
      const rng = new Rng(seed);
      const x = rng.normalTensor([batch, ...d.sampleShape]);
      const tArr = Array.isArray(t) ? t : new Array<number>(batch).fill(t);
      const cond = options.cond ? options.cond(batch, rng) : null;
      return { x, t: tf.tensor1d(tArr), cond };
    };
    const disposeInputs = (i: { x: tf.Tensor; t: tf.Tensor; cond: Condition | null }) =>
      tf.dispose([i.x, i.t]);
    const conds = () => (options.cond ? [false, true] : [false]);

    it('has a VP schedule and a sample shape', () => {
      expect(d.sampleShape.length).toBeGreaterThan(0);
      expect(d.schedule.alpha(0)).toBeCloseTo(1, 6);
      for (const t of TIMES) expect(d.schedule.alpha(t) ** 2 + d.schedule.sigma(t) ** 2).toBeCloseTo(1, 6);
    });

    it('returns ε̂ of shape [B, ...sampleShape], float32 and finite at every t, leaking no tensors', () => {
      for (const useCond of conds()) {
        const inp = inputs(1, [0.001, 0.3, 0.7, 0.999].slice(0, batch).concat(new Array(Math.max(0, batch - 4)).fill(0.5)));
        const before = tf.memory().numTensors;
        const eps = d.eps(inp.x, inp.t as tf.Tensor1D, useCond ? inp.cond : null);
        expect(tf.memory().numTensors).toBe(before + 1);
        expect(eps.shape).toEqual([batch, ...d.sampleShape]);
        expect(eps.dtype).toBe('float32');
        expect(Number.isFinite(maxAbs(eps))).toBe(true);
        eps.dispose();
        disposeInputs(inp);
      }
      for (const t of TIMES) {
        const inp = inputs(2, t);
        const eps = d.eps(inp.x, inp.t as tf.Tensor1D, null);
        expect(Number.isFinite(maxAbs(eps))).toBe(true);
        tf.dispose(eps);
        disposeInputs(inp);
      }
    });

    it('is deterministic for the same inputs (seeded)', () => {
      for (const useCond of conds()) {
        const [a, b] = [inputs(3, 0.4), inputs(3, 0.4)];
        const ea = d.eps(a.x, a.t as tf.Tensor1D, useCond ? a.cond : null);
        const eb = d.eps(b.x, b.t as tf.Tensor1D, useCond ? b.cond : null);
        expect(Array.from(ea.dataSync())).toEqual(Array.from(eb.dataSync()));
        tf.dispose([ea, eb]);
        disposeInputs(a);
        disposeInputs(b);
      }
    });

    it('treats batch elements independently (one row alone gives the same ε̂)', () => {
      for (const useCond of conds()) {
        const inp = inputs(4, [0.2, 0.5, 0.8, 0.35].slice(0, batch).concat(new Array(Math.max(0, batch - 4)).fill(0.5)));
        const all = d.eps(inp.x, inp.t as tf.Tensor1D, useCond ? inp.cond : null);
        const scale = Math.max(1, maxAbs(all));
        for (const i of [0, batch - 1]) {
          tf.tidy(() => {
            const xi = tf.slice(inp.x, i, 1);
            const ti = tf.slice(inp.t, i, 1) as tf.Tensor1D;
            const ci: Condition | null =
              useCond && inp.cond
                ? {
                    ...(inp.cond.labels ? { labels: inp.cond.labels.subarray(i, i + 1) } : {}),
                    ...(inp.cond.prompts ? { prompts: [inp.cond.prompts[i]] } : {}),
                    ...(inp.cond.cameras ? { cameras: inp.cond.cameras.subarray(2 * i, 2 * i + 2) } : {}),
                  }
                : null;
            const one = d.eps(xi, ti, ci);
            expect(maxAbs(tf.sub(one, tf.slice(all, i, 1)))).toBeLessThan((options.batchTolerance ?? 1e-4) * scale);
          });
        }
        all.dispose();
        disposeInputs(inp);
      }
    });

    if (options.sampleX0) {
      const sampleX0 = options.sampleX0;
      const t = options.denoiseT ?? 0.15;
      const maxRatio = options.denoiseMaxRatio ?? 0.55;
      it(`denoises its data: at t = ${t}, x̂₀ is at most ${maxRatio}× as far from x₀ as x_t/α (what ε̂ ≡ 0 gives)`, () => {
        const ratio = denoisingRatio(d, sampleX0, t, 512, new Rng(5));
        expect(ratio).toBeLessThan(maxRatio);
      });
    }

    it('has finite gradients with respect to x, leaking no tensors', () => {
      for (const useCond of conds()) {
        const inp = inputs(6, 0.5);
        const proj = new Rng(7).normalTensor([batch, ...d.sampleShape]);
        const before = tf.memory().numTensors;
        const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(d.eps(x, inp.t as tf.Tensor1D, useCond ? inp.cond : null), proj)))(inp.x);
        expect(tf.memory().numTensors).toBe(before + 1);
        expect(g.shape).toEqual(inp.x.shape);
        expect(Number.isFinite(maxAbs(g))).toBe(true);
        tf.dispose([g, proj]);
        disposeInputs(inp);
      }
    });

    if (options.roundTrip) {
      const roundTrip = options.roundTrip;
      it('round-trips through its serialized form with identical outputs', async () => {
        const d2 = await roundTrip(d);
        expect(d2.sampleShape).toEqual(d.sampleShape);
        const inp = inputs(8, 0.3);
        const [e1, e2] = [d.eps(inp.x, inp.t as tf.Tensor1D, inp.cond), d2.eps(inp.x, inp.t as tf.Tensor1D, inp.cond)];
        expect(maxAbs(tf.sub(e1, e2))).toBeLessThan(1e-6 * Math.max(1, maxAbs(e1)));
        tf.dispose([e1, e2]);
        disposeInputs(inp);
      });
    }
  });
}

/**
 * How well `d` denoises samples of its data at time t: RMS(x̂₀ − x₀) / RMS(x_t/α − x₀), with x_t = α·x₀ + σ·ε and
 * x̂₀ = (x_t − σ·ε̂)/α, unconditionally. ε̂ ≡ 0 gives exactly 1 (x̂₀ = x_t/α); the exact posterior mean gives the
 * smallest value possible. (At t → 0 both errors vanish like σ for any bounded ε̂, which is why the check is made at a
 * time where the noise is comparable to the data's structure.)
 */
export function denoisingRatio(d: Denoiser, sampleX0: (n: number, rng: Rng) => tf.Tensor, t: number, n: number, rng: Rng): number {
  return tf.tidy(() => {
    const x0 = sampleX0(n, rng);
    const noise = rng.normalTensor([n, ...d.sampleShape]);
    const [a, s] = [d.schedule.alpha(t), d.schedule.sigma(t)];
    const xt = tf.add(tf.mul(x0, a), tf.mul(noise, s));
    const x0Hat = x0FromEps(xt, d.eps(xt, tf.fill([n], t) as tf.Tensor1D, null), a, s);
    const rms = (e: tf.Tensor) => Math.sqrt(tf.mean(tf.square(e)).dataSync()[0]);
    return rms(tf.sub(x0Hat, x0)) / rms(tf.sub(tf.div(xt, a), x0));
  });
}
