import { describe, expect, it } from 'vitest';
import { AMBIGUOUS_FACES, caseTriangles, cubeLoops, edgeCorners, faceCorners } from '../../../src/nerf/mesh/cube-table.ts';
import type { Bounds, Vec3 } from '../../../src/nerf/mesh/grid.ts';
import { marchingCubes } from '../../../src/nerf/mesh/marching-cubes.ts';
import { edgeDefects, isClosedAndOriented, meshVolume, vertexNormals } from '../../../src/nerf/mesh/mesh.ts';

/** Samples f on a lattice of dims points from bounds.min to bounds.max, x fastest. */
function sample(f: (x: number, y: number, z: number) => number, dims: Vec3, bounds: Bounds): Float32Array {
  const g = new Float32Array(dims[0] * dims[1] * dims[2]);
  const h = [0, 1, 2].map((a) => (bounds.max[a] - bounds.min[a]) / (dims[a] - 1));
  for (let k = 0; k < dims[2]; k++) {
    for (let j = 0; j < dims[1]; j++) {
      for (let i = 0; i < dims[0]; i++) {
        g[i + dims[0] * (j + dims[1] * k)] = f(bounds.min[0] + i * h[0], bounds.min[1] + j * h[1], bounds.min[2] + k * h[2]);
      }
    }
  }
  return g;
}

const SCENE: Bounds = { min: [-0.75, -0.75, -0.75], max: [0.75, 0.75, 0.75] };
/** The DreamFusion-style density blob of radius 0.5: σ = 10·(1 − r/0.5), surface σ = 0 at r = 0.5. */
const sphereDensity = (x: number, y: number, z: number) => 10 * (1 - Math.hypot(x, y, z) / 0.5);
const SPHERE_VOLUME = (4 / 3) * Math.PI * 0.5 ** 3;

describe('marching cubes', () => {
  it('turns one inside sample into the octahedron through the edge midpoints: 6 vertices, 8 faces, volume 4r³/3', () => {
    // 3³ grid with spacing 1, centre 1, the rest 0, cut at 0.5: the crossings sit at ±0.5 along each axis.
    const g = new Float32Array(27);
    g[13] = 1;
    const mesh = marchingCubes(g, [3, 3, 3], { min: [0, 0, 0], max: [2, 2, 2] }, 0.5);
    expect(mesh.positions.length / 3).toBe(6);
    expect(mesh.indices.length / 3).toBe(8);
    for (let v = 0; v < 6; v++) {
      const d = [0, 1, 2].map((a) => mesh.positions[3 * v + a] - 1);
      expect(d.map(Math.abs).sort()).toEqual([0, 0, 0.5]);
    }
    expect(isClosedAndOriented(mesh)).toBe(true);
    expect(meshVolume(mesh)).toBeCloseTo((4 / 3) * 0.5 ** 3, 6);
    // By symmetry each vertex normal points straight out along its axis.
    const normals = vertexNormals(mesh);
    for (let i = 0; i < 18; i++) expect(normals[i]).toBeCloseTo(2 * (mesh.positions[i] - 1), 6);
  });

  it('reproduces a sphere: closed, consistently oriented, volume within 5% at two resolutions, error ~h²', () => {
    const errors: number[] = [];
    for (const n of [32, 64]) {
      const mesh = marchingCubes(sample(sphereDensity, [n, n, n], SCENE), [n, n, n], SCENE, 0);
      expect(edgeDefects(mesh)).toEqual({ unmatched: 0, repeated: 0, degenerate: 0 });
      const err = Math.abs(meshVolume(mesh) - SPHERE_VOLUME) / SPHERE_VOLUME;
      expect(err).toBeLessThan(0.05);
      errors.push(err);
      // Every vertex on the sphere to within a fraction of the spacing (linear interpolation of a cone-like σ).
      const h = 1.5 / (n - 1);
      let worst = 0;
      for (let v = 0; v < mesh.positions.length; v += 3) {
        worst = Math.max(worst, Math.abs(Math.hypot(mesh.positions[v], mesh.positions[v + 1], mesh.positions[v + 2]) - 0.5));
      }
      expect(worst).toBeLessThan(0.1 * h);
    }
    // Second-order convergence: halving the spacing cuts the volume error by ~4 (≥ 3 allowed).
    expect(errors[0] / errors[1]).toBeGreaterThan(3);
  });

  it('gives the sphere Euler characteristic 2 and the torus 0 (genus 1), with the torus volume 2π²Rr² within 2%', () => {
    const euler = (m: { positions: Float32Array; indices: Uint32Array }) => {
      const f = m.indices.length / 3;
      return m.positions.length / 3 - (3 * f) / 2 + f; // closed: every edge has two faces, E = 3F/2
    };
    const n = 64;
    const sphere = marchingCubes(sample(sphereDensity, [n, n, n], SCENE), [n, n, n], SCENE, 0);
    expect(euler(sphere)).toBe(2);
    const torus = (x: number, y: number, z: number) => 0.15 - Math.hypot(Math.hypot(x, z) - 0.4, y);
    const mesh = marchingCubes(sample(torus, [n, n, n], SCENE), [n, n, n], SCENE, 0);
    expect(isClosedAndOriented(mesh)).toBe(true);
    expect(euler(mesh)).toBe(0);
    const exact = 2 * Math.PI ** 2 * 0.4 * 0.15 ** 2;
    expect(Math.abs(meshVolume(mesh) - exact) / exact).toBeLessThan(0.02);
  });

  it('gives outward normals on a sphere (vertex normal ≈ radial direction)', () => {
    const n = 40;
    const mesh = marchingCubes(sample(sphereDensity, [n, n, n], SCENE), [n, n, n], SCENE, 0);
    const normals = vertexNormals(mesh);
    let worst = 1;
    for (let v = 0; v < mesh.positions.length; v += 3) {
      const p = [mesh.positions[v], mesh.positions[v + 1], mesh.positions[v + 2]];
      const r = Math.hypot(p[0], p[1], p[2]);
      const cos = (p[0] * normals[v] + p[1] * normals[v + 1] + p[2] * normals[v + 2]) / r;
      worst = Math.min(worst, cos);
    }
    expect(worst).toBeGreaterThan(0.95);
  });

  it('places an off-centre sphere in world coordinates on an anisotropic, non-cubic grid', () => {
    const c = [0.2, -0.1, 0.05];
    const f = (x: number, y: number, z: number) => 0.3 - Math.hypot(x - c[0], y - c[1], z - c[2]);
    const dims: Vec3 = [41, 33, 29];
    const bounds: Bounds = { min: [-0.3, -0.5, -0.4], max: [0.7, 0.4, 0.5] };
    const mesh = marchingCubes(sample(f, dims, bounds), dims, bounds, 0);
    expect(isClosedAndOriented(mesh)).toBe(true);
    let sum = [0, 0, 0];
    let worst = 0;
    for (let v = 0; v < mesh.positions.length; v += 3) {
      const d = [0, 1, 2].map((a) => mesh.positions[v + a] - c[a]);
      worst = Math.max(worst, Math.abs(Math.hypot(d[0], d[1], d[2]) - 0.3));
      sum = sum.map((s, a) => s + mesh.positions[v + a]);
    }
    expect(worst).toBeLessThan(0.005);
    const nv = mesh.positions.length / 3;
    for (let a = 0; a < 3; a++) expect(sum[a] / nv).toBeCloseTo(c[a], 2);
    // Every face, not only every vertex, faces away from the centre: no triangle is flipped geometrically.
    const p = mesh.positions;
    let worstCos = 1;
    for (let t = 0; t < mesh.indices.length; t += 3) {
      const [a, b, d] = [3 * mesh.indices[t], 3 * mesh.indices[t + 1], 3 * mesh.indices[t + 2]];
      const u = [p[b] - p[a], p[b + 1] - p[a + 1], p[b + 2] - p[a + 2]];
      const w = [p[d] - p[a], p[d + 1] - p[a + 1], p[d + 2] - p[a + 2]];
      const n = [u[1] * w[2] - u[2] * w[1], u[2] * w[0] - u[0] * w[2], u[0] * w[1] - u[1] * w[0]];
      const m = [0, 1, 2].map((q) => (p[a + q] + p[b + q] + p[d + q]) / 3 - c[q]);
      worstCos = Math.min(worstCos, (n[0] * m[0] + n[1] * m[1] + n[2] * m[2]) / (Math.hypot(n[0], n[1], n[2]) * Math.hypot(m[0], m[1], m[2])));
    }
    expect(worstCos).toBeGreaterThan(0.5);
    const exact = (4 / 3) * Math.PI * 0.3 ** 3;
    expect(Math.abs(meshVolume(mesh) - exact) / exact).toBeLessThan(0.02);
  });

  it('yields closed, oriented meshes with positive volume for every corner configuration and face decision', () => {
    // Each configuration in the centre cell of a 4³ grid whose outer layer is outside, with random magnitudes so
    // that the asymptotic decider goes both ways on ambiguous faces.
    let seed = 7;
    const rnd = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
    const decisions = new Set<number>();
    for (let cubeCase = 1; cubeCase < 256; cubeCase++) {
      for (let trial = 0; trial < 8; trial++) {
        const g = new Float32Array(64);
        for (let c = 0; c < 8; c++) {
          const idx = 1 + (c & 1) + 4 * (1 + ((c >> 1) & 1)) + 16 * (1 + (c >> 2));
          g[idx] = (cubeCase >> c) & 1 ? 0.5 + 0.5 * rnd() + 1e-3 : 0.5 * rnd();
        }
        const mesh = marchingCubes(g, [4, 4, 4], { min: [0, 0, 0], max: [3, 3, 3] }, 0.5);
        expect(edgeDefects(mesh), `case ${cubeCase}`).toEqual({ unmatched: 0, repeated: 0, degenerate: 0 });
        expect(meshVolume(mesh)).toBeGreaterThan(0);
        // Record which ambiguous-face decisions occurred for this case.
        let connect = 0;
        const v = (c: number) => g[1 + (c & 1) + 4 * (1 + ((c >> 1) & 1)) + 16 * (1 + (c >> 2))] - 0.5;
        for (let f = 0; f < 6; f++) {
          if (!((AMBIGUOUS_FACES[cubeCase] >> f) & 1)) continue;
          const [q0, q1, q2, q3] = faceCorners(f);
          const inPair = (cubeCase >> q0) & 1 ? v(q0) * v(q2) : v(q1) * v(q3);
          const outPair = (cubeCase >> q0) & 1 ? v(q1) * v(q3) : v(q0) * v(q2);
          if (inPair > outPair) connect |= 1 << f;
        }
        decisions.add(cubeCase | (connect << 8));
      }
    }
    // Both decisions seen on ambiguous faces (far more keys than the 255 sign configurations).
    expect(decisions.size).toBeGreaterThan(400);
  });

  it('stays closed on random noise (many ambiguous faces, exact ties at the threshold)', () => {
    let seed = 11;
    const rnd = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
    for (let trial = 0; trial < 6; trial++) {
      const n = 14;
      const g = new Float32Array(n ** 3);
      for (let k = 1; k < n - 1; k++) {
        for (let j = 1; j < n - 1; j++) {
          for (let i = 1; i < n - 1; i++) g[i + n * (j + n * k)] = trial % 2 ? Math.round(4 * rnd()) / 4 : rnd();
        }
      }
      const mesh = marchingCubes(g, [n, n, n], { min: [0, 0, 0], max: [1, 1, 1] }, 0.5);
      expect(mesh.indices.length).toBeGreaterThan(0);
      expect(edgeDefects(mesh)).toEqual({ unmatched: 0, repeated: 0, degenerate: 0 });
    }
  });

  it('returns an empty mesh when nothing is above the threshold, and refuses NaN and mismatched dims', () => {
    const g = new Float32Array(27).fill(1);
    const empty = marchingCubes(g, [3, 3, 3], { min: [0, 0, 0], max: [1, 1, 1] }, 2);
    expect(empty.positions.length).toBe(0);
    expect(empty.indices.length).toBe(0);
    expect(() => marchingCubes(g, [3, 3, 4], { min: [0, 0, 0], max: [1, 1, 1] }, 0.5)).toThrow(/dims \[3,3,4\] need 36/);
    g[5] = NaN;
    expect(() => marchingCubes(g, [3, 3, 3], { min: [0, 0, 0], max: [1, 1, 1] }, 0.5)).toThrow(/NaN/);
  });
});

/** A directed cycle as a string, rotated to start at its smallest id. */
function canonical(loop: number[]): string {
  const k = loop.indexOf(Math.min(...loop));
  return [...loop.slice(k), ...loop.slice(0, k)].join();
}

describe('the case table', () => {
  it('cuts a single inside corner with the loop x → y → z edge (normal away from the corner)', () => {
    expect(cubeLoops(1, 0)).toEqual([[0, 4, 8]]);
    for (const e of [0, 4, 8]) expect(edgeCorners(e)[0]).toBe(0);
    expect(Array.from(caseTriangles(1, 0).tris)).toEqual([0, 4, 8]);
  });

  it('triangulates every (configuration, face decisions) entry as a disc whose rim is its loops on the cube faces', () => {
    const onFace = (e: number, f: number) => edgeCorners(e).every((c) => faceCorners(f).includes(c));
    let entries = 0;
    let withCentres = 0;
    for (let cubeCase = 1; cubeCase < 255; cubeCase++) {
      const amb = AMBIGUOUS_FACES[cubeCase];
      for (let connect = 0; connect < 64; connect++) {
        if (connect & ~amb) continue;
        entries++;
        const { tris, centres } = caseTriangles(cubeCase, connect);
        if (centres.length) withCentres++;
        for (const loop of centres) expect(loop.length).toBeGreaterThanOrEqual(8);
        const directed = new Map<string, number>();
        for (let t = 0; t < tris.length; t += 3) {
          for (let k = 0; k < 3; k++) {
            const key = `${tris[t + k]},${tris[t + ((k + 1) % 3)]}`;
            directed.set(key, (directed.get(key) ?? 0) + 1);
          }
        }
        const rim = new Set(cubeLoops(cubeCase, connect).flatMap((l) => l.map((e, i) => `${e},${l[(i + 1) % l.length]}`)));
        for (const [key, count] of directed) {
          expect(count).toBe(1);
          const [a, b] = key.split(',').map(Number);
          if (rim.has(key)) {
            // A rim segment runs across one cube face, and is not used backwards inside the cube.
            expect([0, 1, 2, 3, 4, 5].some((f) => onFace(a, f) && onFace(b, f))).toBe(true);
            expect(directed.has(`${b},${a}`)).toBe(false);
          } else {
            expect(directed.get(`${b},${a}`)).toBe(1); // an interior edge, used once each way
            if (a < 12 && b < 12) expect([0, 1, 2, 3, 4, 5].some((f) => onFace(a, f) && onFace(b, f))).toBe(false);
          }
        }
        for (const seg of rim) expect(directed.has(seg)).toBe(true);
      }
    }
    expect(entries).toBe(656 - 2); // all keys but the empty and the full cube
    expect(withCentres).toBeGreaterThan(0);
  });

  it('makes the complement of a configuration the same surface reversed on unambiguous cases', () => {
    for (let c = 1; c < 255; c++) {
      if (AMBIGUOUS_FACES[c]) continue;
      const loops = cubeLoops(c, 0).map((l) => canonical([...l].reverse()));
      const flipped = cubeLoops(255 - c, 0).map(canonical);
      expect(flipped.sort()).toEqual(loops.sort());
    }
  });
});
