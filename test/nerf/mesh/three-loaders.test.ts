/**
 * The viewer (src/viewer/page/mesh-view.js) loads mesh.glb with three.js's GLTFLoader and mesh.ply with its
 * PLYLoader: both must read dal's files as written — an independent check of the two encoders.
 */
import { describe, expect, it } from 'vitest';
import { encodeGlb, srgbToLinear } from '../../../src/nerf/mesh/glb.ts';
import { marchingCubes } from '../../../src/nerf/mesh/marching-cubes.ts';
import { encodePly } from '../../../src/nerf/mesh/ply.ts';

// three ships no type declarations here; the loaders are imported untyped, by a non-literal specifier.
const addon = (name: string) => import(`three/addons/loaders/${name}.js` as string);

function sphere() {
  const n = 16;
  const g = new Float32Array(n ** 3);
  const h = 1.5 / (n - 1);
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) g[i + n * (j + n * k)] = 0.5 - Math.hypot(-0.75 + i * h, -0.75 + j * h, -0.75 + k * h);
  }
  const mesh = marchingCubes(g, [n, n, n], { min: [-0.75, -0.75, -0.75], max: [0.75, 0.75, 0.75] }, 0);
  const colors = Uint8Array.from({ length: mesh.positions.length }, (_, i) => (37 * i + 11) % 256);
  return { mesh, colors };
}

/** A three.js (possibly interleaved, possibly normalized) vec3 attribute; getX/Y/Z return decoded floats. */
interface Attribute {
  count: number;
  getX(i: number): number;
  getY(i: number): number;
  getZ(i: number): number;
}

/** Largest |attribute − expected| over all components; the attribute must have expected.length / 3 elements. */
function maxDiff(a: Attribute, expected: ArrayLike<number>): number {
  expect(a.count * 3).toBe(expected.length);
  let d = 0;
  for (let i = 0; i < a.count; i++) {
    d = Math.max(d, Math.abs(a.getX(i) - expected[3 * i]), Math.abs(a.getY(i) - expected[3 * i + 1]), Math.abs(a.getZ(i) - expected[3 * i + 2]));
  }
  return d;
}

describe("three.js's loaders", () => {
  it('GLTFLoader reads mesh.glb: positions, indices, linear vertex colours, vertexColors on the material', async () => {
    const { GLTFLoader } = await addon('GLTFLoader');
    const { mesh, colors } = sphere();
    const bytes = await encodeGlb(mesh, colors);
    const gltf = await new GLTFLoader().parseAsync(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength), '');
    const meshes: { geometry: { attributes: Record<string, Attribute>; index: { array: Uint32Array } }; material: { vertexColors: boolean } }[] = [];
    gltf.scene.traverse((o: { isMesh?: boolean }) => {
      if (o.isMesh) meshes.push(o as never);
    });
    expect(meshes).toHaveLength(1);
    const { geometry, material } = meshes[0];
    expect(material.vertexColors).toBe(true);
    expect(maxDiff(geometry.attributes.position, mesh.positions)).toBe(0);
    expect(Array.from(geometry.index.array)).toEqual(Array.from(mesh.indices));
    expect(maxDiff(geometry.attributes.color, Array.from(colors, srgbToLinear))).toBeLessThan(1e-6);
    expect(geometry.attributes.normal.count).toBe(mesh.positions.length / 3);
  });

  it('PLYLoader reads mesh.ply: positions, indices and the sRGB colours (three linearizes them into bytes)', async () => {
    const { PLYLoader } = await addon('PLYLoader');
    const { mesh, colors } = sphere();
    const buf = encodePly(mesh, colors);
    const geometry = new PLYLoader().parse(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    expect(maxDiff(geometry.attributes.position, mesh.positions)).toBe(0);
    expect(Array.from(geometry.index.array)).toEqual(Array.from(mesh.indices));
    // three stores the linearized colour back in a normalized byte: within half a step of 1/255.
    expect(maxDiff(geometry.attributes.color, Array.from(colors, srgbToLinear))).toBeLessThanOrEqual(0.5 / 255 + 1e-6);
  });
});
