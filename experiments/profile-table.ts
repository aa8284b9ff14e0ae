/**
 * Shared by profile-unet.ts and profile-nerf.ts: profiles one call with tf.profile and prints the per-kernel time
 * table (calls, total ms, share), sorted by total time; or, with `--cpu`, the process CPU time per kernel and per
 * addon call made outside kernels (fused GroupNorm, Adam), plus garbage-collection pauses — a table that stays
 * meaningful on a machine shared with other jobs (run it with DAL_NUM_THREADS=1 for per-kernel work).
 */
import { PerformanceObserver } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs-core';
import { loadAddon } from '../src/backend/addon.ts';

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

/** Process CPU time (user + system), ms. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * Runs `step` `warmup` times, then `reps` times with every kernel of the current backend and every addon function
 * wrapped to record CPU and wall time (outermost call only, so nothing is counted twice); prints per-rep totals,
 * GC pauses and the table sorted by CPU time.
 */
export async function cpuProfile(step: () => void, reps: number, warmup = 2): Promise<void> {
  const rows = new Map<string, { calls: number; cpu: number; wall: number }>();
  let depth = 0;
  let on = false;
  const record = <T>(name: string, f: () => T): T => {
    if (!on || depth > 0) return f();
    depth++;
    const c0 = cpuMs();
    const w0 = performance.now();
    try {
      return f();
    } finally {
      depth--;
      const r = rows.get(name) ?? { calls: 0, cpu: 0, wall: 0 };
      r.calls++;
      r.cpu += cpuMs() - c0;
      r.wall += performance.now() - w0;
      rows.set(name, r);
    }
  };
  const backend = tf.getBackend();
  const restore: (() => void)[] = [];
  for (const k of tf.getKernelsForBackend(backend)) {
    const f = k.kernelFunc;
    tf.unregisterKernel(k.kernelName, backend);
    tf.registerKernel({ ...k, kernelFunc: (p) => record(k.kernelName, () => f(p)) });
    restore.push(() => {
      tf.unregisterKernel(k.kernelName, backend);
      tf.registerKernel(k);
    });
  }
  const addon = loadAddon() as unknown as Record<string, unknown> | null;
  for (const [name, f] of Object.entries(addon ?? {})) {
    if (typeof f !== 'function' || !addon) continue;
    addon[name] = (...a: unknown[]) => record(`addon.${name}`, () => (f as (...x: unknown[]) => unknown)(...a));
    restore.push(() => (addon[name] = f));
  }
  const gcs: [number, number][] = [];
  const obs = new PerformanceObserver((l) => l.getEntries().forEach((e) => gcs.push([e.startTime, e.duration])));
  obs.observe({ entryTypes: ['gc'] });
  for (let i = 0; i < warmup; i++) step();
  on = true;
  const c0 = cpuMs();
  const w0 = performance.now();
  for (let i = 0; i < reps; i++) step();
  const cpu = (cpuMs() - c0) / reps;
  const w1 = performance.now();
  on = false;
  await new Promise((r) => setTimeout(r, 50)); // GC entries arrive asynchronously
  obs.disconnect();
  restore.forEach((r) => r());
  const gc = gcs.filter(([t]) => t >= w0 && t <= w1);
  const list = [...rows.entries()].sort((a, b) => b[1].cpu - a[1].cpu);
  const inside = list.reduce((s, [, r]) => s + r.cpu, 0) / reps;
  console.log(
    `per step: CPU ${cpu.toFixed(0)} ms (${inside.toFixed(0)} inside kernels/addon calls), wall ${((w1 - w0) / reps).toFixed(0)} ms, ` +
      `GC ${(gc.reduce((s, [, d]) => s + d, 0) / reps).toFixed(0)} ms in ${(gc.length / reps).toFixed(1)} pauses\n`,
  );
  console.log('| kernel | calls | CPU ms | share of CPU |\n| --- | ---: | ---: | ---: |');
  for (const [n, r] of list.slice(0, 25)) {
    console.log(`| ${n} | ${r.calls / reps} | ${(r.cpu / reps).toFixed(1)} | ${((100 * r.cpu) / reps / cpu).toFixed(1)}% |`);
  }
  const rest = list.slice(25).reduce((s, [, r]) => s + r.cpu, 0) / reps;
  console.log(`| (${Math.max(0, list.length - 25)} others) | | ${rest.toFixed(1)} | ${((100 * rest) / cpu).toFixed(1)}% |`);
  console.log(`| (outside kernels: engine, tape, JS, GC) | | ${(cpu - inside).toFixed(1)} | ${((100 * (cpu - inside)) / cpu).toFixed(1)}% |`);
}
