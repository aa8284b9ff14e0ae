/**
 * Figures of a 2-D point cloud on a mixture prior: how the points sit on the modes (shares, spread, distances; the
 * quantities of issue 2's acceptance and DESIGN.md's known results), and the scatter plot over the true modes.
 */
import type { GmmSpec } from '../core/diffusion/gmm.ts';
import { modeStats } from '../core/diffusion/gmm.ts';
import type { RgbaImage } from '../core/io/png.ts';
import { scatterPlot } from '../core/plot/scatter.ts';
import type { Metrics } from '../core/train/run.ts';

/**
 * Mode figures of points [N,2] (nearest-mean assignment): `shareMin`/`shareMax` over the components, `spread` (mean
 * per-mode RMS distance per coordinate, = std for exact samples) with `spreadMin`/`spreadMax`, `modesUsed` (components
 * holding at least one point), `medianDist` (median distance to the nearest mean), and `share<k>` per component.
 */
export function modeMetrics(points: Float32Array, spec: GmmSpec): Metrics {
  const s = modeStats(points, spec);
  const used = s.spreads.filter((v) => !Number.isNaN(v));
  const out: Metrics = {
    shareMin: Math.min(...s.shares),
    shareMax: Math.max(...s.shares),
    spread: s.spread,
    spreadMin: Math.min(...used),
    spreadMax: Math.max(...used),
    modesUsed: used.length,
    medianDist: s.medianDist,
  };
  s.shares.forEach((v, k) => (out[`share${k}`] = v));
  return out;
}

/** Distance of each point [N,2] to `center`. */
export function distancesTo(points: Float32Array, center: readonly number[]): Float32Array {
  const n = points.length / 2;
  const d = new Float32Array(n);
  for (let i = 0; i < n; i++) d[i] = Math.hypot(points[2 * i] - center[0], points[2 * i + 1] - center[1]);
  return d;
}

/** Distance of each point [N,2] to its nearest mean. */
export function distancesToNearest(points: Float32Array, spec: GmmSpec): Float32Array {
  const n = points.length / 2;
  const d = new Float32Array(n).fill(Infinity);
  for (const mu of spec.means) {
    const dk = distancesTo(points, mu);
    for (let i = 0; i < n; i++) d[i] = Math.min(d[i], dk[i]);
  }
  return d;
}

/** Median of a list of numbers. */
export function median(values: ArrayLike<number>): number {
  const v = Array.from(values).sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** Fraction of values ≤ r. */
export function fractionWithin(distances: ArrayLike<number>, r: number): number {
  let k = 0;
  for (let i = 0; i < distances.length; i++) if (distances[i] <= r) k++;
  return k / distances.length;
}

/** Scatter plot of points [N,2] over the prior's modes, framed to show the whole ring. */
export function modesPlot(points: Float32Array, spec: GmmSpec, title: string): RgbaImage {
  const reach = Math.max(...spec.means.map((m) => Math.hypot(m[0], m[1]) + 3 * 0.1));
  const extent = Math.max(3, Math.ceil(reach * 1.25));
  return scatterPlot(points, {
    extent,
    markers: spec.means,
    markerRadius: Math.max(...spec.stds) * 2,
    title,
    pointAlpha: points.length > 1000 ? 0.35 : 0.8,
    pointRadius: 2,
  });
}
