/**
 * PLY meshes (Turk 1994; the format MeshLab, Open3D, trimesh and Blender read): binary little-endian, vertices as
 * `float x y z` + `uchar red green blue`, faces as `list uchar int vertex_indices` (triangles).
 *
 * `decodePly` reads binary little-endian files with any scalar vertex properties (x, y, z required; red, green, blue
 * optional) and a face list of any integer types, so that files written by other tools load too.
 */
import { DalError } from '../../core/errors.ts';
import type { Mesh } from './mesh.ts';

/** A mesh with one sRGB colour per vertex. */
export interface ColoredMesh extends Mesh {
  /** [V, 3] sRGB bytes, flattened */
  colors: Uint8Array;
}

/** Checks that a mesh and its colours agree in size; throws naming the mismatch. */
export function checkColoredMesh(mesh: Mesh, colors: Uint8Array): void {
  if (mesh.positions.length % 3 !== 0) throw new Error(`mesh positions length ${mesh.positions.length} is not a multiple of 3`);
  if (mesh.indices.length % 3 !== 0) throw new Error(`mesh indices length ${mesh.indices.length} is not a multiple of 3`);
  if (colors.length !== mesh.positions.length) {
    throw new Error(`colors must be [V, 3] = ${mesh.positions.length} bytes, got ${colors.length}`);
  }
  const nv = mesh.positions.length / 3;
  for (let i = 0; i < mesh.indices.length; i++) {
    if (mesh.indices[i] >= nv) throw new Error(`mesh index ${mesh.indices[i]} at ${i} is out of range (${nv} vertices)`);
  }
}

/**
 * Encodes a coloured triangle mesh as binary little-endian PLY.
 * @param colors [V, 3] sRGB bytes
 */
export function encodePly(mesh: Mesh, colors: Uint8Array): Buffer {
  checkColoredMesh(mesh, colors);
  const nv = mesh.positions.length / 3;
  const nf = mesh.indices.length / 3;
  const header =
    'ply\nformat binary_little_endian 1.0\ncomment written by dal (marching cubes of a NeRF density)\n' +
    `element vertex ${nv}\nproperty float x\nproperty float y\nproperty float z\n` +
    'property uchar red\nproperty uchar green\nproperty uchar blue\n' +
    `element face ${nf}\nproperty list uchar int vertex_indices\nend_header\n`;
  const head = Buffer.from(header, 'ascii');
  const out = Buffer.alloc(head.length + nv * 15 + nf * 13);
  head.copy(out, 0);
  let o = head.length;
  for (let v = 0; v < nv; v++) {
    out.writeFloatLE(mesh.positions[3 * v], o);
    out.writeFloatLE(mesh.positions[3 * v + 1], o + 4);
    out.writeFloatLE(mesh.positions[3 * v + 2], o + 8);
    out[o + 12] = colors[3 * v];
    out[o + 13] = colors[3 * v + 1];
    out[o + 14] = colors[3 * v + 2];
    o += 15;
  }
  for (let f = 0; f < nf; f++) {
    out[o] = 3;
    out.writeInt32LE(mesh.indices[3 * f], o + 1);
    out.writeInt32LE(mesh.indices[3 * f + 1], o + 5);
    out.writeInt32LE(mesh.indices[3 * f + 2], o + 9);
    o += 13;
  }
  return out;
}

type Scalar = 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'float64';

const TYPES: Record<string, Scalar> = {
  char: 'int8', int8: 'int8', uchar: 'uint8', uint8: 'uint8', short: 'int16', int16: 'int16', ushort: 'uint16',
  uint16: 'uint16', int: 'int32', int32: 'int32', uint: 'uint32', uint32: 'uint32', float: 'float32',
  float32: 'float32', double: 'float64', float64: 'float64',
};
const SIZE: Record<Scalar, number> = { int8: 1, uint8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, float32: 4, float64: 8 };

function read(view: DataView, type: Scalar, o: number): number {
  switch (type) {
    case 'int8': return view.getInt8(o);
    case 'uint8': return view.getUint8(o);
    case 'int16': return view.getInt16(o, true);
    case 'uint16': return view.getUint16(o, true);
    case 'int32': return view.getInt32(o, true);
    case 'uint32': return view.getUint32(o, true);
    case 'float32': return view.getFloat32(o, true);
    case 'float64': return view.getFloat64(o, true);
  }
}

interface Property {
  name: string;
  type: Scalar;
  /** count type of a list property */
  list?: Scalar;
}

interface Element {
  name: string;
  count: number;
  props: Property[];
}

function parseHeader(text: string, what: string): Element[] {
  const lines = text.split('\n').map((l) => l.trim());
  if (lines[0] !== 'ply') throw new DalError(`${what} is not a PLY file (no 'ply' magic)`);
  const elements: Element[] = [];
  for (const line of lines.slice(1)) {
    const w = line.split(/\s+/);
    if (w[0] === 'format') {
      if (w[1] !== 'binary_little_endian') {
        throw new DalError(`${what}: PLY format '${w[1]}' is not supported (dal reads binary_little_endian)`);
      }
    } else if (w[0] === 'element') {
      elements.push({ name: w[1], count: Number(w[2]), props: [] });
      if (!Number.isInteger(Number(w[2])) || Number(w[2]) < 0) throw new DalError(`${what}: bad element count '${line}'`);
    } else if (w[0] === 'property') {
      const el = elements[elements.length - 1];
      if (!el) throw new DalError(`${what}: property before any element: '${line}'`);
      if (w[1] === 'list') {
        const list = TYPES[w[2]];
        const type = TYPES[w[3]];
        if (!list || !type) throw new DalError(`${what}: unknown PLY type in '${line}'`);
        el.props.push({ name: w[4], type, list });
      } else {
        const type = TYPES[w[1]];
        if (!type) throw new DalError(`${what}: unknown PLY type in '${line}'`);
        el.props.push({ name: w[2], type });
      }
    }
  }
  return elements;
}

/**
 * Decodes a binary little-endian PLY triangle mesh (faces with more than three vertices are fanned).
 * @returns positions, indices, and colours (zeros when the file has none)
 * @throws DalError for a malformed or truncated file
 */
export function decodePly(buf: Uint8Array, what = 'PLY data'): ColoredMesh {
  const bytes = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const endMark = bytes.indexOf('end_header\n', 0, 'ascii');
  if (endMark < 0) throw new DalError(`${what}: no 'end_header' line`);
  const elements = parseHeader(bytes.subarray(0, endMark).toString('ascii'), what);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let o = endMark + 'end_header\n'.length;
  const need = (n: number) => {
    if (o + n > bytes.length) throw new DalError(`${what}: truncated (needs more than ${bytes.length} bytes)`);
  };
  let positions = new Float32Array(0);
  let colors = new Uint8Array(0);
  const indices: number[] = [];
  for (const el of elements) {
    if (el.name === 'vertex') {
      const at = (name: string) => el.props.findIndex((p) => p.name === name);
      const [ix, iy, iz] = [at('x'), at('y'), at('z')];
      if (ix < 0 || iy < 0 || iz < 0) throw new DalError(`${what}: vertices lack x, y or z`);
      const rgb = [at('red'), at('green'), at('blue')];
      positions = new Float32Array(3 * el.count);
      colors = new Uint8Array(3 * el.count);
      const list = el.props.find((p) => p.list);
      if (list) throw new DalError(`${what}: list property '${list.name}' on vertices is not supported`);
      const stride = el.props.reduce((sum, p) => sum + SIZE[p.type], 0);
      need(stride * el.count);
      const values = new Float64Array(el.props.length);
      for (let v = 0; v < el.count; v++) {
        for (let k = 0; k < el.props.length; k++) {
          values[k] = read(view, el.props[k].type, o);
          o += SIZE[el.props[k].type];
        }
        positions[3 * v] = values[ix];
        positions[3 * v + 1] = values[iy];
        positions[3 * v + 2] = values[iz];
        for (let c = 0; c < 3; c++) if (rgb[c] >= 0) colors[3 * v + c] = values[rgb[c]];
      }
    } else {
      for (let r = 0; r < el.count; r++) {
        for (const p of el.props) {
          if (!p.list) {
            need(SIZE[p.type]);
            o += SIZE[p.type];
            continue;
          }
          need(SIZE[p.list]);
          const n = read(view, p.list, o);
          o += SIZE[p.list];
          need(n * SIZE[p.type]);
          const ids: number[] = [];
          for (let k = 0; k < n; k++, o += SIZE[p.type]) ids.push(read(view, p.type, o));
          if (el.name === 'face' && (p.name === 'vertex_indices' || p.name === 'vertex_index')) {
            for (let k = 1; k + 1 < n; k++) indices.push(ids[0], ids[k], ids[k + 1]);
          }
        }
      }
    }
  }
  const nv = positions.length / 3;
  for (const i of indices) if (i < 0 || i >= nv) throw new DalError(`${what}: face index ${i} out of range (${nv} vertices)`);
  return { positions, indices: Uint32Array.from(indices), colors };
}
