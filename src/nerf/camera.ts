/**
 * The NeRF's cameras, in the shapes data's frame and conventions (src/core/camera.ts, DESIGN.md): orbit cameras looking
 * at the origin from distance 2.5, y up, vertical field of view 40°, elevation in [−10°, 60°], azimuth in [0°, 360°).
 * The NeRF lives in the data's world coordinates, so its density can be compared with the true primitive point by point.
 *
 * Training draws random cameras (optionally jittering distance and field of view, as DreamFusion does); each view's
 * prompt gets the data's view suffix ("a red cube" → "a red cube, side view") by the data's own rule (`viewIndex`:
 * "overhead" above 45° elevation, else "front" for |azimuth| < 45°, "back" for |azimuth| > 135°, else "side").
 */
import * as tf from '@tensorflow/tfjs-core';
import * as z from 'zod';
import { CAMERA_DISTANCE, CAMERA_FOV_DEG, ELEVATION_RANGE_DEG, camera, rays, type Camera } from '../core/camera.ts';
import { VIEWS, viewIndex } from '../core/data/shapes/dataset.ts';
import type { Rng } from '../core/rng.ts';
import type { Rays } from './sampler.ts';

export type { Camera } from '../core/camera.ts';

/** How training cameras are drawn (defaults: the shapes data's distribution). */
export const cameraConfig = z
  .strictObject({
    /** Elevation range in degrees, drawn uniformly. */
    elevation: z.tuple([z.number().min(-89), z.number().max(89)]).default([...ELEVATION_RANGE_DEG]),
    /** Azimuth range in degrees, drawn uniformly. */
    azimuth: z.tuple([z.number(), z.number()]).default([0, 360]),
    /** Orbit radius. */
    distance: z.number().positive().default(CAMERA_DISTANCE),
    /** Vertical field of view in degrees. */
    fovDeg: z.number().gt(0).lt(180).default(CAMERA_FOV_DEG),
    /** Relative jitter of the distance: d·(1 + U[−j, j]); 0 = none. */
    distanceJitter: z.number().min(0).lt(1).default(0),
    /** Jitter of the field of view in degrees: fov + U[−j, j]; 0 = none. */
    fovJitterDeg: z.number().min(0).default(0),
  })
  .refine((c) => c.elevation[0] <= c.elevation[1] && c.azimuth[0] <= c.azimuth[1], {
    message: 'ranges must be [low, high] with low ≤ high',
  })
  .prefault({});
export type CameraConfig = z.infer<typeof cameraConfig>;

/**
 * A random training camera. Draws from `rng`, in this order: azimuth, elevation, then (only when jittered) distance
 * and field of view.
 */
export function sampleCamera(cfg: CameraConfig, rng: Rng): Camera {
  const azimuth = cfg.azimuth[0] + (cfg.azimuth[1] - cfg.azimuth[0]) * rng.uniform();
  const elevation = cfg.elevation[0] + (cfg.elevation[1] - cfg.elevation[0]) * rng.uniform();
  const distance = cfg.distanceJitter > 0 ? cfg.distance * (1 + cfg.distanceJitter * (2 * rng.uniform() - 1)) : cfg.distance;
  const fovDeg = cfg.fovJitterDeg > 0 ? cfg.fovDeg + cfg.fovJitterDeg * (2 * rng.uniform() - 1) : cfg.fovDeg;
  return camera(azimuth, elevation, { distance, fovDeg });
}

/** The view word of a camera ("front", "side", "back", "overhead"), by the shapes data's thresholds. */
export function viewName(cam: Pick<Camera, 'azimuthDeg' | 'elevationDeg'>): (typeof VIEWS)[number] {
  return VIEWS[viewIndex(cam.azimuthDeg, cam.elevationDeg)];
}

/** The view-dependent prompt: "a red cube" seen from the side → "a red cube, side view". */
export function viewPrompt(prompt: string, cam: Pick<Camera, 'azimuthDeg' | 'elevationDeg'>): string {
  return `${prompt.trim()}, ${viewName(cam)} view`;
}

/** `n` cameras at equally spaced azimuths 0, 360/n, … at one elevation (the turntable; default: 16 at 15°). */
export function turntableCameras(n = 16, elevationDeg = 15, opts: { distance?: number; fovDeg?: number } = {}): Camera[] {
  return Array.from({ length: n }, (_, i) => camera((360 * i) / n, elevationDeg, opts));
}

/**
 * The rays of several cameras through the pixel centres of a `size`×`size` image, as tensors.
 * @returns origins and unit directions [V·size·size, 3], view-major, then row (top first), then column (left first)
 */
export function cameraRays(cams: readonly Camera[], size: number): Rays {
  const per = size * size * 3;
  const o = new Float32Array(cams.length * per);
  const d = new Float32Array(cams.length * per);
  cams.forEach((cam, v) => {
    const r = rays(cam, size, size);
    o.set(r.origins, v * per);
    d.set(r.directions, v * per);
  });
  const n = cams.length * size * size;
  return { origins: tf.tensor2d(o, [n, 3]), directions: tf.tensor2d(d, [n, 3]) };
}
