import { describe, expect, it } from 'vitest';
import type { RgbaImage } from '../../../src/core/io/png.ts';
import { drawText, textWidth } from '../../../src/core/plot/font.ts';
import { Canvas } from '../../../src/core/plot/raster.ts';
import { scatterPlot } from '../../../src/core/plot/scatter.ts';

const px = (img: RgbaImage, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 4));
const WHITE = [255, 255, 255, 255];

// extent 2 on 64 px: 16 px per unit, data (x, y) → pixel coordinates ((x + 2)·16, (2 − y)·16).
// (1.03125, −0.53125) → (48.5, 40.5): the centre of pixel (48, 40).
const opts = { extent: 2, size: 64 };
const point = Float32Array.from([1.03125, -0.53125]);

describe('scatterPlot', () => {
  it('puts a dark pixel at a single point and leaves the rest of the plot as without it', () => {
    const img = scatterPlot(point, opts);
    const blank = scatterPlot(new Float32Array(0), opts);
    expect([img.width, img.height]).toEqual([64, 64]);
    const [r, g, b, a] = px(img, 48, 40);
    expect(a).toBe(255);
    expect(Math.max(r, g, b)).toBeLessThan(150);
    expect(r + g + b).toBeLessThan(300);
    // Only pixels within radius (1 px) + 1 of the point change.
    const changedFarAway: number[][] = [];
    for (let y = 0; y < 64; y++) {
      for (let x = 0; x < 64; x++) {
        const near = Math.hypot(x + 0.5 - 48.5, y + 0.5 - 40.5) <= 2;
        if (!near && px(img, x, y).some((v, c) => v !== px(blank, x, y)[c])) changedFarAway.push([x, y]);
      }
    }
    expect(changedFarAway).toEqual([]);
    // Far from the point and between grid lines (every 0.5 units = 8 px): white.
    expect(px(img, 12, 4)).toEqual(WHITE);
    expect(px(img, 4, 52)).toEqual(WHITE);
    // The axes through the origin (pixel 32) are light grey, not white and not dark.
    const axis = px(blank, 31, 4);
    expect(axis[0]).toBeGreaterThan(150);
    expect(axis[0]).toBeLessThan(255);
  });

  it('skips points outside the extent or not finite', () => {
    const blank = scatterPlot(new Float32Array(0), opts);
    const img = scatterPlot(Float32Array.from([5, 0, 0, -2.5, NaN, 0]), opts);
    expect(Buffer.from(img.data).equals(Buffer.from(blank.data))).toBe(true);
  });

  it('uses per-point colours and draws markers as rings of the given radius', () => {
    const img = scatterPlot(point, { ...opts, colors: Uint8Array.from([0, 200, 0]) });
    expect(px(img, 48, 40)).toEqual([0, 200, 0, 255]);
    // A marker at (−1, 1) = pixel (16, 16) with radius 0.5 units = 8 px: pixel (23, 15) lies on the ring
    // (its centre is 7.52 px away), pixel (19, 19) well inside it is untouched.
    const blank = scatterPlot(new Float32Array(0), opts);
    const m = scatterPlot(new Float32Array(0), { ...opts, markers: [[-1, 1]], markerRadius: 0.5 });
    const [r, g] = px(m, 23, 15);
    expect(r - g).toBeGreaterThan(100);
    expect(px(m, 19, 19)).toEqual(px(blank, 19, 19));
  });

  it('adds a title band above the plot area', () => {
    const img = scatterPlot(point, { ...opts, title: 'step 10' });
    const band = img.height - 64;
    expect(band).toBeGreaterThan(0);
    expect(px(img, 48, 40 + band)).toEqual(px(scatterPlot(point, opts), 48, 40));
    let ink = 0;
    for (let y = 0; y < band; y++) for (let x = 0; x < 64; x++) if (px(img, x, y)[0] < 100) ink++;
    expect(ink).toBeGreaterThan(20);
  });
});

describe('raster primitives', () => {
  it('covers pixel centres inside a disc fully and blends its edge', () => {
    const c = new Canvas(8, 8);
    c.disc(4, 4, 2, [0, 0, 0]);
    expect(px(c, 3, 3)).toEqual([0, 0, 0, 255]); // centre (3.5, 3.5), 0.71 from the centre
    const edge = px(c, 5, 3)[0]; // centre (5.5, 3.5), 1.58 away: coverage 2.5 − 1.58 = 0.92
    expect(edge).toBe(Math.round(255 * (1 - (2.5 - Math.hypot(1.5, 0.5)))));
    expect(px(c, 7, 7)).toEqual(WHITE);
  });

  it('draws each glyph of the bitmap font on its 3×5 cell grid', () => {
    const c = new Canvas(16, 8);
    drawText(c, 'l1', 1, 1, 1, [0, 0, 0]); // 'L' then '1'
    const ink = (x: number, y: number) => px(c, x, y)[0] === 0;
    expect([0, 1, 2, 3, 4].map((r) => ink(1, 1 + r))).toEqual([true, true, true, true, true]); // L's stem
    expect([ink(2, 5), ink(3, 5), ink(2, 1)]).toEqual([true, true, false]); // L's foot
    expect([ink(6, 1), ink(5, 2), ink(6, 3), ink(5, 5), ink(7, 5)]).toEqual([true, true, true, true, true]); // '1'
    expect(textWidth('l1', 1)).toBe(7);
  });
});
