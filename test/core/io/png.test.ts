import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { DalError } from '../../../src/core/errors.ts';
import { decodePng, encodePng, imageGrid, writePng, type RgbaImage } from '../../../src/core/io/png.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dal-png-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A PNG assembled chunk by chunk (signature, IHDR, IDAT, IEND), independent of the library under test. */
function handPng(width: number, height: number, colorType: number, rows: number[][]): Uint8Array {
  const chunk = (type: string, body: Uint8Array) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(body.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), body])), 0);
    return Buffer.concat([head, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, colorType, 0, 0, 0], 8);
  const raw = Buffer.from(rows.flatMap((r) => [0, ...r])); // filter type 0 per row
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

const pixel = (img: RgbaImage, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 4));

describe('png', () => {
  it('round-trips RGBA and opaque images, storing opaque ones as RGB', () => {
    const data = new Uint8Array(7 * 5 * 4);
    for (let i = 0; i < data.length; i++) data[i] = (i * 37 + 11) % 256;
    const rgba = { width: 7, height: 5, data };
    const bytes = encodePng(rgba);
    expect(bytes[25]).toBe(6); // IHDR colour type: RGBA
    expect(decodePng(bytes)).toEqual(rgba);

    const opaque = { width: 7, height: 5, data: data.map((v, i) => (i % 4 === 3 ? 255 : v)) };
    const opaqueBytes = encodePng(opaque);
    expect(opaqueBytes[25]).toBe(2); // RGB
    expect(decodePng(opaqueBytes)).toEqual(opaque);

    const p = path.join(dir, 'img.png');
    writePng(p, opaque);
    expect(decodePng(fs.readFileSync(p))).toEqual(opaque);
  });

  it('decodes PNGs built by hand in grey and RGB', () => {
    const grey = decodePng(handPng(2, 1, 0, [[0, 200]]));
    expect([pixel(grey, 0, 0), pixel(grey, 1, 0)]).toEqual([
      [0, 0, 0, 255],
      [200, 200, 200, 255],
    ]);
    const rgb = decodePng(handPng(1, 2, 2, [[1, 2, 3], [4, 5, 6]]));
    expect([pixel(rgb, 0, 0), pixel(rgb, 0, 1)]).toEqual([
      [1, 2, 3, 255],
      [4, 5, 6, 255],
    ]);
  });

  it('rejects malformed data with a DalError and bad sizes with an Error', () => {
    expect(() => decodePng(new Uint8Array([1, 2, 3]))).toThrow(DalError);
    expect(() => encodePng({ width: 2, height: 2, data: new Uint8Array(15) })).toThrow(/16 RGBA bytes/);
  });
});

describe('imageGrid', () => {
  it('lays out a 2×2×2×1 batch tile by tile with grey padding', () => {
    // Image 0 = [[0, 1], [0.5, 0.25]], image 1 = [[1, 0], [2 (clamped), -1 (clamped)]].
    const x = Float32Array.from([0, 1, 0.5, 0.25, 1, 0, 2, -1]);
    const g = imageGrid(x, [2, 2, 2, 1], 2, 1);
    // Width 2·(2+1)+1 = 7, height 1·(2+1)+1 = 4.
    expect([g.width, g.height]).toEqual([7, 4]);
    const G = 128;
    const expected = [
      [G, G, G, G, G, G, G],
      [G, 0, 255, G, 255, 0, G],
      [G, 128, 64, G, 255, 0, G],
      [G, G, G, G, G, G, G],
    ];
    for (let y = 0; y < 4; y++) {
      for (let xx = 0; xx < 7; xx++) {
        const v = expected[y][xx];
        expect(pixel(g, xx, y), `pixel (${xx}, ${y})`).toEqual([v, v, v, 255]);
      }
    }
    // Default layout: ⌈√2⌉ = 2 columns, padding 2.
    const d = imageGrid(x, [2, 2, 2, 1]);
    expect([d.width, d.height]).toEqual([2 * 4 + 2, 4 + 2]);
    // One column: the tiles stack vertically.
    const v = imageGrid(x, [2, 2, 2, 1], 1, 0);
    expect([v.width, v.height]).toEqual([2, 4]);
    expect([pixel(v, 0, 2), pixel(v, 1, 3)]).toEqual([
      [255, 255, 255, 255],
      [0, 0, 0, 255],
    ]);
  });

  it('keeps RGB channels in order', () => {
    const g = imageGrid(Float32Array.from([1, 0, 0.2]), [1, 1, 1, 3], 1, 0);
    expect(pixel(g, 0, 0)).toEqual([255, 0, 51, 255]);
    expect(() => imageGrid(new Float32Array(4), [1, 1, 2, 2])).toThrow(/channels/);
  });
});
