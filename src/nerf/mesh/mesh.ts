/**
 * Indexed triangle meshes and the checks a mesh from marching cubes should pass: area-weighted vertex normals, the
 * enclosed volume by the divergence theorem, and closedness with consistent orientation.
 */

/** An indexed triangle mesh in world coordinates; faces counter-clockwise seen from outside (normals outward). */
export interface Mesh {
  /** vertex positions [V, 3], flattened */
  positions: Float32Array;
  /** vertex indices of the triangles [F, 3], flattened */
  indices: Uint32Array;
}

/** Number of vertices and of triangles. */
export function meshCounts(mesh: Mesh): { vertices: number; faces: number } {
  return { vertices: mesh.positions.length / 3, faces: mesh.indices.length / 3 };
}

/**
 * Unit vertex normals: the sum of the incident faces' (p1 − p0) × (p2 − p0) — area-weighted face normals —
 * normalized; a vertex whose faces all have zero area gets (0, 0, 0).
 * @returns [V, 3], flattened
 */
export function vertexNormals(mesh: Mesh): Float32Array {
  const { positions: p, indices } = mesh;
  const acc = new Float64Array(p.length);
  const cross = new Float64Array(3);
  for (let t = 0; t < indices.length; t += 3) {
    faceCross(p, indices, t, cross);
    for (let k = 0; k < 3; k++) {
      const i = indices[t + k] * 3;
      acc[i] += cross[0];
      acc[i + 1] += cross[1];
      acc[i + 2] += cross[2];
    }
  }
  const out = new Float32Array(p.length);
  for (let i = 0; i < p.length; i += 3) {
    const n = Math.hypot(acc[i], acc[i + 1], acc[i + 2]);
    if (n > 0) {
      out[i] = acc[i] / n;
      out[i + 1] = acc[i + 1] / n;
      out[i + 2] = acc[i + 2] / n;
    }
  }
  return out;
}

/**
 * Enclosed volume by the divergence theorem: V = ∮ x·n dA / 3 = Σ_faces p0 · (p1 × p2) / 6 (signed tetrahedra from
 * the origin). Positive for a closed mesh with outward normals; meaningless for an open one.
 */
export function meshVolume(mesh: Mesh): number {
  const { positions: p, indices } = mesh;
  let sum = 0;
  for (let t = 0; t < indices.length; t += 3) {
    const a = indices[t] * 3;
    const b = indices[t + 1] * 3;
    const c = indices[t + 2] * 3;
    const cx = p[b + 1] * p[c + 2] - p[b + 2] * p[c + 1];
    const cy = p[b + 2] * p[c] - p[b] * p[c + 2];
    const cz = p[b] * p[c + 1] - p[b + 1] * p[c];
    sum += p[a] * cx + p[a + 1] * cy + p[a + 2] * cz;
  }
  return sum / 6;
}

/** Surface area Σ |(p1 − p0) × (p2 − p0)| / 2. */
export function meshArea(mesh: Mesh): number {
  const { positions: p, indices } = mesh;
  let sum = 0;
  const cross = new Float64Array(3);
  for (let t = 0; t < indices.length; t += 3) {
    faceCross(p, indices, t, cross);
    sum += Math.hypot(cross[0], cross[1], cross[2]);
  }
  return sum / 2;
}

/** (p1 − p0) × (p2 − p0) of the face at indices[t..t+2] (along its normal, twice its area) into out[0..2]. */
function faceCross(p: ArrayLike<number>, indices: ArrayLike<number>, t: number, out: Float64Array): void {
  const a = indices[t] * 3;
  const b = indices[t + 1] * 3;
  const c = indices[t + 2] * 3;
  const ux = p[b] - p[a];
  const uy = p[b + 1] - p[a + 1];
  const uz = p[b + 2] - p[a + 2];
  const vx = p[c] - p[a];
  const vy = p[c + 1] - p[a + 1];
  const vz = p[c + 2] - p[a + 2];
  out[0] = uy * vz - uz * vy;
  out[1] = uz * vx - ux * vz;
  out[2] = ux * vy - uy * vx;
}

/** What `edgeDefects` counts: directed edges used by no opposite face, by more than one face, degenerate faces. */
export interface EdgeDefects {
  /** directed edges a→b with no face using b→a (holes, or a neighbour with the opposite orientation) */
  unmatched: number;
  /** directed edges a→b used by two or more faces (non-manifold, or two faces with the same orientation) */
  repeated: number;
  /** faces with a repeated vertex index */
  degenerate: number;
}

/** Counts the edge defects of a mesh; all zero iff every edge is shared by exactly two faces in opposite directions. */
export function edgeDefects(mesh: Mesh): EdgeDefects {
  const { indices } = mesh;
  const nv = mesh.positions.length / 3;
  // Directed edge a→b as the integer a·V + b (exact below 2⁵³, i.e. for any mesh that fits in memory).
  const count = new Map<number, number>();
  let degenerate = 0;
  for (let t = 0; t < indices.length; t += 3) {
    const v = [indices[t], indices[t + 1], indices[t + 2]];
    if (v[0] === v[1] || v[1] === v[2] || v[0] === v[2]) degenerate++;
    for (let k = 0; k < 3; k++) {
      const key = v[k] * nv + v[(k + 1) % 3];
      count.set(key, (count.get(key) ?? 0) + 1);
    }
  }
  let unmatched = 0;
  let repeated = 0;
  for (const [key, n] of count) {
    if (n > 1) repeated++;
    const a = Math.floor(key / nv);
    const b = key - a * nv;
    if (!count.has(b * nv + a)) unmatched++;
  }
  return { unmatched, repeated, degenerate };
}

/** Every edge shared by exactly two faces, traversed in opposite directions (a closed, consistently oriented mesh). */
export function isClosedAndOriented(mesh: Mesh): boolean {
  const d = edgeDefects(mesh);
  return d.unmatched === 0 && d.repeated === 0 && d.degenerate === 0;
}
