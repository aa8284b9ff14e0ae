/**
 * PNG images (via pngjs) and a grid layout for batches of images. Opaque images are stored as 8-bit RGB, others as
 * 8-bit RGBA; decoding always returns RGBA8.
 */
import { PNG } from 'pngjs';
import { DalError } from '../errors.ts';
import { writeFileAtomic } from './atomic.ts';

/** An 8-bit RGBA image, row-major: pixel (x, y) starts at byte 4·(y·width + x). */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

function checkImage(img: RgbaImage): void {
  if (!Number.isInteger(img.width) || !Number.isInteger(img.height) || img.width <= 0 || img.height <= 0) {
    throw new Error(`image size ${img.width}x${img.height} must be positive integers`);
  }
  if (img.data.length !== img.width * img.height * 4) {
    throw new Error(`image ${img.width}x${img.height} needs ${img.width * img.height * 4} RGBA bytes, got ${img.data.length}`);
  }
}

/** True when every alpha byte is 255, so the image can be stored (and shown in TensorBoard) as RGB. */
export function isOpaque(img: RgbaImage): boolean {
  for (let i = 3; i < img.data.length; i += 4) if (img.data[i] !== 255) return false;
  return true;
}

/** Encodes an image as PNG bytes (colour type 2 RGB when opaque, else 6 RGBA; 8 bits per channel). */
export function encodePng(img: RgbaImage): Uint8Array {
  checkImage(img);
  const data = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  const bytes = PNG.sync.write({ width: img.width, height: img.height, data } as PNG, {
    colorType: isOpaque(img) ? 2 : 6,
    inputColorType: 6,
    inputHasAlpha: true,
  });
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Writes an image as a PNG file, atomically. */
export function writePng(path: string, img: RgbaImage): void {
  writeFileAtomic(path, encodePng(img));
}

/** Decodes PNG bytes of any colour type and bit depth into RGBA8. @throws DalError on malformed data */
export function decodePng(bytes: Uint8Array): RgbaImage {
  let png: PNG;
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (err) {
    throw new DalError(`invalid PNG data: ${(err as Error).message}`);
  }
  const data = new Uint8Array(png.width * png.height * 4);
  const src = png.data;
  if (src.length === data.length) data.set(src);
  else for (let i = 0; i < data.length; i++) data[i] = src[i * 2] ?? 0; // 16-bit channels: keep the high byte
  return { width: png.width, height: png.height, data };
}

const PAD_GREY = 128;

/**
 * Lays out a batch of images on a grid (row by row), separated and framed by `pad` grey pixels.
 * @param x [N,H,W,C] values in [0, 1] (clamped), C = 1 (grey) or 3 (RGB)
 * @param cols tiles per row (default ⌈√N⌉)
 * @param pad border width in pixels (default 2)
 * @returns an opaque image of (cols·(W+pad)+pad) × (rows·(H+pad)+pad) pixels
 */
export function imageGrid(
  x: Float32Array,
  shape: [number, number, number, number],
  cols?: number,
  pad = 2,
): RgbaImage {
  const [n, h, w, c] = shape;
  if (c !== 1 && c !== 3) throw new Error(`imageGrid: expected 1 or 3 channels, got shape [${shape}]`);
  if (x.length !== n * h * w * c) throw new Error(`imageGrid: shape [${shape}] does not match ${x.length} values`);
  const nc = Math.max(1, Math.min(n, cols ?? Math.ceil(Math.sqrt(n))));
  const nr = Math.max(1, Math.ceil(n / nc));
  const width = nc * (w + pad) + pad;
  const height = nr * (h + pad) + pad;
  const data = new Uint8Array(width * height * 4).fill(PAD_GREY);
  for (let i = 3; i < data.length; i += 4) data[i] = 255;
  const toByte = (v: number) => Math.round(Math.min(1, Math.max(0, Number.isNaN(v) ? 0 : v)) * 255);
  for (let k = 0; k < n; k++) {
    const ox = pad + (k % nc) * (w + pad);
    const oy = pad + Math.floor(k / nc) * (h + pad);
    for (let y = 0; y < h; y++) {
      for (let xx = 0; xx < w; xx++) {
        const src = ((k * h + y) * w + xx) * c;
        const dst = ((oy + y) * width + ox + xx) * 4;
        for (let ch = 0; ch < 3; ch++) data[dst + ch] = toByte(x[src + (c === 1 ? 0 : ch)]);
      }
    }
  }
  return { width, height, data };
}
