// NumPy .npy parsing in the browser (format v1/v2/v3, little-endian float32/float64/uint8/int32, C order).

const DTYPES = {
  '<f4': Float32Array,
  '<f8': Float64Array,
  '|u1': Uint8Array,
  '<u1': Uint8Array,
  '<i4': Int32Array,
};

/**
 * @param {ArrayBuffer} buf the file's bytes
 * @returns {{ data: Float32Array | Float64Array | Uint8Array | Int32Array, shape: number[] }}
 */
export function parseNpy(buf) {
  const bytes = new Uint8Array(buf);
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (!magic.every((b, i) => bytes[i] === b)) throw new Error('not a .npy file');
  const dv = new DataView(buf);
  const major = bytes[6];
  const headerLen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*True/.test(header);
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1] ?? '';
  const shape = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const Type = DTYPES[descr];
  if (!Type) throw new Error(`unsupported dtype ${descr}`);
  if (fortran) throw new Error('Fortran-order arrays are not supported');
  const offset = start + headerLen;
  const n = shape.reduce((a, b) => a * b, 1);
  // Copy so that the data is aligned whatever the header length.
  const data = new Type(buf.slice(offset, offset + n * Type.BYTES_PER_ELEMENT));
  return { data, shape };
}
