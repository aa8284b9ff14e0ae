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
  /** clean samples x₀ [n, ...sampleShape] for the t → 0 check (default N(0, I)) */
  sampleX0?: (n: number, rng: Rng) => tf.Tensor;
  /** largest RMS error of x̂₀ = (x_t − σε̂)/α against x₀ at t = tSmall (default 0.05) */
  x0Tolerance?: number;
  /** the small time of the x₀ check (default 1e-3) */
  tSmall?: number;
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
  const tSmall = options.tSmall ?? 1e-3;

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

    it(`recovers x₀ at t → 0: x̂₀ = (x_t − σε̂)/α within the tolerance at t = ${tSmall}`, () => {
      const rng = new Rng(5);
      const tol = options.x0Tolerance ?? 0.05;
      for (const useCond of conds()) {
        tf.tidy(() => {
          const x0 = options.sampleX0 ? options.sampleX0(batch, rng) : rng.normalTensor([batch, ...d.sampleShape]);
          const noise = rng.normalTensor([batch, ...d.sampleShape]);
          const [a, s] = [d.schedule.alpha(tSmall), d.schedule.sigma(tSmall)];
          const xt = tf.add(tf.mul(x0, a), tf.mul(noise, s));
          const cond = useCond && options.cond ? options.cond(batch, rng) : null;
          const eps = d.eps(xt, tf.fill([batch], tSmall) as tf.Tensor1D, cond);
          const x0Hat = x0FromEps(xt, eps, a, s);
          const rms = Math.sqrt(tf.mean(tf.square(tf.sub(x0Hat, x0))).dataSync()[0]);
          expect(rms).toBeLessThan(tol);
        });
      }
    });

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
