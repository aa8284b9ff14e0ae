/**
 * The SDS loss's config (Poole et al. 2022, DreamFusion eq. 3): t-range, weighting w(t), guidance scale and gradient
 * clipping; t-range and guidance are schedulable (e.g. annealing tMax). Maps 1:1 onto `sds`'s options.
 */
import * as z from 'zod';
import { sdsWeighting } from '../../diffusion/sds.ts';
import { scalar } from './schema.ts';

export const sdsConfig = z
  .strictObject({
    /** Lower end of t ~ U[tMin, tMax]. */
    tMin: scalar({ min: 0, max: 1 }).prefault(0.02),
    /** Upper end of t ~ U[tMin, tMax]; annealing it towards small t makes SDS mode-seeking. */
    tMax: scalar({ min: 0, max: 1 }).prefault(0.98),
    /** w(t): sigma2 = σ², uniform = 1, fantasia3d = √ᾱ(1 − ᾱ). */
    weighting: sdsWeighting.default('sigma2'),
    /** Classifier-free guidance scale s of ε̃ = ε(x, ∅) + s·(ε(x, y) − ε(x, ∅)). */
    cfgScale: scalar().prefault(1),
    /** Clamp g = w(t)·(ε̃ − ε) elementwise to [−gradClip, gradClip] (null: no clipping). */
    gradClip: z.number().positive().nullable().default(null),
  })
  .prefault({});
export type SdsConfig = z.infer<typeof sdsConfig>;
