/**
 * glTF 2.0 binary (.glb) meshes through `@gltf-transform/core`: one triangle primitive with POSITION, NORMAL,
 * COLOR_0 and 32-bit indices, and a rough, non-metallic material whose white base colour the vertex colours
 * multiply (glTF 2.0 §3.9.2), so viewers such as three.js show the albedo.
 *
 * glTF stores COLOR_0 in linear light (§3.7.2.1); dal's albedo is sRGB (as rendered), so colours are linearized on
 * the way in and re-encoded to sRGB bytes on the way out (exact: every byte survives the round trip).
 * An empty mesh is written as a scene holding one node without a mesh (which the Khronos validator accepts).
 */
import { Document, NodeIO } from '@gltf-transform/core';
import { DalError } from '../../core/errors.ts';
import { vertexNormals, type Mesh } from './mesh.ts';
import { checkColoredMesh, type ColoredMesh } from './ply.ts';

/** sRGB transfer function (IEC 61966-2-1): byte → linear in [0, 1]. */
export function srgbToLinear(byte: number): number {
  const c = byte / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

/** Linear in [0, 1] → sRGB byte (rounded, clamped). */
export function linearToSrgb(x: number): number {
  const l = Math.min(1, Math.max(0, x));
  const c = l <= 0.0031308 ? 12.92 * l : 1.055 * l ** (1 / 2.4) - 0.055;
  return Math.round(c * 255);
}

/** A mesh read back from a .glb, with its vertex normals. */
export interface DecodedGlb extends ColoredMesh {
  /** [V, 3] unit normals as stored */
  normals: Float32Array;
}

/**
 * Encodes a coloured mesh as .glb (normals: area-weighted, `vertexNormals`).
 * @param colors [V, 3] sRGB bytes
 */
export async function encodeGlb(mesh: Mesh, colors: Uint8Array): Promise<Uint8Array> {
  checkColoredMesh(mesh, colors);
  const doc = new Document();
  const scene = doc.createScene('scene');
  doc.getRoot().setDefaultScene(scene);
  if (mesh.indices.length === 0) {
    scene.addChild(doc.createNode('empty')); // a valid asset needs a non-empty scene and no empty buffer
  } else {
    doc.createBuffer();
    const linear = Float32Array.from(colors, srgbToLinear);
    const accessor = (name: string, array: Float32Array | Uint32Array, type: 'VEC3' | 'SCALAR') =>
      doc.createAccessor(name).setType(type).setArray(array);
    const material = doc
      .createMaterial('vertex-colour')
      .setBaseColorFactor([1, 1, 1, 1])
      .setMetallicFactor(0)
      .setRoughnessFactor(1);
    const primitive = doc
      .createPrimitive()
      .setAttribute('POSITION', accessor('position', mesh.positions, 'VEC3'))
      .setAttribute('NORMAL', accessor('normal', vertexNormals(mesh), 'VEC3'))
      .setAttribute('COLOR_0', accessor('color', linear, 'VEC3'))
      .setIndices(accessor('indices', mesh.indices, 'SCALAR'))
      .setMaterial(material);
    scene.addChild(doc.createNode('mesh').setMesh(doc.createMesh('mesh').addPrimitive(primitive)));
  }
  return new NodeIO().writeBinary(doc);
}

/**
 * Decodes a .glb written by `encodeGlb` (or any .glb whose first primitive has POSITION and, optionally, NORMAL,
 * COLOR_0 — float or normalized integers, RGB or RGBA — and indices).
 * @returns an empty mesh when the file holds none
 * @throws DalError for bytes that are not a readable .glb
 */
export async function decodeGlb(bytes: Uint8Array, what = 'GLB data'): Promise<DecodedGlb> {
  let doc: Document;
  try {
    doc = await new NodeIO().readBinary(bytes);
  } catch (err) {
    throw new DalError(`${what} is not a readable .glb: ${(err as Error).message}`);
  }
  const primitive = doc.getRoot().listMeshes()[0]?.listPrimitives()[0];
  if (!primitive) {
    return { positions: new Float32Array(0), indices: new Uint32Array(0), colors: new Uint8Array(0), normals: new Float32Array(0) };
  }
  const position = primitive.getAttribute('POSITION');
  if (!position) throw new DalError(`${what}: the mesh has no POSITION attribute`);
  const nv = position.getCount();
  const positions = new Float32Array(3 * nv);
  const normals = new Float32Array(3 * nv);
  const colors = new Uint8Array(3 * nv);
  const normal = primitive.getAttribute('NORMAL');
  const color = primitive.getAttribute('COLOR_0');
  const el: number[] = [];
  for (let v = 0; v < nv; v++) {
    positions.set(position.getElement(v, el).slice(0, 3), 3 * v);
    if (normal) normals.set(normal.getElement(v, el).slice(0, 3), 3 * v);
    if (color) {
      color.getElement(v, el); // normalized integers come back in [0, 1]
      for (let c = 0; c < 3; c++) colors[3 * v + c] = linearToSrgb(el[c]);
    }
  }
  const idx = primitive.getIndices();
  const indices = idx ? Uint32Array.from(idx.getArray() ?? []) : Uint32Array.from({ length: nv }, (_, i) => i);
  return { positions, indices, colors, normals };
}
