import { describe, expect, it } from 'vitest';
import { decodeGlb, encodeGlb, linearToSrgb, srgbToLinear } from '../../../src/nerf/mesh/glb.ts';
import type { Bounds } from '../../../src/nerf/mesh/grid.ts';
import { marchingCubes } from '../../../src/nerf/mesh/marching-cubes.ts';
import { vertexNormals, type Mesh } from '../../../src/nerf/mesh/mesh.ts';
import { decodePly, encodePly } from '../../../src/nerf/mesh/ply.ts';

/** A small sphere mesh with a colour per vertex that depends on its position. */
function coloredSphere(): { mesh: Mesh; colors: Uint8Array } {
  const n = 12;
  const bounds: Bounds = { min: [-0.75, -0.75, -0.75], max: [0.75, 0.75, 0.75] };
  const g = new Float32Array(n ** 3);
  const h = 1.5 / (n - 1);
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) g[i + n * (j + n * k)] = 0.5 - Math.hypot(-0.75 + i * h, -0.75 + j * h, -0.75 + k * h);
  }
  const mesh = marchingCubes(g, [n, n, n], bounds, 0);
  const colors = new Uint8Array(mesh.positions.length);
  for (let i = 0; i < colors.length; i++) colors[i] = Math.round(255 * (0.5 + mesh.positions[i])) & 255;
  colors[0] = 0;
  colors[1] = 255;
  colors[2] = 1; // the darkest non-zero byte, where sRGB is linear
  return { mesh, colors };
}

/** The JSON chunk of a .glb (glTF 2.0 §4.4: 12-byte header, then chunk length, type 'JSON', data). */
function glbJson(bytes: Uint8Array): { accessors: { count: number; min?: number[]; max?: number[]; type: string }[]; meshes?: { primitives: { attributes: Record<string, number>; indices?: number; material?: number }[] }[]; materials?: unknown[]; asset: { version: string } } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  expect(view.getUint32(0, true)).toBe(0x46546c67); // 'glTF'
  expect(view.getUint32(4, true)).toBe(2);
  expect(view.getUint32(8, true)).toBe(bytes.byteLength);
  const length = view.getUint32(12, true);
  expect(view.getUint32(16, true)).toBe(0x4e4f534a); // 'JSON'
  return JSON.parse(new TextDecoder().decode(bytes.subarray(20, 20 + length)));
}

describe('PLY', () => {
  it('round-trips positions, colours and indices exactly, with the documented header', () => {
    const { mesh, colors } = coloredSphere();
    const buf = encodePly(mesh, colors);
    const header = buf.subarray(0, buf.indexOf('end_header\n') + 11).toString('ascii');
    expect(header).toContain('format binary_little_endian 1.0');
    expect(header).toContain('property float x\nproperty float y\nproperty float z\nproperty uchar red\nproperty uchar green\nproperty uchar blue');
    expect(header).toContain(`element face ${mesh.indices.length / 3}\nproperty list uchar int vertex_indices`);
    const nv = mesh.positions.length / 3;
    const nf = mesh.indices.length / 3;
    expect(buf.length).toBe(header.length + 15 * nv + 13 * nf);
    const back = decodePly(buf);
    expect(back.positions).toEqual(mesh.positions);
    expect(back.colors).toEqual(colors);
    expect(back.indices).toEqual(mesh.indices);
  });

  it('refuses truncated or non-PLY data with a clear error', () => {
    const { mesh, colors } = coloredSphere();
    const buf = encodePly(mesh, colors);
    expect(() => decodePly(buf.subarray(0, buf.length - 5))).toThrow(/truncated/);
    expect(() => decodePly(Buffer.from('hello\nend_header\n'))).toThrow(/not a PLY file/);
    expect(() => decodePly(Buffer.from('ply\nformat ascii 1.0\nend_header\n'))).toThrow(/binary_little_endian/);
    expect(() => encodePly(mesh, colors.subarray(3))).toThrow(/colors must be/);
  });

  it('writes and reads an empty mesh', () => {
    const empty = { positions: new Float32Array(0), indices: new Uint32Array(0) };
    const back = decodePly(encodePly(empty, new Uint8Array(0)));
    expect(back.positions.length).toBe(0);
    expect(back.indices.length).toBe(0);
  });
});

describe('GLB', () => {
  it('round-trips through @gltf-transform: same positions, indices, colours; unit outward normals', async () => {
    const { mesh, colors } = coloredSphere();
    const bytes = await encodeGlb(mesh, colors);
    const back = await decodeGlb(bytes);
    expect(back.positions).toEqual(mesh.positions);
    expect(back.indices).toEqual(mesh.indices);
    expect(back.colors).toEqual(colors);
    expect(back.normals).toEqual(vertexNormals(mesh));
    let inward = 0;
    for (let v = 0; v < back.positions.length; v += 3) {
      const dot = back.normals[v] * back.positions[v] + back.normals[v + 1] * back.positions[v + 1] + back.normals[v + 2] * back.positions[v + 2];
      if (!(dot > 0)) inward++;
    }
    expect(inward).toBe(0);
  });

  it('declares POSITION, NORMAL, COLOR_0, indices, a material, and the exact POSITION min/max', async () => {
    const { mesh, colors } = coloredSphere();
    const json = glbJson(await encodeGlb(mesh, colors));
    expect(json.asset.version).toBe('2.0');
    const prim = json.meshes![0].primitives[0];
    expect(Object.keys(prim.attributes).sort()).toEqual(['COLOR_0', 'NORMAL', 'POSITION']);
    expect(prim.indices).toBeDefined();
    expect(prim.material).toBeDefined();
    expect(json.materials).toHaveLength(1);
    const pos = json.accessors[prim.attributes.POSITION];
    expect(pos.count).toBe(mesh.positions.length / 3);
    const min = [Infinity, Infinity, Infinity];
    const max = [-Infinity, -Infinity, -Infinity];
    for (let i = 0; i < mesh.positions.length; i++) {
      min[i % 3] = Math.min(min[i % 3], mesh.positions[i]);
      max[i % 3] = Math.max(max[i % 3], mesh.positions[i]);
    }
    expect(pos.min).toEqual(min);
    expect(pos.max).toEqual(max);
    expect(json.accessors[prim.indices!].count).toBe(mesh.indices.length);
  });

  it('stores COLOR_0 in linear light (glTF §3.7.2.1) and maps every sRGB byte back to itself', () => {
    expect(srgbToLinear(0)).toBe(0);
    expect(srgbToLinear(255)).toBeCloseTo(1, 12);
    expect(srgbToLinear(188)).toBeCloseTo(0.5029, 4); // sRGB ≈ 0.737 is half the light
    for (let b = 0; b < 256; b++) expect(linearToSrgb(Math.fround(srgbToLinear(b)))).toBe(b);
  });

  it('writes an empty mesh as a scene without a mesh, which reads back empty', async () => {
    const back = await decodeGlb(await encodeGlb({ positions: new Float32Array(0), indices: new Uint32Array(0) }, new Uint8Array(0)));
    expect(back.positions.length).toBe(0);
    expect(back.indices.length).toBe(0);
    await expect(decodeGlb(new Uint8Array([1, 2, 3, 4]))).rejects.toThrow(/not a readable \.glb/);
  });
});
