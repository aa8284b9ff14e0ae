/**
 * The teachers table's results file (`experiments/teachers/results.json`): one entry per computed cell — (teacher,
 * sampler, steps, CFG scale, n, seed) — with its metrics and timings, stamped with the fingerprints of the teacher and
 * classifier checkpoints it was measured with. A run computes only the cells of its plan that are not in the file yet
 * (for the current checkpoints), writes each one as soon as it is done (atomically), and can be killed at any time.
 * Pure functions except `readResults` / `writeResults`.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { DalError } from '../../src/core/errors.ts';
import { writeFileAtomic } from '../../src/core/io/atomic.ts';
import type { SamplerName } from '../../src/core/diffusion/samplers.ts';

/** 'real': held-out real images scored like samples — the floor of FID / the ceiling of accuracy at that n. */
export type CellSampler = SamplerName | 'real';

/** What identifies a cell (besides the checkpoints' fingerprints). */
export interface CellKey {
  teacher: string;
  sampler: CellSampler;
  /** sampler steps (0 for 'real') */
  steps: number;
  /** classifier-free guidance scale (0: the unconditional model, 1: the conditional one) */
  cfg: number;
  /** number of samples */
  n: number;
  seed: number;
}

/** A computed cell. */
export interface CellResult extends CellKey {
  /** Fingerprint of the teacher checkpoint (`teacherFingerprint`; 'real' rows: 'data'). */
  checkpoint: string;
  /** Fingerprint of the classifier checkpoint the metrics were computed with. */
  classifier: string;
  /** accuracy, knn_accuracy | accuracy_shape/accuracy_color, min_class_accuracy, worst_class, fid, precision, recall, … */
  metrics: Record<string, number>;
  /** wall-clock seconds of the cell (sampling + scoring), and of its parts */
  seconds: number;
  sampleSeconds: number;
  scoreSeconds: number;
  /** CPU seconds (user + system) of the process during the cell: the cost on a machine shared with other jobs */
  cpuSeconds: number;
  backend: string;
  /** sample grid, relative to the results directory */
  grid?: string;
  finishedAt: string;
}

export interface ResultsFile {
  version: 1;
  cells: CellResult[];
}

/** A stable id of a cell key: "mnist-unet/ddim50/cfg3/n1000/seed0". */
export function cellId(k: CellKey): string {
  return `${k.teacher}/${k.sampler}${k.sampler === 'real' ? '' : k.steps}/cfg${k.cfg}/n${k.n}/seed${k.seed}`;
}

/** The fingerprint of a teacher model directory's manifest: training steps and the SHA-256 of its weight files. */
export function teacherFingerprint(manifest: { training: { steps: number }; files: { sha256: string }[] }): string {
  const h = createHash('sha256');
  for (const f of manifest.files) h.update(f.sha256);
  return `step${manifest.training.steps}-${h.digest('hex').slice(0, 12)}`;
}

export function emptyResults(): ResultsFile {
  return { version: 1, cells: [] };
}

/** The results file at `path` (empty when it does not exist); a damaged file is an error naming it. */
export function readResults(path: string): ResultsFile {
  if (!existsSync(path)) return emptyResults();
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new DalError(`${path}: not valid JSON (${(e as Error).message}); fix or delete it (its cells will be recomputed)`);
  }
  const r = parsed as Partial<ResultsFile>;
  if (r.version !== 1 || !Array.isArray(r.cells)) throw new DalError(`${path}: not a teachers results file (version 1 with a 'cells' list)`);
  return { version: 1, cells: r.cells };
}

/** Writes the results file atomically (a reader sees the old or the new file, never a torn one). */
export function writeResults(path: string, r: ResultsFile): void {
  writeFileAtomic(path, `${JSON.stringify(r, null, 1)}\n`);
}

/** `r` with `cell` added, replacing any cell of the same id measured with the same checkpoints (a `--force` rerun). */
export function upsertCell(r: ResultsFile, cell: CellResult): ResultsFile {
  const id = cellId(cell);
  const keep = r.cells.filter((c) => !(cellId(c) === id && c.checkpoint === cell.checkpoint && c.classifier === cell.classifier));
  return { version: 1, cells: [...keep, cell] };
}

/** The fingerprints a cell must carry to count as computed: per teacher (and for 'real' rows, 'data'), and the classifier. */
export interface Fingerprints {
  checkpoint: string;
  classifier: string;
}

/** The stored cell for `key` measured with the given checkpoints, if any. */
export function findCell(r: ResultsFile, key: CellKey, fp: Fingerprints): CellResult | undefined {
  const id = cellId(key);
  return r.cells.find((c) => cellId(c) === id && c.checkpoint === fp.checkpoint && c.classifier === fp.classifier);
}

/** The cells of `plan` still to compute: all of them with `force`, else those not in `r` for the current checkpoints. */
export function pendingCells(plan: CellKey[], r: ResultsFile, fingerprints: (k: CellKey) => Fingerprints, force = false): CellKey[] {
  return force ? [...plan] : plan.filter((k) => !findCell(r, k, fingerprints(k)));
}

/**
 * The cost of a cell in U-Net image evaluations: n · steps, doubled for CFG ∉ {0, 1} (conditional and null branch in
 * one batch of 2n; `withGuidance` runs s = 0 and s = 1 as a single branch). 'real' rows cost no sampling.
 */
export function cellCost(k: CellKey): number {
  if (k.sampler === 'real') return 0;
  const evals = k.sampler === 'heun' ? 2 * k.steps - 1 : k.steps;
  return k.n * evals * (k.cfg === 0 || k.cfg === 1 ? 1 : 2);
}

/** Largest U-Net evaluations per chunk: an interrupted cell loses at most one chunk (≈ 1.5 min on 2 free cores). */
export const CHUNK_EVALS = 25_000;

/**
 * The chunk size (samples per sampler call) of a cell: as many samples as fit CHUNK_EVALS evaluations, within
 * [10, 250]. A function of the key only, since the chunking decides which noise each sample draws (DDPM).
 */
export function chunkFor(k: CellKey): number {
  const perSample = cellCost({ ...k, n: 1 });
  return perSample === 0 ? 250 : Math.min(250, Math.max(10, Math.floor(CHUNK_EVALS / perSample)));
}

/**
 * Seconds per U-Net image evaluation measured by stored cells (median of `field` / cost: wall-clock sampling seconds
 * for ETAs, or CPU seconds for the cost on free cores), optionally of one teacher; undefined when no cell is timed.
 */
export function secondsPerEval(r: ResultsFile, teacher?: string, field: 'sampleSeconds' | 'cpuSeconds' = 'sampleSeconds'): number | undefined {
  const rates = r.cells
    .filter((c) => c.sampler !== 'real' && (teacher === undefined || c.teacher === teacher) && cellCost(c) > 0)
    .map((c) => c[field] / cellCost(c))
    .sort((a, b) => a - b);
  return rates.length ? rates[Math.floor(rates.length / 2)] : undefined;
}

/** Parses "ddim10,ddim25,ddpm1000" into [sampler, steps] pairs. */
export function parseSettings(spec: string): [SamplerName, number][] {
  return spec.split(',').map((s) => {
    const m = /^(ddim|ddpm|heun)(\d+)$/.exec(s.trim());
    if (!m || Number(m[2]) < 1) throw new DalError(`--settings: expected entries like ddim50 or ddpm1000 (sampler ddim|ddpm|heun, then steps); given "${s}"`);
    return [m[1] as SamplerName, Number(m[2])];
  });
}

/** Parses a comma list of numbers (e.g. CFG scales "0,1,3"), naming the flag in errors. */
export function parseNumbers(spec: string, flag: string): number[] {
  return spec.split(',').map((s) => {
    const v = Number(s.trim());
    if (s.trim() === '' || !Number.isFinite(v)) throw new DalError(`${flag}: expected comma-separated numbers; given "${spec}"`);
    return v;
  });
}
