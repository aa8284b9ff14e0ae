/**
 * The toy priors: analytic Gaussian mixtures with exact noised scores (ring8 = 8 components on the circle of radius
 * 2, std 0.1), and the config pieces the toy systems share (prior, schedule, condition).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as z from 'zod';
import { count } from '../core/train/config/schema.ts';
import { DalError } from '../core/errors.ts';
import type { Condition } from '../core/diffusion/denoiser.ts';
import { GaussianMixtureDenoiser, ringMixture } from '../core/diffusion/gmm.ts';
import { makeSchedule } from '../core/diffusion/schedule.ts';

/** `{type: ring, n, radius, std}`: n equal-weight components, component k at angle 2πk/n. */
export const ringPriorConfig = z.strictObject({
  type: z.literal('ring'),
  n: count().default(8),
  radius: z.number().positive().default(2),
  std: z.number().positive().default(0.1),
});

/** The analytic priors (a union, so teachers' checkpoints can join as another variant). */
export const priorConfig = z.discriminatedUnion('type', [ringPriorConfig]);
export type PriorConfig = z.infer<typeof priorConfig>;

/** Mirrors `ScheduleConfig` of src/core/diffusion/schedule.ts (VP, continuous t). */
export const scheduleConfig = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('cosine') }),
  z.strictObject({ type: z.literal('linear'), betaStart: z.number().positive().optional(), betaEnd: z.number().positive().optional() }),
]);
export type ScheduleConfigInput = z.infer<typeof scheduleConfig>;

/** Builds the exact denoiser of a prior config under a schedule. */
export function makePrior(prior: PriorConfig, schedule: ScheduleConfigInput): GaussianMixtureDenoiser {
  switch (prior.type) {
    case 'ring':
      return new GaussianMixtureDenoiser(ringMixture(prior.n, prior.radius, prior.std), makeSchedule(schedule));
    default: {
      const never: never = prior.type;
      throw new Error(`unknown prior ${String(never)}`);
    }
  }
}

/** A class label of the prior (component index), or null for unconditional. */
export const labelConfig = z.int().min(0).nullable().default(null);

/** Load-time check for a config with `prior` and `label`: the label must name a component. */
export function checkLabel(cfg: { prior: PriorConfig; label: number | null }, ctx: z.RefinementCtx): void {
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
