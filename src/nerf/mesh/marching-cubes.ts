/**
 * Marching cubes (Lorensen & Cline 1987) on a density grid: the surface {density = threshold} as an indexed mesh
 * with one vertex per crossed grid edge (shared by the up to four cells around that edge), placed by linear
 * interpolation, in world coordinates — plus, in the rare cells whose surface is a long loop through joined ambiguous
 * faces, one vertex at the loop's centre (see `cube-table.ts`). The inside is {density > threshold}; faces turn counter-clockwise seen from
 * outside, so normals point from high density to low.
 *
 * Ambiguous faces (two diagonal corners inside, two outside) are resolved by the asymptotic decider (Nielson &
 * Hamann 1991): the inside corners are joined iff the bilinear interpolant's saddle value is above the threshold,
 * i.e. iff (a − τ)(c − τ) > (b − τ)(d − τ) for inside diagonal a, c and outside diagonal b, d. The test reads only
 * the face's four values, so both cells sharing the face take the same decision and the surface has no cracks; with
 * the case table's face-respecting triangulation (`cube-table.ts`) the mesh is closed and consistently oriented as
 * long as no sample on the grid's border is inside (pad the grid: `densityGrid` does).
 *
 * Vertex ids are kept for two z-layers at a time, so memory beyond the output is O(nx·ny).
 */
import { DalError } from '../../core/errors.ts';
import { AMBIGUOUS_FACES, caseTriangles, faceCorners } from './cube-table.ts';
import { checkGrid, gridSpacing, type Bounds, type Vec3 } from './grid.ts';
import type { Mesh } from './mesh.ts';

const FACES = Array.from({ length: 6 }, (_, f) => faceCorners(f));

/**
 * For cube edge e: the offset of its low corner and its axis, as layer-addressing data (dx, dy, dz, axis).
 * Edges along x have their other offsets (y, z) in the low bits, along y (x, z), along z (x, y).
 */
const EDGE_BASE = Array.from({ length: 12 }, (_, e) => {
  const a = e >> 2;
  const r = e & 3;
  const lo = r & 1;
  const hi = r >> 1;
  return a === 0 ? [0, lo, hi, 0] : a === 1 ? [lo, 0, hi, 1] : [lo, hi, 0, 2];
});

/**
 * Extracts the iso-surface {grid = threshold}.
 * @param grid samples, x fastest ([nz, ny, nx] flattened; see grid.ts)
 * @param dims [nx, ny, nz]
 * @param bounds positions of the first and last sample
 * @param threshold the iso-value τ; samples > τ are inside
 * @returns positions [V, 3] and indices [F, 3], flattened; empty when no cell straddles τ
 */
export function marchingCubes(grid: Float32Array, dims: Vec3 | readonly number[], bounds: Bounds, threshold: number): Mesh {
  checkGrid(grid, dims, bounds);
  if (!Number.isFinite(threshold)) throw new Error(`marchingCubes: threshold must be finite, got ${threshold}`);
  for (let i = 0; i < grid.length; i++) {
    if (Number.isNaN(grid[i])) throw new DalError(`the density grid holds NaN (first at index ${i}); the field has diverged`);
  }
  const [nx, ny, nz] = dims;
  const h = gridSpacing(dims as Vec3, bounds);
  const sxy = nx * ny;

  let positions = new Float32Array(3 * 4096);
  let indices = new Uint32Array(3 * 8192);
  let nv = 0;
  let ni = 0;

  // Vertex ids of the x- and y-edges on layer z = k (below) and z = k + 1 (above), and of the z-edges between them.
  let below = new Int32Array(2 * sxy).fill(-1);
  let above = new Int32Array(2 * sxy).fill(-1);
  const vertical = new Int32Array(sxy);

  const vertexOn = (ix: number, iy: number, iz: number, axis: number): number => {
    const p = ix + nx * (iy + ny * iz);
    const q = p + (axis === 0 ? 1 : axis === 1 ? nx : sxy);
    const a = grid[p] - threshold;
    const b = grid[q] - threshold;
    // One of a, b is > 0 and the other ≤ 0, so b − a > 0 or < 0; an infinite end pins the vertex to the finite one.
    let t = -a / (b - a);
    if (!(t >= 0 && t <= 1)) t = Number.isFinite(a) ? 0 : Number.isFinite(b) ? 1 : 0.5;
    if (nv * 3 === positions.length) positions = grow(positions);
    const o = nv * 3;
    positions[o] = bounds.min[0] + (ix + (axis === 0 ? t : 0)) * h[0];
    positions[o + 1] = bounds.min[1] + (iy + (axis === 1 ? t : 0)) * h[1];
    positions[o + 2] = bounds.min[2] + (iz + (axis === 2 ? t : 0)) * h[2];
    return nv++;
  };

  // The current cell, and its edge vertices (created on first use, shared with the neighbours through the layers).
  let cx = 0;
  let cy = 0;
  let cz = 0;
  const cellVertex = new Int32Array(12);
  const edgeVertex = (e: number): number => {
    let id = cellVertex[e];
    if (id >= 0) return id;
    const base = EDGE_BASE[e];
    const axis = base[3];
    const cell = cx + base[0] + nx * (cy + base[1]);
    if (axis === 2) {
      id = vertical[cell];
      if (id < 0) id = vertical[cell] = vertexOn(cx + base[0], cy + base[1], cz, 2);
    } else {
      const layer = base[2] === 0 ? below : above;
      const slot = 2 * cell + axis;
      id = layer[slot];
      if (id < 0) id = layer[slot] = vertexOn(cx + base[0], cy + base[1], cz + base[2], axis);
    }
    return (cellVertex[e] = id);
  };

  /** A new vertex at the mean of the loop's edge vertices. */
  const centreOf = (loop: Int8Array): number => {
    let x = 0;
    let y = 0;
    let z = 0;
    for (let k = 0; k < loop.length; k++) {
      const o = edgeVertex(loop[k]) * 3;
      x += positions[o];
      y += positions[o + 1];
      z += positions[o + 2];
    }
    if (nv * 3 === positions.length) positions = grow(positions);
    const o = nv * 3;
    positions[o] = x / loop.length;
    positions[o + 1] = y / loop.length;
    positions[o + 2] = z / loop.length;
    return nv++;
  };

  const v = new Float64Array(8);
  const centreVertex = new Int32Array(4);
  for (let iz = 0; iz < nz - 1; iz++) {
    vertical.fill(-1);
    for (let iy = 0; iy < ny - 1; iy++) {
      for (let ix = 0; ix < nx - 1; ix++) {
        const p = ix + nx * (iy + ny * iz);
        v[0] = grid[p];
        v[1] = grid[p + 1];
        v[2] = grid[p + nx];
        v[3] = grid[p + nx + 1];
        v[4] = grid[p + sxy];
        v[5] = grid[p + sxy + 1];
        v[6] = grid[p + sxy + nx];
        v[7] = grid[p + sxy + nx + 1];
        let cubeCase = 0;
        for (let c = 0; c < 8; c++) if (v[c] > threshold) cubeCase |= 1 << c;
        if (cubeCase === 0 || cubeCase === 255) continue;

        let connect = 0;
        const ambiguous = AMBIGUOUS_FACES[cubeCase];
        if (ambiguous !== 0) {
          for (let f = 0; f < 6; f++) {
            if (!((ambiguous >> f) & 1)) continue;
            const [q0, q1, q2, q3] = FACES[f];
            const d0 = (v[q0] - threshold) * (v[q2] - threshold);
            const d1 = (v[q1] - threshold) * (v[q3] - threshold);
            const q0Inside = (cubeCase >> q0) & 1;
            if (q0Inside ? d0 > d1 : d1 > d0) connect |= 1 << f;
          }
        }

        const { tris, centres } = caseTriangles(cubeCase, connect);
        cellVertex.fill(-1);
        cx = ix;
        cy = iy;
        cz = iz;
        for (let k = 0; k < centres.length; k++) centreVertex[k] = centreOf(centres[k]);
        for (let k = 0; k < tris.length; k++) {
          const e = tris[k];
          const id = e < 12 ? edgeVertex(e) : centreVertex[e - 12];
          if (ni === indices.length) indices = grow(indices);
          indices[ni++] = id;
        }
      }
    }
    const swap = below;
    below = above;
    above = swap;
    above.fill(-1);
  }
  return { positions: positions.slice(0, nv * 3), indices: indices.slice(0, ni) };
}

function grow<T extends Float32Array | Uint32Array>(a: T): T {
  const b = new (a.constructor as new (n: number) => T)(a.length * 2);
  b.set(a);
  return b;
}
