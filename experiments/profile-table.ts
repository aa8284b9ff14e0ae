/**
 * Shared by profile-unet.ts and profile-nerf.ts: profiles one call with tf.profile and prints the per-kernel time
 * table (calls, total ms, share), sorted by total time.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface KernelRow {
  kernel: string;
  calls: number;
  ms: number;
}

/** Runs `step` once under tf.profile; returns the kernel rows sorted by total time and the wall time. */
export async function profileStep(step: () => void): Promise<{ rows: KernelRow[]; wallMs: number }> {
  const t0 = performance.now();
  const info = await tf.profile(step);
  const wallMs = performance.now() - t0;
  const byName = new Map<string, KernelRow>();
  for (const k of info.kernels) {
    const ms = Number(await k.kernelTimeMs);
    const row = byName.get(k.name) ?? { kernel: k.name, calls: 0, ms: 0 };
    row.calls += 1;
    row.ms += Number.isFinite(ms) ? ms : 0;
    byName.set(k.name, row);
  }
  return { rows: [...byName.values()].sort((a, b) => b.ms - a.ms), wallMs };
}

/** A markdown table of the rows (top `limit`), with each kernel's share of the summed kernel time. */
export function formatTable(rows: KernelRow[], limit = 30): string {
  const total = rows.reduce((s, r) => s + r.ms, 0);
  const lines = ['| kernel | calls | total ms | share |', '| --- | ---: | ---: | ---: |'];
  for (const r of rows.slice(0, limit)) {
    lines.push(`| ${r.kernel} | ${r.calls} | ${r.ms.toFixed(1)} | ${((100 * r.ms) / total).toFixed(1)}% |`);
  }
  const rest = rows.slice(limit);
  if (rest.length > 0) {
    const ms = rest.reduce((s, r) => s + r.ms, 0);
    lines.push(`| (${rest.length} others) | ${rest.reduce((s, r) => s + r.calls, 0)} | ${ms.toFixed(1)} | ${((100 * ms) / total).toFixed(1)}% |`);
  }
  lines.push(`| **sum of kernels** | ${rows.reduce((s, r) => s + r.calls, 0)} | ${total.toFixed(1)} | |`);
  return lines.join('\n');
}

/** `--backend x` and `--batch n`-style flags of the profile scripts. */
export function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

/** Times `steps − 1` plain runs of `step`, then profiles one more and prints its kernel table. */
export async function timeAndProfile(step: () => void, steps: number): Promise<void> {
  for (let i = 0; i < steps - 1; i++) {
    const t0 = performance.now();
    step();
    console.log(`step ${i}: ${(performance.now() - t0).toFixed(0)} ms`);
  }
  const { rows, wallMs } = await profileStep(step);
  console.log(`profiled step: ${wallMs.toFixed(0)} ms wall (includes profiling overhead)\n`);
  console.log(formatTable(rows));
}
