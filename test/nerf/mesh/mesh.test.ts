import { describe, expect, it } from 'vitest';
import { edgeDefects, isClosedAndOriented, meshArea, meshVolume, vertexNormals, type Mesh } from '../../../src/nerf/mesh/mesh.ts';

/** The regular tetrahedron on alternate corners of [−1, 1]³, faces counter-clockwise from outside. */
function tetrahedron(): Mesh {
  return {
    positions: Float32Array.from([1, 1, 1, 1, -1, -1, -1, 1, -1, -1, -1, 1]),
    indices: Uint32Array.from([0, 1, 2, 0, 3, 1, 0, 2, 3, 1, 3, 2]),
  };
}

describe('mesh checks', () => {
  it('gives the tetrahedron its volume 8/3, area 8√3 and outward normals along the corner directions', () => {
    const t = tetrahedron();
    // The cube's volume 8 minus four corner pyramids of 4/3 each.
    expect(meshVolume(t)).toBeCloseTo(8 / 3, 6);
    // Four equilateral faces of side 2√2: 4 · (√3/4) · 8.
    expect(meshArea(t)).toBeCloseTo(8 * Math.sqrt(3), 5);
    const n = vertexNormals(t);
    for (let v = 0; v < 4; v++) {
      for (let a = 0; a < 3; a++) expect(n[3 * v + a]).toBeCloseTo(t.positions[3 * v + a] / Math.sqrt(3), 6);
    }
    expect(isClosedAndOriented(t)).toBe(true);
  });

  it('flips the sign of the volume when every face is reversed, and is translation invariant', () => {
    const t = tetrahedron();
    const flipped = { positions: t.positions, indices: Uint32Array.from(t.indices, (_, i) => t.indices[i - (i % 3) + 2 - (i % 3)]) };
    expect(meshVolume(flipped)).toBeCloseTo(-8 / 3, 6);
    expect(isClosedAndOriented(flipped)).toBe(true); // consistently (if inward) oriented
    const moved = { positions: Float32Array.from(t.positions, (x, i) => x + [3, -2, 5][i % 3]), indices: t.indices };
    expect(meshVolume(moved)).toBeCloseTo(8 / 3, 5);
  });

  it('detects a hole, a face with the wrong orientation, a repeated face and a degenerate face', () => {
    const t = tetrahedron();
    const hole = { positions: t.positions, indices: t.indices.slice(0, 9) };
    expect(edgeDefects(hole)).toEqual({ unmatched: 3, repeated: 0, degenerate: 0 });
    const wrong = Uint32Array.from(t.indices);
    [wrong[10], wrong[11]] = [wrong[11], wrong[10]];
    expect(isClosedAndOriented({ positions: t.positions, indices: wrong })).toBe(false);
    expect(edgeDefects({ positions: t.positions, indices: wrong }).repeated).toBe(3);
    const twice = { positions: t.positions, indices: Uint32Array.from([...t.indices, 0, 1, 2]) };
    expect(edgeDefects(twice).repeated).toBe(3);
    const degenerate = { positions: t.positions, indices: Uint32Array.from([...t.indices, 0, 0, 1]) };
    expect(edgeDefects(degenerate).degenerate).toBe(1);
    expect(isClosedAndOriented(degenerate)).toBe(false);
  });
});
