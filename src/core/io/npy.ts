/**
 * NumPy `.npy` files (format v1.0 written; v1/v2/v3 read), so that users can `np.load` a run's outputs.
 *
 * Layout (numpy/lib/format.py): magic `\x93NUMPY`, major and minor version bytes, the header length (uint16 LE in
 * v1, uint32 LE in v2/v3), an ASCII/UTF-8 Python dict literal `{'descr': '<f4', 'fortran_order': False, 'shape':
 * (2, 3), }` padded with spaces and a final `\n` so the data starts at a multiple of 64 bytes, then the raw
 * C-order data.
 */
import * as fs from 'node:fs';
import { DalError } from '../errors.ts';
import { writeFileAtomic } from './atomic.ts';

export type NpyArray = Float32Array | Int32Array | Uint8Array | Float64Array;

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const ALIGN = 64;
/** Typed arrays use the host's byte order; on little-endian hosts (all of Node's targets) bytes copy straight. */
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function descrOf(data: Float32Array | Int32Array | Uint8Array): string {
  if (data instanceof Float32Array) return '<f4';
  if (data instanceof Int32Array) return '<i4';
  return '|u1';
}

function shapeLiteral(shape: number[]): string {
  if (shape.length === 0) return '()';
  if (shape.length === 1) return `(${shape[0]},)`;
  return `(${shape.join(', ')})`;
}

/**
 * Encodes an array as `.npy` v1.0 bytes (little-endian, C order).
 * @param data flat row-major data; its length must equal the product of `shape`
 * @param shape dimensions, e.g. [N, H, W, C]
 */
export function encodeNpy(data: Float32Array | Int32Array | Uint8Array, shape: number[]): Uint8Array {
  const size = shape.reduce((a, b) => a * b, 1);
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) throw new Error(`encodeNpy: bad shape [${shape}]`);
  if (size !== data.length) {
    throw new Error(`encodeNpy: shape [${shape}] holds ${size} values but data has ${data.length}`);
  }
  const dict = `{'descr': '${descrOf(data)}', 'fortran_order': False, 'shape': ${shapeLiteral(shape)}, }`;
  const prefix = MAGIC.length + 2 + 2;
  const total = Math.ceil((prefix + dict.length + 1) / ALIGN) * ALIGN;
  const headerLen = total - prefix;
  if (headerLen > 0xffff) throw new Error(`encodeNpy: header too long for format v1.0 (shape [${shape}])`);
  const header = dict + ' '.repeat(headerLen - dict.length - 1) + '\n';

  const out = new Uint8Array(total + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1; // major
  out[7] = 0; // minor
  out[8] = headerLen & 0xff;
  out[9] = headerLen >>> 8;
  for (let i = 0; i < header.length; i++) out[prefix + i] = header.charCodeAt(i);
  if (HOST_LITTLE_ENDIAN || data instanceof Uint8Array) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), total);
    return out;
  }
  const body = new DataView(out.buffer, total, data.byteLength);
  if (data instanceof Float32Array) for (let i = 0; i < data.length; i++) body.setFloat32(i * 4, data[i], true);
  else for (let i = 0; i < data.length; i++) body.setInt32(i * 4, data[i], true);
  return out;
}

/** Writes an array to `path` as `.npy` v1.0, atomically. @param shape dimensions of the row-major `data` */
export function writeNpy(path: string, data: Float32Array | Int32Array | Uint8Array, shape: number[]): void {
  writeFileAtomic(path, encodeNpy(data, shape));
}

interface Header {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
}

function parseHeader(text: string, file: string): Header {
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text);
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(text);
  if (!descr || !fortran || !shape) throw new DalError(`${file}: unreadable .npy header ${JSON.stringify(text)}`);
  const dims = shape[1]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => Number(s.replace(/L$/, '')));
  if (!dims.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new DalError(`${file}: bad shape (${shape[1]}) in .npy header`);
  }
  return { descr: descr[1], fortranOrder: fortran[1] === 'True', shape: dims };
}

/** Reinterprets raw bytes of `descr` as a typed array; int64 is narrowed to int32 when every value fits. */
function decodeData(bytes: Uint8Array, descr: string, size: number, file: string): { data: NpyArray; dtype: string } {
  const order = descr[0];
  const kind = descr.slice(1);
  const little = order === '<' || order === '|' || order === '=';
  if (order !== '<' && order !== '>' && order !== '|' && order !== '=') {
    throw new DalError(`${file}: unsupported .npy dtype '${descr}'`);
  }
  const itemSize: Record<string, number> = { f4: 4, f8: 8, i4: 4, i8: 8, u1: 1, b1: 1 };
  const width = itemSize[kind];
  if (width === undefined) {
    throw new DalError(`${file}: unsupported .npy dtype '${descr}' (dal reads <f4, <f8, <i4, <i8, |u1)`);
  }
  if (bytes.byteLength < size * width) {
    throw new DalError(`${file}: truncated .npy data (${bytes.byteLength} bytes, expected ${size * width})`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, size * width);
  const dtype = `${width === 1 ? '|' : '<'}${kind}`;
  if (little && HOST_LITTLE_ENDIAN && (kind === 'f4' || kind === 'f8' || kind === 'i4')) {
    // Copy into a fresh, aligned buffer and reinterpret.
    const copy = new Uint8Array(bytes.subarray(0, size * width)).buffer;
    const data = kind === 'f4' ? new Float32Array(copy) : kind === 'f8' ? new Float64Array(copy) : new Int32Array(copy);
    return { data, dtype };
  }
  switch (kind) {
    case 'f4': {
      const a = new Float32Array(size);
      for (let i = 0; i < size; i++) a[i] = view.getFloat32(i * 4, little);
      return { data: a, dtype };
    }
    case 'f8': {
      const a = new Float64Array(size);
      for (let i = 0; i < size; i++) a[i] = view.getFloat64(i * 8, little);
      return { data: a, dtype };
    }
    case 'i4': {
      const a = new Int32Array(size);
      for (let i = 0; i < size; i++) a[i] = view.getInt32(i * 4, little);
      return { data: a, dtype };
    }
    case 'i8': {
      const a = new Int32Array(size);
      for (let i = 0; i < size; i++) {
        const v = view.getBigInt64(i * 8, little);
        if (v > 2147483647n || v < -2147483648n) {
          throw new DalError(`${file}: int64 value ${v} at index ${i} does not fit in int32; save the array as int32`);
        }
        a[i] = Number(v);
      }
      return { data: a, dtype };
    }
    default:
      return { data: new Uint8Array(bytes.subarray(0, size)), dtype };
  }
}

/** Converts column-major (Fortran-order) data of `shape` to row-major. */
function toRowMajor<T extends NpyArray>(src: T, shape: number[]): T {
  const dst = new (src.constructor as new (n: number) => T)(src.length);
  const n = shape.length;
  const idx = new Array<number>(n).fill(0);
  for (let r = 0; r < src.length; r++) {
    let c = 0;
    for (let k = n - 1; k >= 0; k--) c = c * shape[k] + idx[k];
    dst[r] = src[c];
    for (let k = n - 1; k >= 0; k--) {
      if (++idx[k] < shape[k]) break;
      idx[k] = 0;
    }
  }
  return dst;
}

/**
 * Reads a `.npy` file. float32, int32 and uint8 come back as such; float64 as Float64Array; int64 as Int32Array
 * (an error if a value does not fit); bool as Uint8Array. `dtype` is the little-endian descr of the returned data.
 * @throws DalError for a missing or malformed file
 */
export function readNpy(path: string): { data: NpyArray; shape: number[]; dtype: string } {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(path);
  } catch (err) {
    throw new DalError(`cannot read ${path}: ${(err as Error).message}`);
  }
  if (bytes.length < 10 || !MAGIC.every((b, i) => bytes[i] === b)) {
    throw new DalError(`${path} is not a .npy file (missing the \\x93NUMPY magic)`);
  }
  const major = bytes[6];
  let headerLen: number;
  let offset: number;
  if (major === 1) {
    headerLen = bytes[8] | (bytes[9] << 8);
    offset = 10;
  } else if (major === 2 || major === 3) {
    headerLen = new DataView(bytes.buffer, bytes.byteOffset + 8, 4).getUint32(0, true);
    offset = 12;
  } else {
    throw new DalError(`${path}: unsupported .npy format version ${major}.${bytes[7]}`);
  }
  if (offset + headerLen > bytes.length) throw new DalError(`${path}: truncated .npy header`);
  const text = new TextDecoder().decode(bytes.subarray(offset, offset + headerLen));
  const header = parseHeader(text, path);
  const size = header.shape.reduce((a, b) => a * b, 1);
  const { data, dtype } = decodeData(bytes.subarray(offset + headerLen), header.descr, size, path);
  return { data: header.fortranOrder ? toRowMajor(data, header.shape) : data, shape: header.shape, dtype };
}
