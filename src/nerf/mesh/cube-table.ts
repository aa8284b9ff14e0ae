/**
 * The marching-cubes case table (Lorensen & Cline 1987), generated here rather than transcribed: for each sign
 * configuration of a cube's 8 corners — and, on ambiguous faces, the asymptotic decider's choice (Nielson & Hamann
 * 1991) — the triangles of the surface inside the cube, as cube-edge ids.
 *
 * Generation walks the cube's faces. On each face the surface crosses the sign-changing edges along segments that
 * depend only on that face's four values, directed so that, seen from outside the cube, the inside (density above the
 * threshold) lies on the segment's right. Two cubes sharing a face therefore produce the same segments in opposite
 * directions, and every crossed edge starts one segment and ends another inside a cube, so the segments chain into
 * directed loops. Each loop is triangulated with its orientation kept, which makes triangle normals point from inside
 * to outside (checked by hand for the single-corner case: loop x→y→z, normal (1,1,1)·t²). Diagonals between two
 * vertices on a common cube face are forbidden, so a diagonal belongs to one cube only and the assembled mesh is
 * edge-manifold: closed and consistently oriented whenever the surface does not reach the grid's border.
 *
 * Conventions. Corner c ∈ [0, 8) sits at offset (c & 1, c >> 1 & 1, c >> 2 & 1). Edge e ∈ [0, 12) runs along axis
 * a = e >> 2 (x, y, z); its two low bits give the offsets along the other two axes in increasing order. Face
 * f ∈ [0, 6) is the side s = f & 1 of axis a = f >> 1.
 */

/** Offset (x, y, z) ∈ {0,1}³ of corner c. */
export function cornerOffset(c: number): [number, number, number] {
  return [c & 1, (c >> 1) & 1, (c >> 2) & 1];
}

/** The two corners of edge e (low end first along its axis). */
export function edgeCorners(e: number): [number, number] {
  const a = e >> 2;
  const r = e & 3;
  const [p, q] = otherAxes(a);
  const low = (((r & 1) << p) | ((r >> 1) << q)) >>> 0;
  return [low, low | (1 << a)];
}

/** The edge joining corners c0 and c1 (which must differ in one bit). */
export function edgeBetween(c0: number, c1: number): number {
  const d = c0 ^ c1;
  const a = d === 1 ? 0 : d === 2 ? 1 : d === 4 ? 2 : -1;
  if (a < 0) throw new Error(`corners ${c0} and ${c1} are not joined by a cube edge`);
  const [p, q] = otherAxes(a);
  return a * 4 + ((c0 >> p) & 1) + 2 * ((c0 >> q) & 1);
}

function otherAxes(a: number): [number, number] {
  return a === 0 ? [1, 2] : a === 1 ? [0, 2] : [0, 1];
}

/**
 * The corners of face f in counter-clockwise order seen from outside the cube. With (u, v) = (a+1, a+2) mod 3,
 * (0,0) → (1,0) → (1,1) → (0,1) turns counter-clockwise about +e_a (e_u × e_v = e_a), which faces out on side 1.
 */
export function faceCorners(f: number): [number, number, number, number] {
  const a = f >> 1;
  const s = f & 1;
  const u = (a + 1) % 3;
  const v = (a + 2) % 3;
  const at = (du: number, dv: number) => (s << a) | (du << u) | (dv << v);
  const ccw: [number, number, number, number] = [at(0, 0), at(1, 0), at(1, 1), at(0, 1)];
  return s === 1 ? ccw : [ccw[0], ccw[3], ccw[2], ccw[1]];
}

const FACE_CORNERS = Array.from({ length: 6 }, (_, f) => faceCorners(f));

/** Bit f set when face f of sign configuration `cubeCase` has its diagonal corners inside and the others outside. */
export function ambiguousFaces(cubeCase: number): number {
  let mask = 0;
  for (let f = 0; f < 6; f++) {
    const [q0, q1, q2, q3] = FACE_CORNERS[f];
    const i0 = (cubeCase >> q0) & 1;
    const i1 = (cubeCase >> q1) & 1;
    const i2 = (cubeCase >> q2) & 1;
    const i3 = (cubeCase >> q3) & 1;
    if (i0 === i2 && i1 === i3 && i0 !== i1) mask |= 1 << f;
  }
  return mask;
}

/** Per sign configuration, the mask of ambiguous faces (precomputed: used in the extraction's inner loop). */
export const AMBIGUOUS_FACES: Uint8Array = Uint8Array.from({ length: 256 }, (_, c) => ambiguousFaces(c));

/** Bit f set when edge e lies on face f. */
function edgeFaces(e: number): number {
  const [c0, c1] = edgeCorners(e);
  let mask = 0;
  for (let f = 0; f < 6; f++) {
    const fc = FACE_CORNERS[f];
    if (fc.includes(c0) && fc.includes(c1)) mask |= 1 << f;
  }
  return mask;
}
const EDGE_FACES = Array.from({ length: 12 }, (_, e) => edgeFaces(e));

/** Cube-frame midpoint of edge e (for choosing among triangulations). */
function edgeMidpoint(e: number): [number, number, number] {
  const [c0, c1] = edgeCorners(e);
  const a = cornerOffset(c0);
  const b = cornerOffset(c1);
  return [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2, (a[2] + b[2]) / 2];
}

/**
 * The directed loops of the surface in a cube.
 * @param cubeCase bit c set when corner c is inside
 * @param connect bit f set when, on ambiguous face f, the two inside corners are joined (the saddle is inside);
 *   ignored on other faces
 * @returns loops of cube-edge ids, each inside (density above the threshold) on the right seen from outside
 */
export function cubeLoops(cubeCase: number, connect: number): number[][] {
  const next = new Int8Array(12).fill(-1);
  for (let f = 0; f < 6; f++) {
    const q = FACE_CORNERS[f];
    const inside = q.map((c) => (cubeCase >> c) & 1);
    // Crossings along the counter-clockwise walk: edge k joins q[k] and q[k+1].
    const outIn: number[] = [];
    const inOut: number[] = [];
    for (let k = 0; k < 4; k++) {
      const a = inside[k];
      const b = inside[(k + 1) & 3];
      if (a === b) continue;
      (a === 0 ? outIn : inOut).push(k);
    }
    const joinInside = ((connect >> f) & 1) === 1;
    for (const k of outIn) {
      // Inside on the right: from an out→in crossing to the in→out crossing that bounds the same inside run — the
      // next one counter-clockwise, or on a face whose inside corners are joined, the previous one.
      let partner: number;
      if (inOut.length === 1) partner = inOut[0];
      else partner = joinInside ? (k + 3) & 3 : (k + 1) & 3;
      const from = edgeBetween(q[k], q[(k + 1) & 3]);
      const to = edgeBetween(q[partner], q[(partner + 1) & 3]);
      if (next[from] !== -1) throw new Error(`cube case ${cubeCase}: edge ${from} starts two segments`);
      next[from] = to;
    }
  }
  const loops: number[][] = [];
  const seen = new Uint8Array(12);
  for (let start = 0; start < 12; start++) {
    if (next[start] === -1 || seen[start]) continue;
    const loop: number[] = [];
    for (let e = start; !seen[e]; e = next[e]) {
      if (e === -1) throw new Error(`cube case ${cubeCase}: open loop`);
      seen[e] = 1;
      loop.push(e);
    }
    loops.push(loop);
  }
  return loops;
}

/**
 * Triangulates a directed loop (keeping its orientation) by dynamic programming over polygon triangulations: no
 * diagonal joins two vertices on a common cube face, and the total squared diagonal length (at the edge midpoints)
 * is least.
 * @returns triangles as cube-edge ids, 3 per triangle, or undefined when every triangulation needs such a diagonal
 */
export function triangulateLoop(loop: readonly number[]): number[] | undefined {
  const n = loop.length;
  if (n < 3) throw new Error(`a surface loop needs 3 vertices, got ${n}`);
  const mid = loop.map(edgeMidpoint);
  const diagCost = (i: number, j: number): number => {
    if (j === i + 1 || (i === 0 && j === n - 1)) return 0; // polygon side
    if (EDGE_FACES[loop[i]] & EDGE_FACES[loop[j]]) return Infinity;
    const d0 = mid[i][0] - mid[j][0];
    const d1 = mid[i][1] - mid[j][1];
    const d2 = mid[i][2] - mid[j][2];
    return d0 * d0 + d1 * d1 + d2 * d2;
  };
  // cost[i][j]: best triangulation of the sub-polygon i..j (j − i ≥ 2), apex[i][j] its third vertex on side (i, j).
  const cost = Array.from({ length: n }, () => new Float64Array(n));
  const apex = Array.from({ length: n }, () => new Int8Array(n).fill(-1));
  for (let len = 2; len < n; len++) {
    for (let i = 0; i + len < n; i++) {
      const j = i + len;
      let best = Infinity;
      for (let k = i + 1; k < j; k++) {
        const c = cost[i][k] + cost[k][j] + diagCost(i, k) + diagCost(k, j);
        if (c < best) {
          best = c;
          apex[i][j] = k;
        }
      }
      cost[i][j] = best;
    }
  }
  if (!Number.isFinite(cost[0][n - 1])) return undefined;
  const tris: number[] = [];
  const emit = (i: number, j: number): void => {
    if (j - i < 2) return;
    const k = apex[i][j];
    emit(i, k);
    tris.push(loop[i], loop[k], loop[j]);
    emit(k, j);
  };
  emit(0, n - 1);
  return tris;
}

/**
 * One entry of the case table: triangles over vertex ids, where ids 0–11 are the cube's edges and id 12 + k is the
 * centre (mean of the vertices) of `centres[k]`, a loop that no face-respecting triangulation covers and that is
 * therefore fanned around an extra vertex.
 */
export interface CaseEntry {
  /** vertex ids, 3 per triangle, counter-clockwise seen from outside the surface */
  tris: Int8Array;
  /** cube-edge ids of each loop fanned around its centre */
  centres: Int8Array[];
}

/** Fans a directed loop around its centre (vertex id `centreId`), keeping the orientation. */
function fanAroundCentre(loop: readonly number[], centreId: number): number[] {
  return loop.flatMap((e, i) => [e, loop[(i + 1) % loop.length], centreId]);
}

/** Builds the table entry of a sign configuration and ambiguous-face choices (see `CaseEntry`). */
export function buildCase(cubeCase: number, connect: number): CaseEntry {
  const tris: number[] = [];
  const centres: Int8Array[] = [];
  for (const loop of cubeLoops(cubeCase, connect)) {
    const t = triangulateLoop(loop);
    if (t) tris.push(...t);
    else {
      tris.push(...fanAroundCentre(loop, 12 + centres.length));
      centres.push(Int8Array.from(loop));
    }
  }
  return { tris: Int8Array.from(tris), centres };
}

const cache: (CaseEntry | undefined)[] = new Array(256 * 64);

/**
 * The table entry for a sign configuration and ambiguous-face choices, generated once and cached.
 * @param cubeCase bit c set when corner c is inside
 * @param connect bit f set when the inside corners of ambiguous face f are joined (only ambiguous faces' bits count)
 */
export function caseTriangles(cubeCase: number, connect: number): CaseEntry {
  const key = cubeCase | ((connect & AMBIGUOUS_FACES[cubeCase]) << 8);
  let entry = cache[key];
  if (entry === undefined) {
    entry = buildCase(cubeCase, connect & AMBIGUOUS_FACES[cubeCase]);
    cache[key] = entry;
  }
  return entry;
}
