/**
 * The run config's typed schema (zod 4; TypeScript types are inferred from it). A run config is
 * `{ name, seed, system, trainer }`; `system` is a discriminated union on `type` assembled in `src/systems.ts`,
 * one variant per system, each variant's fields mapping 1:1 onto that system's constructor options.
 */
import * as z from 'zod';
import { show } from './issues.ts';
import { Scalar, ScalarSyntaxError, type ScalarBounds } from './scalar.ts';

/** A schedulable scalar setting (constant, ramp or expression), compiled at parse time into a `Scalar`. */
export function scalar(bounds: ScalarBounds = {}) {
  return z.unknown().transform((value, ctx): Scalar => {
    try {
      return Scalar.compile(value, bounds);
    } catch (e) {
      if (!(e instanceof ScalarSyntaxError)) throw e;
      ctx.addIssue({ code: 'custom', message: `expected ${e.expected}`, params: { expected: e.expected }, input: value });
      return z.NEVER;
    }
  });
}

/** A positive integer count (particles, steps, samples). */
export const count = () => z.int().min(1);

/** The generic step loop's settings (src/core/train/trainer.ts). */
export const trainerConfig = z.strictObject({
  /** Number of optimization steps. */
  steps: count().default(1),
  /** Write scalar losses to TensorBoard every this many steps. */
  logEvery: count().default(20),
  /** Write images (and histograms) every this many steps; 0 = only at the first and last step. */
  imageEvery: z.int().min(0).default(0),
  /** Save a checkpoint every this many steps (and always at the end); 0 = only at the end. */
  checkpointEvery: z.int().min(0).default(0),
});
export type TrainerConfig = z.infer<typeof trainerConfig>;

/** The run config for a given union of system configs. */
export function runConfigSchema<S extends z.ZodType<{ type: string }>>(system: S) {
  return z
    .strictObject({
      /** Names the run directory (`runs/<name>-<time>`). */
      name: z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" or "-" only'),
      /** Seeds every random stream of the run. */
      seed: z.int().min(0).default(0),
      system,
      trainer: trainerConfig.prefault({}),
    })
    .superRefine((parsed, ctx) => {
      const cfg = parsed as { system: unknown; trainer: TrainerConfig };
      // Scalars can only be checked once the number of steps is known.
      for (const { path, value } of findScalars(cfg.system, ['system'])) {
        const problem = value.check(cfg.trainer.steps);
        if (problem) {
          ctx.addIssue({
            code: 'custom',
            path,
            message: `expected ${problem.expected}; given ${show(value.spec)}, ${problem.given}`,
            params: { complete: true },
            input: value.spec,
          });
        }
      }
    });
}

/** Every `Scalar` inside a parsed config, with its key path. */
export function findScalars(value: unknown, path: (string | number)[] = []): { path: (string | number)[]; value: Scalar }[] {
  if (value instanceof Scalar) return [{ path, value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => findScalars(v, [...path, i]));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => findScalars(v, [...path, k]));
  }
  return [];
}
