/**
 * The five primitives of the multi-view shapes data (DESIGN.md), centred at the origin with y up: exact ray
 * intersection (first hit and outward normal) and the ground-truth inside test (for occupancy IoU).
 *
 * sphere r 0.5; cube edge 0.8 (axis-aligned); cylinder r 0.4, height 0.9, axis y, capped; cone base r 0.5, height 0.9,
 * axis y, apex up (apex at y = 0.45, base disc at y = −0.45), capped base; torus radii 0.4 / 0.15 in the xz plane.
 * Rays are (o, d) with |d| = 1 and o outside the object; intersections are the closed-form roots (quadratics; the
 * torus quartic in `torus.ts`).
 */
import { insideTorus, intersectTorus, TORUS_R, TORUS_TUBE } from './torus.ts';
import type { Vec3 } from '../../camera.ts';

export const SHAPES = ['sphere', 'cube', 'cylinder', 'cone', 'torus'] as const;
export type ShapeName = (typeof SHAPES)[number];

export const SPHERE_RADIUS = 0.5;
export const CUBE_HALF = 0.4;
export const CYLINDER_RADIUS = 0.4;
export const CYLINDER_HALF_HEIGHT = 0.45;
export const CONE_RADIUS = 0.5;
export const CONE_HALF_HEIGHT = 0.45;

/** Radius of a sphere about the origin that contains every primitive (the cube's half-diagonal, 0.4·√3). */
export const BOUNDING_RADIUS = CUBE_HALF * Math.sqrt(3);

/** Half-extents (x, y, z) of each primitive's axis-aligned bounding box, in SHAPES order. */
export const HALF_EXTENTS: readonly Vec3[] = [
  [SPHERE_RADIUS, SPHERE_RADIUS, SPHERE_RADIUS],
  [CUBE_HALF, CUBE_HALF, CUBE_HALF],
  [CYLINDER_RADIUS, CYLINDER_HALF_HEIGHT, CYLINDER_RADIUS],
  [CONE_RADIUS, CONE_HALF_HEIGHT, CONE_RADIUS],
  [TORUS_R + TORUS_TUBE, TORUS_TUBE, TORUS_R + TORUS_TUBE],
];

/**
 * First intersection of the unit ray (o, d) with primitive `shape` (index into SHAPES).
 * @param normal receives the outward unit normal at the hit
 * @returns the ray parameter t > 0 of the hit, or Infinity
 */
export function intersectShape(
  shape: number,
  ox: number,
  oy: number,
  oz: number,
  dx: number,
  dy: number,
  dz: number,
  normal: Float64Array,
): number {
  switch (shape) {
    case 0:
      return intersectSphere(ox, oy, oz, dx, dy, dz, normal);
    case 1:
      return intersectCube(ox, oy, oz, dx, dy, dz, normal);
    case 2:
      return intersectCylinder(ox, oy, oz, dx, dy, dz, normal);
    case 3:
      return intersectCone(ox, oy, oz, dx, dy, dz, normal);
    case 4:
      return intersectTorus(ox, oy, oz, dx, dy, dz, normal);
    default:
      throw new RangeError(`shape index ${shape} is not in [0, ${SHAPES.length})`);
  }
}

/** Ground-truth occupancy: whether point p is inside (or on) primitive `shape`. */
export function occupancy(shape: number, p: Vec3 | readonly [number, number, number]): boolean {
  const [x, y, z] = p;
  switch (shape) {
    case 0:
      return x * x + y * y + z * z <= SPHERE_RADIUS * SPHERE_RADIUS;
    case 1:
      return Math.max(Math.abs(x), Math.abs(y), Math.abs(z)) <= CUBE_HALF;
    case 2:
      return Math.abs(y) <= CYLINDER_HALF_HEIGHT && x * x + z * z <= CYLINDER_RADIUS * CYLINDER_RADIUS;
    case 3: {
      if (Math.abs(y) > CONE_HALF_HEIGHT) return false;
      const rho = (CONE_RADIUS * (CONE_HALF_HEIGHT - y)) / (2 * CONE_HALF_HEIGHT);
      return x * x + z * z <= rho * rho;
    }
    case 4:
      return insideTorus(x, y, z);
    default:
      throw new RangeError(`shape index ${shape} is not in [0, ${SHAPES.length})`);
  }
}

function setNormal(normal: Float64Array, x: number, y: number, z: number): void {
  const n = Math.sqrt(x * x + y * y + z * z);
  normal[0] = x / n;
  normal[1] = y / n;
  normal[2] = z / n;
}

export function intersectSphere(ox: number, oy: number, oz: number, dx: number, dy: number, dz: number, normal: Float64Array): number {
  const b = ox * dx + oy * dy + oz * dz;
  const c = ox * ox + oy * oy + oz * oz - SPHERE_RADIUS * SPHERE_RADIUS;
  const disc = b * b - c;
  if (disc < 0) return Infinity;
  const t = -b - Math.sqrt(disc);
  if (t <= 0) return Infinity;
  normal[0] = (ox + t * dx) / SPHERE_RADIUS;
  normal[1] = (oy + t * dy) / SPHERE_RADIUS;
  normal[2] = (oz + t * dz) / SPHERE_RADIUS;
  return t;
}

/** Slab method: the entry is the largest of the three near-plane distances. */
export function intersectCube(ox: number, oy: number, oz: number, dx: number, dy: number, dz: number, normal: Float64Array): number {
  const h = CUBE_HALF;
  // Per axis: entry/exit distances of the slab |p_a| ≤ h (±Infinity when the ray is parallel to it).
  const ix = 1 / dx;
  const iy = 1 / dy;
  const iz = 1 / dz;
  const x0 = (-h - ox) * ix;
  const x1 = (h - ox) * ix;
  const y0 = (-h - oy) * iy;
  const y1 = (h - oy) * iy;
  const z0 = (-h - oz) * iz;
  const z1 = (h - oz) * iz;
  const nx = x0 < x1 ? x0 : x1;
  const fx = x0 < x1 ? x1 : x0;
  const ny = y0 < y1 ? y0 : y1;
  const fy = y0 < y1 ? y1 : y0;
  const nz = z0 < z1 ? z0 : z1;
  const fz = z0 < z1 ? z1 : z0;
  // NaN (parallel ray exactly on a slab plane) compares false and so counts as a miss.
  const tNear = Math.max(nx, ny, nz);
  const tFar = Math.min(fx, fy, fz);
  if (!(tNear <= tFar) || !(tNear > 0)) return Infinity;
  normal[0] = 0;
  normal[1] = 0;
  normal[2] = 0;
  if (tNear === nx) normal[0] = dx > 0 ? -1 : 1;
  else if (tNear === ny) normal[1] = dy > 0 ? -1 : 1;
  else normal[2] = dz > 0 ? -1 : 1;
  return tNear;
}

export function intersectCylinder(ox: number, oy: number, oz: number, dx: number, dy: number, dz: number, normal: Float64Array): number {
  const r = CYLINDER_RADIUS;
  const hh = CYLINDER_HALF_HEIGHT;
  let best = Infinity;
  // Side: x² + z² = r², the entering root.
  const a = dx * dx + dz * dz;
  if (a > 1e-14) {
    const b = ox * dx + oz * dz;
    const c = ox * ox + oz * oz - r * r;
    const disc = b * b - a * c;
    if (disc >= 0) {
      const t = (-b - Math.sqrt(disc)) / a;
      const y = oy + t * dy;
      if (t > 0 && y >= -hh && y <= hh) {
        best = t;
        setNormal(normal, ox + t * dx, 0, oz + t * dz);
      }
    }
  }
  // The cap facing the ray.
  if (dy !== 0) best = capHit(ox, oy, oz, dx, dy, dz, dy < 0 ? hh : -hh, r, best, normal);
  return best;
}

/**
 * The ray against the disc y = yc, x² + z² ≤ r² (a cap): its t when nearer than `best` (and the cap's normal, facing
 * the ray, in `normal`), else `best`.
 */
function capHit(ox: number, oy: number, oz: number, dx: number, dy: number, dz: number, yc: number, r: number, best: number, normal: Float64Array): number {
  const t = (yc - oy) / dy;
  if (!(t > 0 && t < best)) return best;
  const x = ox + t * dx;
  const z = oz + t * dz;
  if (x * x + z * z > r * r) return best;
  normal[0] = 0;
  normal[1] = dy < 0 ? 1 : -1;
  normal[2] = 0;
  return t;
}

/** Side x² + z² = k²(y_apex − y)² with k = r/h, y ∈ [−h/2, h/2]; base disc at y = −h/2. */
export function intersectCone(ox: number, oy: number, oz: number, dx: number, dy: number, dz: number, normal: Float64Array): number {
  const yApex = CONE_HALF_HEIGHT;
  const yBase = -CONE_HALF_HEIGHT;
  const k = CONE_RADIUS / (2 * CONE_HALF_HEIGHT);
  const k2 = k * k;
  let best = Infinity;
  const Y0 = yApex - oy;
  const a = dx * dx + dz * dz - k2 * dy * dy;
  const b = ox * dx + oz * dz + k2 * Y0 * dy;
  const c = ox * ox + oz * oz - k2 * Y0 * Y0;
  if (Math.abs(a) > 1e-14) {
    const disc = b * b - a * c;
    if (disc >= 0) {
      const sq = Math.sqrt(disc);
      const ta = (-b - sq) / a;
      const tb = (-b + sq) / a;
      const y = oy + ta * dy;
      if (ta > 0 && y >= yBase && y <= yApex) best = ta;
      const yb = oy + tb * dy;
      if (tb > 0 && tb < best && yb >= yBase && yb <= yApex) best = tb;
    }
  } else if (b !== 0) {
    const t = -c / (2 * b);
    const y = oy + t * dy;
    if (t > 0 && y >= yBase && y <= yApex) best = t;
  }
  if (best < Infinity) {
    const y = oy + best * dy;
    setNormal(normal, ox + best * dx, k2 * (yApex - y), oz + best * dz);
  }
  // Base cap, seen from below.
  if (dy > 0) best = capHit(ox, oy, oz, dx, dy, dz, yBase, CONE_RADIUS, best, normal);
  return best;
}

/**
 * Ground-truth occupancy of `shape` sampled at the cell centres of a res³ grid over the cube [−extent, extent]³
 * (x fastest, then y, then z), for occupancy IoU against a reconstruction sampled on the same grid.
 * @returns [res, res, res] (z, y, x order), 1 = inside
 */
export function occupancyGrid(shape: number, res: number, extent = 0.75): Uint8Array {
  const out = new Uint8Array(res * res * res);
  const p: [number, number, number] = [0, 0, 0];
  const cell = (2 * extent) / res;
  let k = 0;
  for (let iz = 0; iz < res; iz++) {
    p[2] = -extent + (iz + 0.5) * cell;
    for (let iy = 0; iy < res; iy++) {
      p[1] = -extent + (iy + 0.5) * cell;
      for (let ix = 0; ix < res; ix++, k++) {
        p[0] = -extent + (ix + 0.5) * cell;
        out[k] = occupancy(shape, p) ? 1 : 0;
      }
    }
  }
  return out;
}
