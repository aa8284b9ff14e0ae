/**
 * `dal bench`: runs the workloads on the selected backend, optionally alternating with the PyTorch peer, and builds
 * the report: one JSON object in the peer's shape ({backend, threads, workloads}), plus, with the peer, its figures
 * and the dal/peer ratios.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, type BackendName } from '../backend/index.ts';
import { findPeer, runPeer } from './peer.ts';
import { workloads, type WorkloadName, type WorkloadResult } from './workload.ts';

export interface BenchOptions {
  /** undefined: dal's default (native when the addon loaded, else cpu with a warning) */
  backend?: string;
  only: WorkloadName[];
  peer: boolean;
  threads: number;
  quick: boolean;
  seed: number;
}

export interface BenchReport {
  backend: string;
  threads: number;
  workloads: Partial<Record<WorkloadName, WorkloadResult>>;
  /** with --peer: the peer's own report for the same workloads */
  peer?: { peer: string; threads: number; workloads: Partial<Record<WorkloadName, WorkloadResult>> };
  /** with --peer: dal time / peer time per workload (and forward), and dal / peer GFLOP/s where reported */
  ratios?: Partial<Record<WorkloadName, Record<string, number>>>;
}

/**
 * Runs the bench. DAL_NUM_THREADS is set from `threads` unless already set (the native thread pool reads it).
 * @param log progress messages (stderr in the CLI)
 */
export async function runBench(opts: BenchOptions, log: (msg: string) => void = () => {}): Promise<BenchReport> {
  process.env.DAL_NUM_THREADS ??= String(opts.threads);
  const peer = opts.peer ? findPeer() : null;
  const backend = await initBackend(opts.backend as BackendName | undefined);
  const report: BenchReport = { backend, threads: opts.threads, workloads: {} };
  if (peer) report.peer = { peer: '', threads: opts.threads, workloads: {} };
  for (const name of opts.only) {
    log(`bench: ${name} on ${backend}${opts.quick ? ' (quick sizes)' : ''} …`);
    const before = tf.memory().numTensors;
    report.workloads[name] = workloads[name]({ quick: opts.quick, seed: opts.seed });
    const leaked = tf.memory().numTensors - before;
    if (leaked !== 0) log(`bench: warning: ${name} left ${leaked} tensors allocated`);
    log(`bench: ${name}: ${fmt(report.workloads[name]!)}`);
    if (peer && report.peer) {
      log(`bench: ${name} on the PyTorch peer …`);
      const p = runPeer(peer, name, opts.threads);
      report.peer.peer = p.peer;
      report.peer.workloads[name] = p.result;
      log(`bench: ${name} (peer): ${fmt(p.result)}`);
    }
  }
  if (report.peer) report.ratios = ratios(report.workloads, report.peer.workloads);
  return report;
}

function ratios(
  dal: BenchReport['workloads'],
  peer: BenchReport['workloads'],
): NonNullable<BenchReport['ratios']> {
  const out: NonNullable<BenchReport['ratios']> = {};
  for (const name of Object.keys(dal) as WorkloadName[]) {
    const d = dal[name]!;
    const p = peer[name];
    if (!p) continue;
    const r: Record<string, number> = { time: d.ms / p.ms };
    if (d.forward_ms !== undefined && p.forward_ms !== undefined) r.forward = d.forward_ms / p.forward_ms;
    if (d.gflops !== undefined && p.gflops !== undefined) r.gflops = d.gflops / p.gflops;
    out[name] = r;
  }
  return out;
}

/** The side-by-side table: workload, dal ms, peer ms, time ratio (dal/peer), GFLOP/s ratio (dal/peer). */
export function formatTable(report: BenchReport): string {
  const rows: string[][] = [['workload', `dal ms (${report.backend})`, 'peer ms', 'time dal/peer', 'GFLOP/s dal/peer']];
  const num = (v: number | undefined, digits = 1) => (v === undefined ? '—' : v.toFixed(digits));
  for (const [name, d] of Object.entries(report.workloads) as [WorkloadName, WorkloadResult][]) {
    const p = report.peer?.workloads[name];
    const r = report.ratios?.[name];
    rows.push([name, num(d.ms), num(p?.ms), num(r?.time, 2), num(r?.gflops, 2)]);
    if (d.forward_ms !== undefined) {
      rows.push([`${name} forward`, num(d.forward_ms), num(p?.forward_ms), num(r?.forward, 2), '—']);
    }
  }
  const widths = rows[0].map((_, j) => Math.max(...rows.map((row) => row[j].length)));
  const line = (row: string[]) => '| ' + row.map((c, j) => c.padEnd(widths[j])).join(' | ') + ' |';
  return [line(rows[0]), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...rows.slice(1).map(line)].join('\n');
}

function fmt(r: WorkloadResult): string {
  return Object.entries(r)
    .map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toFixed(2)}`)
    .join(', ');
}
