/**
 * Shading of the composited albedo (DreamFusion §3.1, "Shading"): `albedo` (the colour alone), `lambertian`
 * (albedo·(ambient + (1 − ambient)·max(0, n·l)) under a point light) and `textureless` (the same with a white albedo,
 * which forces the geometry, not the colour, to explain the image). Training mixes them at random after an albedo-only
 * warm-up; the light is a random point around the camera, as in DreamFusion.
 *
 * Shading is deferred: the normal and the light direction are taken once per ray, at the expected surface point
 * o + d·Σw_i z_i/Σw_i, rather than at every sample — six density evaluations per ray instead of per sample, the
 * difference between a cheap and a 7× dearer field pass at the teacher's 32×32.
 */
import * as z from 'zod';
import type { Camera } from '../core/camera.ts';
import type { Rng } from '../core/rng.ts';

export const SHADINGS = ['albedo', 'lambertian', 'textureless'] as const;
export type Shading = (typeof SHADINGS)[number];

export const shadingConfig = z
  .strictObject({
    /** Steps of albedo-only rendering before the mixture starts. */
    warmupSteps: z.int().min(0).default(300),
    /** Probabilities of the three shadings after the warm-up (normalized). */
    fractions: z
      .strictObject({
        albedo: z.number().min(0).default(0.5),
        lambertian: z.number().min(0).default(0.4),
        textureless: z.number().min(0).default(0.1),
      })
      .refine((f) => f.albedo + f.lambertian + f.textureless > 0, { message: 'at least one fraction must be positive' })
      .prefault({}),
    /** The ambient term a of a + (1 − a)·max(0, n·l) (the shapes data uses 0.4). */
    ambient: z.number().min(0).max(1).default(0.4),
    /** The light sits at the camera's position scaled by U[lo, hi], plus N(0, jitter²) per coordinate. */
    lightDistance: z.tuple([z.number().positive(), z.number().positive()]).default([0.8, 1.5]),
    lightJitter: z.number().min(0).default(1),
  })
  .prefault({});
export type ShadingConfig = z.infer<typeof shadingConfig>;

/** One view's draw: its shading and (for the shaded kinds) the light's world position. */
export interface ViewShading {
  shading: Shading;
  light: [number, number, number];
}

/**
 * The shading of a training view at `step`. Draws from `rng`, in this order: one uniform (the kind; also during the
 * warm-up, so the stream does not depend on the step), one uniform (distance) and three normals (jitter).
 */
export function sampleShading(cfg: ShadingConfig, cam: Camera, step: number, rng: Rng): ViewShading {
  const u = rng.uniform();
  const scale = cfg.lightDistance[0] + (cfg.lightDistance[1] - cfg.lightDistance[0]) * rng.uniform();
  const light = cam.origin.map((c) => c * scale + cfg.lightJitter * rng.normal()) as [number, number, number];
  if (step < cfg.warmupSteps) return { shading: 'albedo', light };
  const { albedo, lambertian, textureless } = cfg.fractions;
  const total = albedo + lambertian + textureless;
  const shading: Shading = u * total < albedo ? 'albedo' : u * total < albedo + lambertian ? 'lambertian' : 'textureless';
  return { shading, light };
}
