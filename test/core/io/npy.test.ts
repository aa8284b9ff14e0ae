import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DalError } from '../../../src/core/errors.ts';
import { encodeNpy, readNpy, writeNpy } from '../../../src/core/io/npy.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dal-npy-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Builds a .npy file by hand (numpy's layout) for dtypes dal only reads. */
function handMade(descr: string, shape: string, body: Uint8Array, fortran = false): Uint8Array {
  let dict = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${shape}, }`;
  while ((10 + dict.length + 1) % 64 !== 0) dict += ' ';
  dict += '\n';
  const head = new Uint8Array(10 + dict.length);
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, dict.length & 0xff, dict.length >> 8]);
  head.set(new TextEncoder().encode(dict), 10);
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

describe('npy', () => {
  it('writes numpy v1.0 header bytes exactly', () => {
    const bytes = encodeNpy(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
    const dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    // 10 prefix bytes + 59-byte dict + '\n' overflow one 64-byte block, so numpy pads to 128 (header length 118).
    const headerLen = 118;
    const expected = [0x93, ...Buffer.from('NUMPY'), 1, 0, headerLen, 0, ...Buffer.from(dict.padEnd(headerLen - 1, ' ')), 0x0a];
    expect(Array.from(bytes.subarray(0, 128))).toEqual(expected);
    expect(bytes.length).toBe(128 + 6 * 4);
    const body = new DataView(bytes.buffer, 128);
    expect([0, 1, 2, 3, 4, 5].map((i) => body.getFloat32(i * 4, true))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('formats 0-d and 1-d shapes as Python tuples', () => {
    const header = (b: Uint8Array) => Buffer.from(b.subarray(10, 128)).toString('latin1');
    expect(header(encodeNpy(new Int32Array([7]), []))).toContain("'descr': '<i4', 'fortran_order': False, 'shape': (), }");
    expect(header(encodeNpy(new Uint8Array(5), [5]))).toContain("'descr': '|u1', 'fortran_order': False, 'shape': (5,), }");
  });

  it('pads long headers to a multiple of 64 bytes', () => {
    const bytes = encodeNpy(new Float32Array(0), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    const headerLen = bytes[8] | (bytes[9] << 8);
    expect((10 + headerLen) % 64).toBe(0);
    expect(bytes[10 + headerLen - 1]).toBe(0x0a);
    expect(readNpy(writeTmp('long.npy', bytes)).shape).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
  });

  it('round-trips float32, int32 and uint8', () => {
    const f = new Float32Array([0.5, -1.25, 3e-8, 1e30, -0, 7]);
    const p = path.join(dir, 'f.npy');
    writeNpy(p, f, [3, 2]);
    expect(readNpy(p)).toEqual({ data: f, shape: [3, 2], dtype: '<f4' });
    const i = new Int32Array([-2147483648, 0, 2147483647, 5]);
    writeNpy(path.join(dir, 'i.npy'), i, [4]);
    expect(readNpy(path.join(dir, 'i.npy'))).toEqual({ data: i, shape: [4], dtype: '<i4' });
    const u = new Uint8Array([0, 255, 128]);
    writeNpy(path.join(dir, 'u.npy'), u, [1, 3]);
    expect(readNpy(path.join(dir, 'u.npy'))).toEqual({ data: u, shape: [1, 3], dtype: '|u1' });
  });

  it('reads <f8, <i8, big-endian and Fortran-order inputs', () => {
    const f8 = new Float64Array([Math.PI, -2.5]);
    const r = readNpy(writeTmp('f8.npy', handMade('<f8', '(2,)', new Uint8Array(f8.buffer))));
    expect(r).toEqual({ data: f8, shape: [2], dtype: '<f8' });
    const i8 = new BigInt64Array([-3n, 40000000n]);
    expect(readNpy(writeTmp('i8.npy', handMade('<i8', '(2,)', new Uint8Array(i8.buffer)))).data).toEqual(
      new Int32Array([-3, 40000000]),
    );
    const be = new Uint8Array(8);
    new DataView(be.buffer).setFloat32(0, 1.5, false);
    new DataView(be.buffer).setFloat32(4, -2, false);
    expect(readNpy(writeTmp('be.npy', handMade('>f4', '(2,)', be))).data).toEqual(new Float32Array([1.5, -2]));
    // Fortran order: the 2x3 matrix [[1,2,3],[4,5,6]] stored column by column.
    const colMajor = new Int32Array([1, 4, 2, 5, 3, 6]);
    const fr = readNpy(writeTmp('fo.npy', handMade('<i4', '(2, 3)', new Uint8Array(colMajor.buffer), true)));
    expect(fr.data).toEqual(new Int32Array([1, 2, 3, 4, 5, 6]));
  });

  it('rejects int64 values that do not fit in int32, missing files and non-npy files with a DalError', () => {
    const big = new BigInt64Array([1n << 40n]);
    expect(() => readNpy(writeTmp('big.npy', handMade('<i8', '(1,)', new Uint8Array(big.buffer))))).toThrow(/int32/);
    expect(() => readNpy(path.join(dir, 'nope.npy'))).toThrow(DalError);
    expect(() => readNpy(writeTmp('junk.npy', Buffer.from('hello world, not numpy')))).toThrow(/not a \.npy/);
    const truncated = encodeNpy(new Float32Array(6), [2, 3]).subarray(0, 70);
    expect(() => readNpy(writeTmp('trunc.npy', truncated))).toThrow(/truncated/);
  });
});

function writeTmp(name: string, bytes: Uint8Array): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, bytes);
  return p;
}
