/**
 * Colours and Lambertian shading of the multi-view shapes: radiance = albedo · (ambient + diffuse · max(0, n·l)).
 *
 * The light is a fixed *world* direction (upper front right: from +x, +y, +z), not tied to the camera. Lambertian
 * shading under a fixed light is view-independent radiance, so every view of an object is consistent with one
 * coloured 3D object — exactly what a NeRF whose colour depends on position only can represent — and the front
 * (lit) and back (darker) views of a symmetric object differ, which gives the view prompts meaning.
 * Albedos stay below 1 and ambient + diffuse = 1, so object pixels are never pure white (the background is exactly 1).
 */
import type { Vec3 } from '../../camera.ts';

export const COLORS = ['red', 'green', 'blue', 'yellow', 'purple'] as const;
export type ColorName = (typeof COLORS)[number];

/** Linear RGB albedo of each colour, in COLORS order. */
export const ALBEDO: readonly Vec3[] = [
  [0.85, 0.12, 0.12], // red
  [0.15, 0.7, 0.2], // green
  [0.15, 0.3, 0.9], // blue
  [0.95, 0.82, 0.12], // yellow
  [0.6, 0.2, 0.75], // purple
];

export const AMBIENT = 0.4;
export const DIFFUSE = 0.6;

/** Unit direction towards the light (world space). */
export const LIGHT_DIR: Vec3 = normalize([0.5, 1.0, 0.7]);

/** The background colour (white). */
export const BACKGROUND: Vec3 = [1, 1, 1];

/** Lambertian intensity ambient + diffuse · max(0, n·l) for the unit normal n. */
export function lambert(nx: number, ny: number, nz: number): number {
  const ndotl = nx * LIGHT_DIR[0] + ny * LIGHT_DIR[1] + nz * LIGHT_DIR[2];
  return AMBIENT + DIFFUSE * (ndotl > 0 ? ndotl : 0);
}

function normalize(v: Vec3): Vec3 {
  const n = Math.hypot(v[0], v[1], v[2]);
  return [v[0] / n, v[1] / n, v[2] / n];
}
