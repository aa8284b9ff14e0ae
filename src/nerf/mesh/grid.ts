/**
 * A density field sampled on a regular grid, the input of marching cubes and of the occupancy IoU.
 *
 * Index order: x fastest, then y, then z — sample (ix, iy, iz) is `grid[ix + nx·(iy + ny·iz)]`, so the flat array
 * is a C-order [nz, ny, nx] array (as `density.npy` stores it, and as the shapes data's `occupancyGrid` orders
 * its cells). Sample (ix, iy, iz) sits at `min + (ix, iy, iz) · spacing` with spacing = (max − min) / (dims − 1):
 * `bounds` are the positions of the first and the last sample.
 */
import * as tf from '@tensorflow/tfjs-core';
import { DalError } from '../../core/errors.ts';

export type Vec3 = [number, number, number];

/** An axis-aligned box in world coordinates. */
export interface Bounds {
  min: Vec3;
  max: Vec3;
}

/** Density samples on a regular lattice (see the module comment for the index order). */
export interface DensityGrid {
  /** [nz, ny, nx] flattened, x fastest */
  grid: Float32Array;
  /** samples along x, y, z */
  dims: Vec3;
  /** positions of sample (0, 0, 0) and sample (nx − 1, ny − 1, nz − 1) */
  bounds: Bounds;
}

/** The shapes data's scene: every primitive fits in [−0.55, 0.55]³ (the torus reaches 0.55 in x and z). */
export const SCENE_BOUNDS: Readonly<Bounds> = { min: [-0.75, -0.75, -0.75], max: [0.75, 0.75, 0.75] };

/** A function of world points: [N, 3] → [N]. */
export type DensityFn = (points: tf.Tensor2D) => tf.Tensor1D;

export interface DensityGridOptions {
  /** value of the padding samples; must be below every threshold the grid will be cut at (default 0: σ ≥ 0) */
  padValue?: number;
  /** points per call of the density function (default 32,768) */
  chunkSize?: number;
}

/** Spacing between samples along each axis. */
export function gridSpacing(dims: Vec3, bounds: Bounds): Vec3 {
  return [0, 1, 2].map((a) => (dims[a] > 1 ? (bounds.max[a] - bounds.min[a]) / (dims[a] - 1) : 0)) as Vec3;
}

/** Checks that grid, dims and bounds agree; throws a DalError naming the mismatch. */
export function checkGrid(grid: Float32Array, dims: readonly number[], bounds: Bounds): void {
  if (dims.length !== 3 || !dims.every((d) => Number.isInteger(d) && d >= 2)) {
    throw new DalError(`grid dims must be three integers ≥ 2, got [${dims}]`);
  }
  const n = dims[0] * dims[1] * dims[2];
  if (grid.length !== n) throw new DalError(`grid holds ${grid.length} samples but dims [${dims}] need ${n}`);
  checkBounds(bounds);
}

/** Checks that a box has finite corners with max > min on every axis. */
export function checkBounds(bounds: Bounds): void {
  const ok = [0, 1, 2].every((a) => Number.isFinite(bounds.min[a]) && Number.isFinite(bounds.max[a]) && bounds.max[a] > bounds.min[a]);
  if (!ok) throw new DalError(`bounds must be finite with max > min on every axis, got min [${bounds.min}] max [${bounds.max}]`);
}

/**
 * Samples `densityFn` on a regular grid: `resolution` samples per axis from `bounds.min` to `bounds.max` (both
 * included), surrounded by `pad` layers of `padValue` one spacing apart, so that a surface cut at a threshold above
 * `padValue` never touches the grid's border (marching cubes then gives a closed mesh). The function is called on
 * chunks of `chunkSize` points inside `tf.tidy`; no tensor outlives the call.
 * @param densityFn points [N, 3] → density [N]
 * @returns the padded grid: dims = resolution + 2·pad per axis, bounds grown by pad spacings
 */
export function densityGrid(
  densityFn: DensityFn,
  resolution: number,
  bounds: Bounds = SCENE_BOUNDS,
  pad = 1,
  options: DensityGridOptions = {},
): DensityGrid {
  const { padValue = 0, chunkSize = 32768 } = options;
  if (!Number.isInteger(resolution) || resolution < 2) {
    throw new DalError(`mesh resolution must be an integer ≥ 2, got ${resolution}`);
  }
  if (!Number.isInteger(pad) || pad < 0) throw new DalError(`grid padding must be an integer ≥ 0, got ${pad}`);
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new DalError(`chunkSize must be a positive integer, got ${chunkSize}`);
  const n = resolution + 2 * pad;
  const dims: Vec3 = [n, n, n];
  checkBounds(bounds);
  const step = gridSpacing([resolution, resolution, resolution], bounds);
  const outer: Bounds = {
    min: [0, 1, 2].map((a) => bounds.min[a] - pad * step[a]) as Vec3,
    max: [0, 1, 2].map((a) => bounds.max[a] + pad * step[a]) as Vec3,
  };
  const grid = new Float32Array(n * n * n).fill(padValue);
  const total = resolution ** 3;
  const pts = new Float32Array(Math.min(chunkSize, total) * 3);
  for (let start = 0; start < total; start += chunkSize) {
    const count = Math.min(chunkSize, total - start);
    for (let q = 0; q < count; q++) {
      const s = start + q;
      const ix = s % resolution;
      const iy = Math.floor(s / resolution) % resolution;
      const iz = Math.floor(s / (resolution * resolution));
      pts[3 * q] = bounds.min[0] + ix * step[0];
      pts[3 * q + 1] = bounds.min[1] + iy * step[1];
      pts[3 * q + 2] = bounds.min[2] + iz * step[2];
    }
    const values = tf.tidy(() => {
      const out = densityFn(tf.tensor2d(pts.subarray(0, 3 * count), [count, 3]));
      if (out.shape.length !== 1 || out.shape[0] !== count) {
        throw new DalError(`the density function must map [${count}, 3] points to [${count}], got [${out.shape}]`);
      }
      return out.dataSync() as Float32Array;
    });
    for (let q = 0; q < count; q++) {
      const s = start + q;
      const ix = (s % resolution) + pad;
      const iy = (Math.floor(s / resolution) % resolution) + pad;
      const iz = Math.floor(s / (resolution * resolution)) + pad;
      const v = values[q];
      if (Number.isNaN(v)) {
        throw new DalError(`the density is NaN at (${pts[3 * q]}, ${pts[3 * q + 1]}, ${pts[3 * q + 2]}); the field has diverged`);
      }
      grid[ix + n * (iy + n * iz)] = v;
    }
  }
  return { grid, dims, bounds: outer };
}

/** World position of sample (ix, iy, iz). */
export function samplePosition(dims: Vec3, bounds: Bounds, ix: number, iy: number, iz: number): Vec3 {
  const h = gridSpacing(dims, bounds);
  return [bounds.min[0] + ix * h[0], bounds.min[1] + iy * h[1], bounds.min[2] + iz * h[2]];
}
