/**
 * Exact, anti-aliased ray-traced renders of one primitive from an orbit camera: S×S ordered-grid supersampling per
 * pixel (each sub-sample is an exact ray–primitive hit, Lambertian-shaded; the pixel is their mean), white background.
 *
 * Speed: every orbit camera looks at the origin from the same distance, so the camera-space sub-sample directions and
 * the set of pixels that can see the object's bounding sphere at all are the same for every view; they are computed
 * once per (size, S, fov, distance). Per image, only pixels inside the projection of the object's bounding box are
 * traced (a conservative, exact cull: the projection of a box is inside the hull of its projected corners).
 */
import { CAMERA_DISTANCE, CAMERA_FOV_DEG, camera, cameraSpaceDirections, project, type Camera } from '../../camera.ts';
import { BOUNDING_RADIUS, HALF_EXTENTS, intersectShape, SHAPES } from './primitives.ts';
import { ALBEDO, COLORS, lambert } from './shading.ts';

/** One object and view: indices into SHAPES and COLORS, camera angles in degrees. */
export interface ShapeSample {
  shape: number;
  color: number;
  azimuth: number;
  elevation: number;
}

export interface RenderOptions {
  /** Sub-samples per pixel, a perfect square (default 16 = 4×4). */
  samplesPerPixel?: number;
  /** Camera distance and vertical field of view (defaults 2.5 and 40°). */
  distance?: number;
  fovDeg?: number;
}

interface RayTable {
  /** [size·size·S², 3] unit camera-space directions. */
  dirs: Float32Array;
  /** Pixels with at least one sub-ray that passes within BOUNDING_RADIUS of the origin. */
  active: Int32Array;
  /** Sub-rays with camera-space z below this miss the bounding sphere. */
  minCos: number;
}

const tables = new Map<string, RayTable>();

function rayTable(size: number, s: number, fovDeg: number, distance: number): RayTable {
  const key = `${size}/${s}/${fovDeg}/${distance}`;
  let table = tables.get(key);
  if (!table) {
    const dirs = cameraSpaceDirections(size, size, fovDeg, s);
    // A ray at angle θ from the optical axis passes the origin at distance D·sin θ: misses iff cos θ < √(1 − ρ²/D²)
    // (ρ taken 0.1% larger, so float32 rounding of the directions can never cull a ray that grazes a cube vertex).
    const rho = BOUNDING_RADIUS * 1.001;
    const minCos = Math.sqrt(1 - (rho * rho) / (distance * distance));
    const active: number[] = [];
    const spp = s * s;
    for (let p = 0; p < size * size; p++) {
      for (let k = 0; k < spp; k++) {
        if (dirs[(p * spp + k) * 3 + 2] >= minCos) {
          active.push(p);
          break;
        }
      }
    }
    table = { dirs, active: Int32Array.from(active), minCos };
    tables.set(key, table);
  }
  return table;
}

function samplesPerAxis(samplesPerPixel: number): number {
  const s = Math.round(Math.sqrt(samplesPerPixel));
  if (s < 1 || s * s !== samplesPerPixel) {
    throw new RangeError(`samplesPerPixel must be a perfect square (1, 4, 9, 16, …), got ${samplesPerPixel}`);
  }
  return s;
}

const normal = new Float64Array(3);

/**
 * Inclusive pixel column and row ranges [j0, j1, i0, i1] that can see the box |x| ≤ h (the bounding rectangle of its
 * eight projected corners, widened by one pixel against rounding).
 */
function pixelBounds(cam: Camera, h: readonly number[], size: number): [number, number, number, number] {
  let uMin = Infinity;
  let uMax = -Infinity;
  let vMin = Infinity;
  let vMax = -Infinity;
  for (let c = 0; c < 8; c++) {
    const uv = project(cam, [c & 1 ? h[0] : -h[0], c & 2 ? h[1] : -h[1], c & 4 ? h[2] : -h[2]], size, size);
    if (!uv) return [0, size - 1, 0, size - 1];
    uMin = Math.min(uMin, uv[0]);
    uMax = Math.max(uMax, uv[0]);
    vMin = Math.min(vMin, uv[1]);
    vMax = Math.max(vMax, uv[1]);
  }
  const clamp = (x: number): number => Math.max(0, Math.min(size - 1, x));
  return [clamp(Math.floor(uMin) - 1), clamp(Math.floor(uMax) + 1), clamp(Math.floor(vMin) - 1), clamp(Math.floor(vMax) + 1)];
}

/**
 * Render `s` into `out` at `offset` (NHWC, RGB in [0, 1]).
 * @param out receives [size, size, 3] floats starting at `offset`
 */
export function renderShapeInto(s: ShapeSample, size: number, out: Float32Array, offset = 0, opts: RenderOptions = {}): void {
  if (!(s.shape >= 0 && s.shape < SHAPES.length && Number.isInteger(s.shape))) {
    throw new RangeError(`shape index ${s.shape} is not in [0, ${SHAPES.length})`);
  }
  if (!(s.color >= 0 && s.color < COLORS.length && Number.isInteger(s.color))) {
    throw new RangeError(`colour index ${s.color} is not in [0, ${COLORS.length})`);
  }
  const S = samplesPerAxis(opts.samplesPerPixel ?? 16);
  const spp = S * S;
  const distance = opts.distance ?? CAMERA_DISTANCE;
  const fovDeg = opts.fovDeg ?? CAMERA_FOV_DEG;
  const { dirs, active, minCos } = rayTable(size, S, fovDeg, distance);
  const cam = camera(s.azimuth, s.elevation, { distance, fovDeg });
  const [ox, oy, oz] = cam.origin;
  const [rx, ry, rz] = cam.right;
  const [ux, uy, uz] = cam.up;
  const [fx, fy, fz] = cam.forward;
  const [ar, ag, ab] = ALBEDO[s.color];
  const shape = s.shape;
  out.fill(1, offset, offset + size * size * 3);
  const inv = 1 / spp;
  const [j0, j1, i0, i1] = pixelBounds(cam, HALF_EXTENTS[shape], size);
  for (let a = 0; a < active.length; a++) {
    const p = active[a];
    const pi = (p / size) | 0;
    const pj = p - pi * size;
    if (pi < i0 || pi > i1 || pj < j0 || pj > j1) continue;
    let r = 0;
    let g = 0;
    let b = 0;
    let base = p * spp * 3;
    for (let k = 0; k < spp; k++, base += 3) {
      const cx = dirs[base];
      const cy = dirs[base + 1];
      const cz = dirs[base + 2];
      if (cz < minCos) {
        r += 1;
        g += 1;
        b += 1;
        continue;
      }
      const dx = cx * rx + cy * ux + cz * fx;
      const dy = cx * ry + cy * uy + cz * fy;
      const dz = cx * rz + cy * uz + cz * fz;
      const t = intersectShape(shape, ox, oy, oz, dx, dy, dz, normal);
      if (t === Infinity) {
        r += 1;
        g += 1;
        b += 1;
      } else {
        const shade = lambert(normal[0], normal[1], normal[2]);
        r += ar * shade;
        g += ag * shade;
        b += ab * shade;
      }
    }
    const o = offset + p * 3;
    out[o] = r * inv;
    out[o + 1] = g * inv;
    out[o + 2] = b * inv;
  }
}

/**
 * Render one object and view.
 * @returns [size, size, 3] RGB in [0, 1], row 0 at the top
 */
export function renderShape(s: ShapeSample, size: number, opts: RenderOptions = {}): Float32Array {
  const out = new Float32Array(size * size * 3);
  renderShapeInto(s, size, out, 0, opts);
  return out;
}
