/**
 * Finite-difference gradient checks for modules (test helper, not a suite). float32 central differences with step h
 * have error ~ h² (truncation) + ε·|f|/h (rounding), so the comparison uses a relative tolerance around 1e-2.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import { Rng } from '../../../src/core/rng.ts';

/**
 * Compares tf.variableGrads of `loss` with central differences at a few random entries of every variable.
 * @param vars the variables to check, by name
 * @param loss a scalar function of the variables
 */
export function expectGradientsMatch(
  vars: Record<string, tf.Variable>,
  loss: () => tf.Scalar,
  opts: { samples?: number; h?: number; rtol?: number; seed?: number } = {},
): void {
  const { samples = 4, h = 1e-2, rtol = 2e-2, seed = 7 } = opts;
  const rng = new Rng(seed);
  const list = Object.values(vars);
  const { value, grads } = tf.variableGrads(loss, list);
  value.dispose();
  const evalLoss = () => tf.tidy(() => loss().dataSync()[0]);
  for (const [name, v] of Object.entries(vars)) {
    const g = grads[v.name].dataSync();
    const scale = Math.max(...Array.from(g, Math.abs), 1e-6);
    for (let s = 0; s < Math.min(samples, v.size); s++) {
      const i = rng.int(v.size);
      const orig = v.dataSync().slice();
      const bump = (d: number) => {
        const vals = orig.slice();
        vals[i] += d;
        tf.tidy(() => v.assign(tf.tensor(vals, v.shape)));
      };
      bump(h);
      const fp = evalLoss();
      bump(-h);
      const fm = evalLoss();
      tf.tidy(() => v.assign(tf.tensor(orig, v.shape)));
      const numeric = (fp - fm) / (2 * h);
      const err = Math.abs(numeric - g[i]);
      const tol = rtol * Math.max(Math.abs(g[i]), Math.abs(numeric)) + rtol * 0.05 * scale;
      expect(err, `${name}[${i}]: numeric ${numeric} vs analytic ${g[i]}`).toBeLessThanOrEqual(tol);
    }
  }
  tf.dispose(Object.values(grads));
}
