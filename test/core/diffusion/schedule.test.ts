import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  T_MAX_SAMPLING,
  cosineSchedule,
  ddimTimesteps,
  linearSchedule,
  karrasTimesteps,
  makeSchedule,
  timeAtLogSnr,
  type Schedule,
} from '../../../src/core/diffusion/schedule.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const grid = Array.from({ length: 101 }, (_, i) => i / 100);

describe.each<[string, Schedule]>([
  ['cosine', cosineSchedule()],
  ['linear', linearSchedule()],
])('%s schedule', (_, s) => {
  it('is variance preserving: α² + σ² = 1', () => {
    for (const t of grid) expect(s.alpha(t) ** 2 + s.sigma(t) ** 2).toBeCloseTo(1, 12);
  });

  it('has α decreasing from 1 and σ increasing from 0', () => {
    expect(s.alpha(0)).toBe(1);
    expect(s.sigma(0)).toBe(0);
    for (let i = 1; i < grid.length; i++) {
      expect(s.alpha(grid[i])).toBeLessThan(s.alpha(grid[i - 1]));
      expect(s.sigma(grid[i])).toBeGreaterThan(s.sigma(grid[i - 1]));
      expect(s.logSnr(grid[i])).toBeLessThan(s.logSnr(grid[i - 1]));
    }
    expect(s.logSnr(0)).toBe(Infinity);
  });

  it('has logSnr = log(α²/σ²)', () => {
    for (const t of grid.slice(1, -1)) {
      expect(s.logSnr(t)).toBeCloseTo(Math.log(s.alpha(t) ** 2 / s.sigma(t) ** 2), 9);
    }
  });

  it('evaluates the same α, σ on tensors (float32)', () => {
    const before = tf.memory().numTensors;
    const t = tf.tensor1d(grid);
    const a = s.alphaT(t).dataSync();
    const sg = s.sigmaT(t).dataSync();
    grid.forEach((ti, i) => {
      expect(a[i]).toBeCloseTo(s.alpha(ti), 5);
      expect(sg[i]).toBeCloseTo(s.sigma(ti), 3); // float32 1 − ᾱ near t = 0 for linear
    });
    tf.dispose(t);
    expect(tf.memory().numTensors).toBe(before + 2); // only the two results we kept
  });

  it('round-trips through its config', () => {
    const r = makeSchedule(s.config);
    for (const t of [0.1, 0.5, 0.9]) expect(r.alpha(t)).toBe(s.alpha(t));
  });
});

describe('cosine endpoints', () => {
  it('α = cos(πt/2): α(1) = 0, σ(1) = 1, α(½) = σ(½)', () => {
    const s = cosineSchedule();
    expect(s.alpha(1)).toBeCloseTo(0, 15);
    expect(s.sigma(1)).toBe(1);
    expect(s.alpha(0.5)).toBeCloseTo(Math.SQRT1_2, 15);
    expect(s.logSnr(0.5)).toBeCloseTo(0, 12);
  });
});

describe('linear schedule', () => {
  it('matches the discrete DDPM ᾱ_i = Π(1 − β_j) of Ho et al. (β ∈ [1e-4, 0.02], 1000 steps) at t = i/1000', () => {
    const s = linearSchedule();
    let alphaBar = 1;
    for (let i = 1; i <= 1000; i++) {
      alphaBar *= 1 - (1e-4 + ((0.02 - 1e-4) * (i - 1)) / 999);
      if (i % 50 === 0) {
        const cont = s.alpha(i / 1000) ** 2;
        // log ᾱ agrees to ~1% (the discrete product and the integral differ at O(β²) and by half a step)
        expect(Math.abs(Math.log(cont) - Math.log(alphaBar))).toBeLessThan(0.01 * Math.abs(Math.log(alphaBar)) + 1e-3);
      }
    }
  });

  it('rejects an invalid β range', () => {
    expect(() => linearSchedule(1, 0.5)).toThrow(/betaStart/);
  });
});

describe('ddimTimesteps', () => {
  it('gives n + 1 uniformly decreasing times from the clamped tMax to tMin', () => {
    const ts = ddimTimesteps(4);
    expect(ts).toHaveLength(5);
    expect(ts[0]).toBe(T_MAX_SAMPLING);
    expect(ts[4]).toBe(0);
    for (let i = 1; i < ts.length; i++) expect(ts[i - 1] - ts[i]).toBeCloseTo(T_MAX_SAMPLING / 4, 12);
  });

  it('starts where α > 0 for the cosine schedule, so x̂₀ is defined', () => {
    expect(cosineSchedule().alpha(ddimTimesteps(10)[0])).toBeGreaterThan(1e-4);
  });

  it('honours a custom range', () => {
    expect(ddimTimesteps(2, 0.8, 0.2)).toEqual([0.8, 0.5, 0.2]);
    expect(() => ddimTimesteps(0)).toThrow();
    expect(() => ddimTimesteps(3, 0.5, 0.6)).toThrow();
  });
});

describe('noise-level grids', () => {
  it('timeAtLogSnr inverts logSnr (cosine closed form t = (2/π)·atan(e^(−λ/2)))', () => {
    const cos = cosineSchedule();
    for (const lambda of [-12, -3, 0, 2.5, 10]) {
      expect(timeAtLogSnr(cos, lambda)).toBeCloseTo((2 / Math.PI) * Math.atan(Math.exp(-lambda / 2)), 12);
      const lin = linearSchedule(); // logSnr(1) = −10.05: λ below that clamps to t = 1
      expect(lin.logSnr(timeAtLogSnr(lin, lambda))).toBeCloseTo(Math.max(lambda, lin.logSnr(1)), 9);
    }
  });

  it('karrasTimesteps puts τ = σ/α on Karras et al. eq. 5 (τ from 80 to 0.002, ρ = 7), then t = 0', () => {
    for (const s of [cosineSchedule(), linearSchedule()]) {
      const ts = karrasTimesteps(s, 5);
      expect(ts).toHaveLength(6);
      expect(ts[5]).toBe(0);
      const taus = ts.slice(0, 5).map((t) => s.sigma(t) / s.alpha(t));
      const expected = [0, 1, 2, 3, 4].map((i) => (80 ** (1 / 7) + (i / 4) * (0.002 ** (1 / 7) - 80 ** (1 / 7))) ** 7);
      taus.forEach((tau, i) => expect(tau / expected[i]).toBeCloseTo(1, 6));
    }
  });
});
