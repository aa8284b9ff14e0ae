/**
 * The orbit cameras of the multi-view shapes data (DESIGN.md): pinhole cameras on a sphere of radius 2.5 looking at the
 * origin, y up, vertical field of view 40°. A pure function of (azimuth, elevation), shared by the shapes data (src/core/data/shapes) and the NeRF (src/nerf).
 *
 * Convention. World: right-handed, y up. The camera sits at
 *   origin = d · (cos(el)·sin(az), sin(el), cos(el)·cos(az)),
 * so azimuth 0 is on +z looking along −z, and increasing azimuth turns the camera about +y by the right-hand rule
 * (+z towards +x: azimuth 90° sits on +x looking along −x; counter-clockwise seen from above). Positive elevation
 * is above the xz plane, looking down.
 * Camera basis: forward = −origin/|origin|, right = normalize(forward × ŷ), up = right × forward.
 *
 * Pixels: row 0 is the top of the image, column 0 the left; pixel (i, j) spans [j, j+1] × [i, i+1] in image
 * coordinates, whose centre (W/2, H/2) is on the optical axis. A point at image coordinates (u, v) has camera-space
 * direction ((u − W/2)/f, (H/2 − v)/f, 1) with focal length f = (H/2)/tan(fov/2) pixels (square pixels).
 */
import type { Rng } from './rng.ts';

export type Vec3 = [number, number, number];

/** Default orbit radius, vertical field of view and elevation/azimuth ranges (DESIGN.md). */
export const CAMERA_DISTANCE = 2.5;
export const CAMERA_FOV_DEG = 40;
export const ELEVATION_RANGE_DEG: [number, number] = [-10, 60];

export interface Camera {
  readonly azimuthDeg: number;
  readonly elevationDeg: number;
  readonly distance: number;
  /** Vertical field of view in degrees. */
  readonly fovDeg: number;
  readonly origin: Vec3;
  readonly forward: Vec3;
  readonly right: Vec3;
  readonly up: Vec3;
}

export interface CameraOptions {
  distance?: number;
  fovDeg?: number;
}

const DEG = Math.PI / 180;

/** The orbit camera at (azimuth, elevation) in degrees, looking at the origin. */
export function camera(azimuthDeg: number, elevationDeg: number, opts: CameraOptions = {}): Camera {
  const distance = opts.distance ?? CAMERA_DISTANCE;
  const fovDeg = opts.fovDeg ?? CAMERA_FOV_DEG;
  const az = azimuthDeg * DEG;
  const el = elevationDeg * DEG;
  const origin: Vec3 = [distance * Math.cos(el) * Math.sin(az), distance * Math.sin(el), distance * Math.cos(el) * Math.cos(az)];
  const forward: Vec3 = [-origin[0] / distance, -origin[1] / distance, -origin[2] / distance];
  // forward × ŷ = (−f_z, 0, f_x); at the poles fall back to the azimuth's right vector.
  let right: Vec3 = [-forward[2], 0, forward[0]];
  const rn = Math.hypot(right[0], right[2]);
  right = rn > 1e-9 ? [right[0] / rn, 0, right[2] / rn] : [Math.cos(az), 0, -Math.sin(az)];
  const up = cross(right, forward);
  return { azimuthDeg, elevationDeg, distance, fovDeg, origin, forward, right, up };
}

/** Focal length in pixels for an image `height` pixels tall: f = (H/2)/tan(fov/2). */
export function focalPixels(height: number, fovDeg = CAMERA_FOV_DEG): number {
  return height / 2 / Math.tan((fovDeg * DEG) / 2);
}

/**
 * Unit ray directions in camera space (x right, y up, z forward) for `samplesPerAxis`² sub-samples per pixel at the
 * centres of a regular grid of strata (ordered-grid supersampling; deterministic, so it is shared by every image).
 * @returns [H·W·S², 3], pixel-major (row, column), then sub-sample (sub-row, sub-column)
 */
export function cameraSpaceDirections(width: number, height: number, fovDeg = CAMERA_FOV_DEG, samplesPerAxis = 1, jitter?: Rng): Float32Array {
  const s = samplesPerAxis;
  const f = focalPixels(height, fovDeg);
  const out = new Float32Array(width * height * s * s * 3);
  let k = 0;
  for (let i = 0; i < height; i++) {
    for (let j = 0; j < width; j++) {
      for (let si = 0; si < s; si++) {
        for (let sj = 0; sj < s; sj++) {
          const u = j + (sj + (jitter ? jitter.uniform() : 0.5)) / s;
          const v = i + (si + (jitter ? jitter.uniform() : 0.5)) / s;
          const x = (u - width / 2) / f;
          const y = (height / 2 - v) / f;
          const n = Math.sqrt(x * x + y * y + 1);
          out[k++] = x / n;
          out[k++] = y / n;
          out[k++] = 1 / n;
        }
      }
    }
  }
  return out;
}

/**
 * World-space rays of a camera: one per sub-sample, all from the camera origin.
 * @param opts.samplesPerAxis S: S² rays per pixel (default 1, through pixel centres); `jitter` draws each inside its
 *   stratum instead of at its centre
 * @returns origins, directions: [H·W·S², 3] (directions unit length), ordered as `cameraSpaceDirections`
 */
export function rays(
  cam: Camera,
  width: number,
  height: number,
  opts: { samplesPerAxis?: number; jitter?: Rng } = {},
): { origins: Float32Array; directions: Float32Array } {
  const local = cameraSpaceDirections(width, height, cam.fovDeg, opts.samplesPerAxis ?? 1, opts.jitter);
  const n = local.length / 3;
  const directions = new Float32Array(local.length);
  const origins = new Float32Array(local.length);
  for (let k = 0; k < n; k++) {
    const w = toWorld(cam, local[3 * k], local[3 * k + 1], local[3 * k + 2]);
    directions.set(w, 3 * k);
    origins.set(cam.origin, 3 * k);
  }
  return { origins, directions };
}

/** Camera-space vector (x right, y up, z forward) to world space. */
export function toWorld(cam: Camera, x: number, y: number, z: number): Vec3 {
  const { right: r, up: u, forward: f } = cam;
  return [x * r[0] + y * u[0] + z * f[0], x * r[1] + y * u[1] + z * f[1], x * r[2] + y * u[2] + z * f[2]];
}

/**
 * Project a world point to image coordinates (u right, v down, in pixels; the pixel centre of (i, j) is
 * (j + ½, i + ½)). Returns null for points behind the camera.
 */
export function project(cam: Camera, p: Vec3, width: number, height: number): [number, number] | null {
  const q: Vec3 = [p[0] - cam.origin[0], p[1] - cam.origin[1], p[2] - cam.origin[2]];
  const z = dot(q, cam.forward);
  if (z <= 0) return null;
  const f = focalPixels(height, cam.fovDeg);
  return [width / 2 + (f * dot(q, cam.right)) / z, height / 2 - (f * dot(q, cam.up)) / z];
}

function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}
