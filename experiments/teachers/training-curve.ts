/**
 * A teacher's training run as the table reports it: steps, hours and the denoising-loss curve, read from the run's
 * TensorBoard event files (`training/<teacher>/events.out.tfevents.*`, tags `loss/denoise` and `train/seconds`).
 * A run that is still training is read as far as its files are complete.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { writePng } from '../../src/core/io/png.ts';
import { readEventFile } from '../../src/core/log/reader.ts';
import { scatterPlot } from '../../src/core/plot/scatter.ts';

export interface TrainingSummary {
  dir: string;
  /** last logged step and the cumulative training seconds there */
  lastStep: number;
  seconds: number;
  /** mean loss over buckets of steps: [first step, last step, mean loss, cumulative seconds at the last step] */
  buckets: [number, number, number, number][];
  /** (step, loss) of every logged step, in step order */
  curve: [number, number][];
  /** files that could not be read completely (e.g. being written) */
  unreadable: string[];
}

/** The loss curve of the run in `dir`; null when there is no run or no logged loss. */
export function readTraining(dir: string): TrainingSummary | null {
  if (!existsSync(dir)) return null;
  const loss = new Map<number, number>();
  const seconds = new Map<number, number>();
  const unreadable: string[] = [];
  // File names carry the start time, so name order is session order; a resumed session overwrites re-logged steps.
  for (const f of readdirSync(dir).filter((f) => f.startsWith('events.out.tfevents')).sort()) {
    let events;
    try {
      events = readEventFile(join(dir, f));
    } catch {
      unreadable.push(f);
      continue;
    }
    for (const e of events) {
      for (const s of e.scalars) {
        if (s.tag === 'loss/denoise') loss.set(e.step, s.value);
        if (s.tag === 'train/seconds') seconds.set(e.step, s.value);
      }
    }
  }
  const curve = [...loss.entries()].sort((a, b) => a[0] - b[0]);
  if (curve.length === 0) return null;
  const lastStep = curve[curve.length - 1][0];
  return { dir, lastStep, seconds: seconds.get(lastStep) ?? 0, buckets: lossBuckets(curve, seconds), curve, unreadable };
}

/**
 * Mean loss over about ten buckets of steps (the per-step loss is noisy: t is random), each bucket a multiple of
 * 100 steps; buckets without logged steps are left out.
 * @param curve (step, loss) in step order
 */
export function lossBuckets(curve: [number, number][], seconds: Map<number, number>): [number, number, number, number][] {
  if (curve.length === 0) return [];
  const last = curve[curve.length - 1][0];
  const width = Math.max(100, Math.ceil(last / 10 / 100) * 100);
  const out: [number, number, number, number][] = [];
  for (let lo = 0; lo < last; lo += width) {
    const inBucket = curve.filter(([s]) => s > lo && s <= lo + width);
    if (inBucket.length === 0) continue;
    const mean = inBucket.reduce((a, [, l]) => a + l, 0) / inBucket.length;
    const hi = inBucket[inBucket.length - 1][0];
    out.push([inBucket[0][0], hi, mean, seconds.get(hi) ?? 0]);
  }
  return out;
}

/**
 * Plots the loss against the step (grey: every logged step; blue: a 9-point running mean) into `png`.
 * The plot spans steps [0, last] × loss [0, max] (the range is written in the title).
 */
export function writeLossPlot(t: TrainingSummary, png: string, title: string): void {
  const maxLoss = Math.max(...t.curve.map(([, l]) => l));
  const n = t.curve.length;
  const pts = new Float32Array(4 * n);
  const colors = new Uint8Array(6 * n);
  const half = 4;
  for (let i = 0; i < n; i++) {
    const [s, l] = t.curve[i];
    const x = -1 + (2 * s) / Math.max(1, t.lastStep);
    const window = t.curve.slice(Math.max(0, i - half), i + half + 1);
    const mean = window.reduce((a, [, v]) => a + v, 0) / window.length;
    pts.set([x, -1 + (2 * l) / maxLoss], 2 * i);
    pts.set([x, -1 + (2 * mean) / maxLoss], 2 * (n + i));
    colors.set([180, 180, 180], 3 * i);
    colors.set([20, 60, 160], 3 * (n + i));
  }
  const img = scatterPlot(pts, { extent: 1.05, size: 400, title: `${title}, loss 0 to ${maxLoss.toFixed(2)}`, pointRadius: 1, colors });
  writePng(png, img);
}
