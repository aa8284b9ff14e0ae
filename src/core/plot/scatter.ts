/**
 * Scatter plots of 2-D point clouds (samples, SDS particles) over optional reference markers (e.g. the true modes of
 * a mixture), rasterized to an RGBA image for PNG files and TensorBoard.
 */
import type { RgbaImage } from '../io/png.ts';
import { drawText, textWidth } from './font.ts';
import { Canvas, type Rgb } from './raster.ts';

export interface ScatterOptions {
  /** The view is the square [−extent, extent]², y up (default 3); points outside are not drawn. */
  extent?: number;
  /** Side of the plot area in pixels (default 512). */
  size?: number;
  /** Reference positions [[x, y], …], drawn as circle outlines over the points. */
  markers?: number[][];
  /** Marker circle radius in data units (default extent/25). */
  markerRadius?: number;
  /** Title drawn in a band above the plot area (upper-case bitmap font). */
  title?: string;
  /** Per-point colours [N·3] RGB; default dark blue for every point. */
  colors?: Uint8Array;
  /** Point radius in pixels (default size/256, at least 1). */
  pointRadius?: number;
  /** Point opacity in (0, 1] (default 1). */
  pointAlpha?: number;
}

const POINT: Rgb = [20, 60, 140];
const MARKER: Rgb = [220, 40, 40];
const GRID: Rgb = [232, 232, 232];
const AXIS: Rgb = [170, 170, 170];
const TITLE: Rgb = [40, 40, 40];
const TITLE_SCALE = 2;

/** A grid spacing from {1, 2, 5}·10ᵏ giving roughly 4–10 lines across 2·extent. */
function gridStep(extent: number): number {
  const raw = (2 * extent) / 8;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

/**
 * Rasterizes a 2-D point cloud.
 * @param points [N,2] flat (x0, y0, x1, y1, …)
 * @returns an opaque image of size × (size + title band)
 */
export function scatterPlot(points: Float32Array, opts: ScatterOptions = {}): RgbaImage {
  if (points.length % 2 !== 0) throw new Error(`scatterPlot: points must be [N,2], got ${points.length} values`);
  const n = points.length / 2;
  const extent = opts.extent ?? 3;
  const size = opts.size ?? 512;
  if (!(extent > 0) || !Number.isInteger(size) || size < 16) {
    throw new Error(`scatterPlot: extent must be > 0 and size an integer ≥ 16 (got ${extent}, ${size})`);
  }
  if (opts.colors && opts.colors.length !== n * 3) {
    throw new Error(`scatterPlot: colors must hold N·3 = ${n * 3} bytes, got ${opts.colors.length}`);
  }
  const band = opts.title ? 5 * TITLE_SCALE + 8 : 0;
  const canvas = new Canvas(size, size + band);
  const scale = size / (2 * extent);
  const px = (x: number) => (x + extent) * scale;
  const py = (y: number) => band + (extent - y) * scale;

  // Grid lines at multiples of the step, the axes through the origin darker.
  const step = gridStep(extent);
  const lines = Math.floor(extent / step);
  for (let k = -lines; k <= lines; k++) {
    const color = k === 0 ? AXIS : GRID;
    canvas.vline(px(k * step), 1, color, band, size + band - 1);
    canvas.hline(py(k * step), 1, color);
  }

  const radius = opts.pointRadius ?? Math.max(1, size / 256);
  const alpha = opts.pointAlpha ?? 1;
  for (let i = 0; i < n; i++) {
    const x = points[2 * i];
    const y = points[2 * i + 1];
    if (!Number.isFinite(x) || !Number.isFinite(y) || Math.abs(x) > extent || Math.abs(y) > extent) continue;
    const c = opts.colors;
    const color: Rgb = c ? [c[3 * i], c[3 * i + 1], c[3 * i + 2]] : POINT;
    canvas.disc(px(x), py(y), radius, color, alpha);
  }

  const markerRadius = (opts.markerRadius ?? extent / 25) * scale;
  for (const m of opts.markers ?? []) canvas.ring(px(m[0]), py(m[1]), markerRadius, 1.5, MARKER);

  if (opts.title) {
    const x = Math.max(2, Math.floor((size - textWidth(opts.title, TITLE_SCALE)) / 2));
    drawText(canvas, opts.title, x, 4, TITLE_SCALE, TITLE);
    canvas.hline(band - 0.5, 1, AXIS);
  }
  return { width: canvas.width, height: canvas.height, data: canvas.data };
}
