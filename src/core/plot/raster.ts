/**
 * A tiny software rasterizer for plots: an RGBA8 canvas with anti-aliased discs, rings and axis-aligned lines, each
 * shaded by its pixel coverage (distance from the pixel centre to the shape's edge, clamped to [0, 1]).
 */
import type { RgbaImage } from '../io/png.ts';

export type Rgb = readonly [number, number, number];

export class Canvas implements RgbaImage {
  readonly data: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb = [255, 255, 255],
  ) {
    this.data = new Uint8Array(width * height * 4);
    for (let i = 0; i < this.data.length; i += 4) {
      this.data[i] = background[0];
      this.data[i + 1] = background[1];
      this.data[i + 2] = background[2];
      this.data[i + 3] = 255;
    }
  }

  /** Blends `color` over pixel (x, y) with opacity `alpha` ∈ [0, 1]; pixels outside the canvas are ignored. */
  blend(x: number, y: number, color: Rgb, alpha: number): void {
    if (alpha <= 0 || x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const a = Math.min(1, alpha);
    const i = (y * this.width + x) * 4;
    for (let c = 0; c < 3; c++) this.data[i + c] = Math.round(this.data[i + c] * (1 - a) + color[c] * a);
  }

  /** A filled disc centred at (cx, cy) in pixel coordinates (pixel (x, y) has its centre at (x + ½, y + ½)). */
  disc(cx: number, cy: number, radius: number, color: Rgb, alpha = 1): void {
    this.shape(cx, cy, radius + 1, color, alpha, (d) => radius + 0.5 - d);
  }

  /** A circle outline of the given radius and stroke width. */
  ring(cx: number, cy: number, radius: number, width: number, color: Rgb, alpha = 1): void {
    this.shape(cx, cy, radius + width, color, alpha, (d) => width / 2 + 0.5 - Math.abs(d - radius));
  }

  private shape(cx: number, cy: number, reach: number, color: Rgb, alpha: number, coverage: (d: number) => number) {
    const x0 = Math.max(0, Math.floor(cx - reach));
    const x1 = Math.min(this.width - 1, Math.ceil(cx + reach));
    const y0 = Math.max(0, Math.floor(cy - reach));
    const y1 = Math.min(this.height - 1, Math.ceil(cy + reach));
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const cov = coverage(Math.hypot(x + 0.5 - cx, y + 0.5 - cy));
        if (cov > 0) this.blend(x, y, color, alpha * Math.min(1, cov));
      }
    }
  }

  /** A vertical line at pixel coordinate `x` (anti-aliased across columns), from row y0 to y1 inclusive. */
  vline(x: number, width: number, color: Rgb, y0 = 0, y1 = this.height - 1): void {
    for (let col = Math.floor(x - width); col <= Math.ceil(x + width); col++) {
      const cov = Math.min(1, width / 2 + 0.5 - Math.abs(col + 0.5 - x));
      if (cov > 0) for (let y = y0; y <= y1; y++) this.blend(col, y, color, cov);
    }
  }

  /** A horizontal line at pixel coordinate `y`, from column x0 to x1 inclusive. */
  hline(y: number, width: number, color: Rgb, x0 = 0, x1 = this.width - 1): void {
    for (let row = Math.floor(y - width); row <= Math.ceil(y + width); row++) {
      const cov = Math.min(1, width / 2 + 0.5 - Math.abs(row + 0.5 - y));
      if (cov > 0) for (let x = x0; x <= x1; x++) this.blend(x, row, color, cov);
    }
  }

  /** Fills the axis-aligned rectangle [x0, x1) × [y0, y1) with an opaque colour. */
  fill(x0: number, y0: number, x1: number, y1: number, color: Rgb): void {
    for (let y = Math.max(0, y0); y < Math.min(this.height, y1); y++) {
      for (let x = Math.max(0, x0); x < Math.min(this.width, x1); x++) this.blend(x, y, color, 1);
    }
  }
}
