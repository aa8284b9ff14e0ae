/**
 * `dal bench`: runs the workloads on the selected backend and, with the PyTorch peer, alternates the two sides per
 * workload `repeat` times (dal, peer, dal, peer, …), so that both meet the same machine conditions. Each run reports
 * the median of its timed steps; the report gives, per side, the median over the runs and their min–max, the ratio of
 * the medians, and the machine's load average before and after. The JSON keeps the peer's shape ({backend, threads,
 * workloads}), the per-run figures under `runs`.
 */
import { loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, type BackendName } from '../backend/index.ts';
import { findPeer, runPeer } from './peer.ts';
import { median } from './timing.ts';
import { workloads, type WorkloadName, type WorkloadResult } from './workload.ts';

export interface BenchOptions {
  /** undefined: dal's default (native when the addon loaded, else cpu with a warning) */
  backend?: string;
  only: WorkloadName[];
  peer: boolean;
  /** the peer script (default: the repository's src/bench/peer_torch.py) */
  peerScript?: string;
  threads: number;
  quick: boolean;
  seed: number;
  /** runs per side and workload, alternating (≥ 1) */
  repeat: number;
}

/** Per workload: the median over the runs of every figure, and the runs themselves. */
export interface SideReport {
  workloads: Partial<Record<WorkloadName, WorkloadResult>>;
  runs: Partial<Record<WorkloadName, WorkloadResult[]>>;
}

export interface BenchReport extends SideReport {
  backend: string;
  threads: number;
  repeat: number;
  /** os.loadavg() (1, 5, 15 min) before the first and after the last run */
  load: { before: number[]; after: number[] };
  /** with --peer: the peer's figures for the same workloads */
  peer?: SideReport & { peer: string; script: string; threads: number };
  /** with --peer: ratios of the medians — dal/peer time (and forward time), dal/peer GFLOP/s where reported */
  ratios?: Partial<Record<WorkloadName, Record<string, number>>>;
}

/**
 * Runs the bench. DAL_NUM_THREADS is set from `threads` unless already set (the native thread pool reads it).
 * @param log progress messages (stderr in the CLI)
 */
export async function runBench(opts: BenchOptions, log: (msg: string) => void = () => {}): Promise<BenchReport> {
  if (!(Number.isInteger(opts.repeat) && opts.repeat >= 1)) throw new RangeError(`repeat must be a positive integer, got ${opts.repeat}`);
  process.env.DAL_NUM_THREADS ??= String(opts.threads);
  const peer = opts.peer ? findPeer(opts.peerScript) : null;
  const backend = await initBackend(opts.backend as BackendName | undefined);
  const report: BenchReport = { backend, threads: opts.threads, repeat: opts.repeat, load: { before: loadavg(), after: [] }, workloads: {}, runs: {} };
  if (peer) report.peer = { peer: '', script: peer.script, threads: opts.threads, workloads: {}, runs: {} };
  const total = opts.only.length * opts.repeat;
  let done = 0;
  const t0 = Date.now();
  for (const name of opts.only) {
    const dal: WorkloadResult[] = (report.runs[name] = []);
    const theirs: WorkloadResult[] = [];
    if (report.peer) report.peer.runs[name] = theirs;
    for (let i = 0; i < opts.repeat; i++) {
      const before = tf.memory().numTensors;
      dal.push(workloads[name]({ quick: opts.quick, seed: opts.seed }));
      const leaked = tf.memory().numTensors - before;
      if (leaked !== 0) log(`bench: warning: ${name} left ${leaked} tensors allocated`);
      let line = `bench: ${name} ${i + 1}/${opts.repeat}: dal ${fmt(dal[i])}`;
      if (peer && report.peer) {
        const p = runPeer(peer, name, opts.threads);
        report.peer.peer = p.peer;
        theirs.push(p.result);
        line += `; peer ${fmt(p.result)}`;
      }
      done++;
      const eta = ((Date.now() - t0) / done) * (total - done);
      log(`${line}  [${done}/${total}, ETA ${formatDuration(eta)}]`);
    }
    report.workloads[name] = medianResult(dal);
    if (report.peer) report.peer.workloads[name] = medianResult(theirs);
  }
  report.load.after = loadavg();
  if (report.peer) report.ratios = ratios(report.workloads, report.peer.workloads);
  return report;
}

/** The median over runs of every figure of a workload. */
export function medianResult(runs: WorkloadResult[]): WorkloadResult {
  const out: WorkloadResult = {};
  for (const key of Object.keys(runs[0] ?? {})) out[key] = median(runs.map((r) => r[key]));
  return out;
}

function ratios(dal: BenchReport['workloads'], peer: BenchReport['workloads']): NonNullable<BenchReport['ratios']> {
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

/** "median [min–max]" of one figure over runs, e.g. "474.4 [466.0–490.1]"; just the value for one run. */
function spread(runs: WorkloadResult[] | undefined, key: string): string {
  const values = (runs ?? []).map((r) => r[key]).filter((v): v is number => v !== undefined);
  if (values.length === 0) return '—';
  const m = median(values).toFixed(1);
  return values.length === 1 ? m : `${m} [${Math.min(...values).toFixed(1)}–${Math.max(...values).toFixed(1)}]`;
}

/**
 * The side-by-side table (markdown): workload, dal ms and peer ms as "median [min–max]" over the runs, the ratio of
 * the medians of the times (dal/peer) and of GFLOP/s; a first line gives the runs and the load averages.
 */
export function formatTable(report: BenchReport): string {
  const header = ['workload', `dal ms (${report.backend})`, 'peer ms', 'time dal/peer', 'GFLOP/s dal/peer'];
  const rows: string[][] = [header];
  const num = (v: number | undefined, digits = 2) => (v === undefined ? '—' : v.toFixed(digits));
  for (const name of Object.keys(report.workloads) as WorkloadName[]) {
    const d = report.runs[name];
    const p = report.peer?.runs[name];
    const r = report.ratios?.[name];
    rows.push([name, spread(d, 'ms'), spread(p, 'ms'), num(r?.time), num(r?.gflops)]);
    if (report.workloads[name]!.forward_ms !== undefined) {
      rows.push([`${name} forward`, spread(d, 'forward_ms'), spread(p, 'forward_ms'), num(r?.forward), '—']);
    }
  }
  const widths = header.map((_, j) => Math.max(...rows.map((row) => row[j].length)));
  const line = (row: string[]) => '| ' + row.map((c, j) => c.padEnd(widths[j])).join(' | ') + ' |';
  const load = (l: number[]) => l.map((v) => v.toFixed(2)).join(' / ');
  const runs = `${report.repeat} run${report.repeat === 1 ? '' : 's'} per side${report.peer ? ', alternating' : ''}`;
  return [
    `${runs}; median [min–max] of the runs' medians; load average (1 / 5 / 15 min) ${load(report.load.before)} before, ${load(report.load.after)} after`,
    '',
    line(rows[0]),
    '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|',
    ...rows.slice(1).map(line),
  ].join('\n');
}

function fmt(r: WorkloadResult): string {
  return Object.entries(r)
    .map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toFixed(2)}`)
    .join(', ');
}

function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}
