/**
 * A field's mesh export, as a DreamFusion run writes it: the density on a padded grid (`density.npy`), marching
 * cubes of it at a threshold, vertex colours from the albedo at the vertices, `mesh.ply` and `mesh.glb` — each file
 * written atomically (temp + rename), so a viewer following a run never reads a torn file.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { DalError } from '../../core/errors.ts';
import { writeFileAtomic } from '../../core/io/atomic.ts';
import { writeNpy } from '../../core/io/npy.ts';
import { SHAPES, type ShapeName } from '../../core/data/shapes/primitives.ts';
import { faceComponents, removeSmallComponents } from './components.ts';
import { encodeGlb } from './glb.ts';
import { densityGrid, SCENE_BOUNDS, type Bounds, type DensityGrid } from './grid.ts';
import { iouAgainstAll, shapeIndex } from './iou.ts';
import { marchingCubes } from './marching-cubes.ts';
import { edgeDefects, meshVolume, type Mesh } from './mesh.ts';
import { encodePly } from './ply.ts';

/** What the export needs of a field (world points in, per-point values out). */
export interface MeshField {
  /** @param points [N, 3] @returns σ [N] */
  density(points: tf.Tensor2D): tf.Tensor1D;
  /** @param points [N, 3] @returns albedo [N, 3] in [0, 1] (sRGB) */
  albedo(points: tf.Tensor2D): tf.Tensor2D;
}

export interface ExportMeshOptions {
  /** samples per axis inside `bounds` */
  resolution: number;
  /** density iso-value; the surface encloses {σ > threshold} */
  threshold: number;
  /** the sampled box (default the shapes scene, [−0.75, 0.75]³) */
  bounds?: Bounds;
  /** the prompt's primitive: adds the occupancy IoU against it and the other four */
  shape?: ShapeName;
  /** drop connected components with fewer faces than this fraction of the largest one's (default 0: keep all) */
  minComponentFraction?: number;
  /** points per field call (default 32,768) */
  chunkSize?: number;
}

export interface MeshExport {
  vertices: number;
  faces: number;
  /** no density above the threshold: the files hold an empty mesh */
  empty: boolean;
  /** every edge shared by exactly two faces in opposite directions */
  closed: boolean;
  /** connected components of the exported mesh (after `minComponentFraction`) */
  components: number;
  /** components dropped by `minComponentFraction` */
  componentsRemoved: number;
  /** enclosed volume (world units³) */
  volume: number;
  /** largest density on the grid (to pick a threshold when the mesh came out empty) */
  maxDensity: number;
  /** the grid the mesh came from (as written to density.npy) */
  grid: DensityGrid;
  /** absolute paths of the files written */
  files: { density: string; ply: string; glb: string };
  /** with `shape`: IoU against it, against every primitive, and the best-matching primitive */
  iou?: { shape: ShapeName; value: number; all: Record<ShapeName, number>; best: ShapeName };
  /** a human-readable summary, e.g. why the mesh is empty */
  message: string;
}

/**
 * sRGB bytes of `albedo` at the mesh's vertices, evaluated in chunks inside `tf.tidy`.
 * @returns [V, 3] bytes, flattened
 */
export function vertexColors(albedo: MeshField['albedo'], positions: Float32Array, chunkSize = 32768): Uint8Array {
  const nv = positions.length / 3;
  const out = new Uint8Array(3 * nv);
  for (let start = 0; start < nv; start += chunkSize) {
    const count = Math.min(chunkSize, nv - start);
    const rgb = tf.tidy(() => {
      const c = albedo(tf.tensor2d(positions.subarray(3 * start, 3 * (start + count)), [count, 3]));
      if (c.shape[0] !== count || c.shape[1] !== 3) {
        throw new DalError(`the albedo function must map [${count}, 3] points to [${count}, 3], got [${c.shape}]`);
      }
      return c.dataSync() as Float32Array;
    });
    for (let i = 0; i < 3 * count; i++) {
      const x = rgb[i];
      out[3 * start + i] = Number.isNaN(x) ? 0 : Math.round(255 * Math.min(1, Math.max(0, x)));
    }
  }
  return out;
}

/**
 * Samples the field's density, extracts the mesh and writes `density.npy` ([nz, ny, nx] float32, x fastest, with
 * one layer of zero padding), `mesh.ply` and `mesh.glb` into `dir`.
 */
export async function exportMesh(dir: string, field: MeshField, options: ExportMeshOptions): Promise<MeshExport> {
  const { resolution, threshold, bounds = SCENE_BOUNDS, shape, chunkSize, minComponentFraction = 0 } = options;
  if (!Number.isFinite(threshold) || threshold <= 0) {
    throw new DalError(`mesh threshold must be a density > 0 (the grid's padding is 0), got ${threshold}`);
  }
  if (shape !== undefined) shapeIndex(shape);
  if (!(minComponentFraction >= 0 && minComponentFraction <= 1)) {
    throw new DalError(`minComponentFraction must be in [0, 1], got ${minComponentFraction}`);
  }
  const grid = densityGrid((p) => field.density(p), resolution, bounds, 1, { padValue: 0, chunkSize });
  const raw: Mesh = marchingCubes(grid.grid, grid.dims, grid.bounds, threshold);
  const before = faceComponents(raw).sizes.length;
  const mesh = minComponentFraction > 0 ? removeSmallComponents(raw, minComponentFraction).mesh : raw;
  const components = minComponentFraction > 0 ? faceComponents(mesh).sizes.length : before;
  const colors = vertexColors((p) => field.albedo(p), mesh.positions, chunkSize);

  const files = { density: path.resolve(dir, 'density.npy'), ply: path.resolve(dir, 'mesh.ply'), glb: path.resolve(dir, 'mesh.glb') };
  const [nx, ny, nz] = grid.dims;
  // Encode everything before writing anything, so that a failure leaves the previous export's files in place.
  const ply = encodePly(mesh, colors);
  const glb = await encodeGlb(mesh, colors);
  writeNpy(files.density, grid.grid, [nz, ny, nx]);
  writeFileAtomic(files.ply, ply);
  writeFileAtomic(files.glb, glb);

  let maxDensity = -Infinity;
  for (const v of grid.grid) if (v > maxDensity) maxDensity = v;
  const vertices = mesh.positions.length / 3;
  const faces = mesh.indices.length / 3;
  const defects = edgeDefects(mesh);
  const result: MeshExport = {
    vertices,
    faces,
    empty: faces === 0,
    components,
    componentsRemoved: before - components,
    closed: defects.unmatched === 0 && defects.repeated === 0 && defects.degenerate === 0,
    volume: meshVolume(mesh),
    maxDensity,
    grid,
    files,
    message:
      faces === 0
        ? `empty mesh: no density above the threshold ${threshold} (largest density ${maxDensity.toPrecision(3)}); lower --threshold`
        : `mesh: ${vertices} vertices, ${faces} triangles, ${components} component${components === 1 ? '' : 's'}` +
          `${before > components ? ` (${before - components} small one${before - components === 1 ? '' : 's'} removed)` : ''}` +
          ` at σ > ${threshold} on a ${resolution}³ grid`,
  };
  if (shape !== undefined) {
    const all = iouAgainstAll(grid.grid, grid.dims, grid.bounds, threshold);
    const best = SHAPES.reduce((a, b) => (all[b] > all[a] ? b : a));
    result.iou = { shape, value: all[shape], all, best };
  }
  return result;
}
