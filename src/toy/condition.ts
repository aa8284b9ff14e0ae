/**
 * The config pieces the toy systems share besides the prior (an analytic one, `analyticPriorConfig` of
 * src/core/model/prior.ts): the condition "component k" and its load-time check.
 */
import * as z from 'zod';
import { DalError } from '../core/errors.ts';
import type { Condition } from '../core/diffusion/denoiser.ts';
import type { AnalyticPriorConfig } from '../core/model/prior.ts';

/** A class label of the prior (component index), or null for unconditional. */
export const labelConfig = z.int().min(0).nullable().default(null);

/** Load-time check for a config with `prior` and `label`: the label must name a component. */
export function checkLabel(cfg: { prior: AnalyticPriorConfig; label: number | null }, ctx: z.RefinementCtx): void {
  if (cfg.label !== null && cfg.label >= cfg.prior.n) {
    ctx.addIssue({
      code: 'custom',
      path: ['label'],
      message: `expected a component index 0..${cfg.prior.n - 1} of the prior, or null; given ${cfg.label}`,
      params: { complete: true },
      input: cfg.label,
    });
  }
}

/**
 * The condition "component `label`" for a batch, or null (unconditional).
 * @returns labels [batch]
 */
export function labelCondition(label: number | null, batch: number, numComponents: number): Condition | null {
  if (label === null) return null;
  if (label >= numComponents) {
    throw new DalError(`system.label: expected a component index 0..${numComponents - 1} (or null); given ${label}`);
  }
  return { labels: new Int32Array(batch).fill(label) };
}
