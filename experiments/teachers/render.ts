/**
 * `experiments/teachers.md` from the results file: per teacher, one row per (sampler, steps, CFG scale) of the full
 * grid — the computed cell for the current checkpoints (the one with the planned n and seed when there is one, else
 * the largest n), or "pending" — plus rows of held-out real data at the same n (the FID floor and accuracy ceiling
 * of that sample size), the sample grids, and the training run. Pure: the caller reads files and checkpoints.
 */
import { COLORS, SHAPES } from '../../src/core/data/shapes/dataset.ts';
import type { SamplerName } from '../../src/core/diffusion/samplers.ts';
import { cellCost, findCell, secondsPerEval, type CellKey, type CellResult, type Fingerprints, type ResultsFile } from './results.ts';
import type { TrainingSummary } from './training-curve.ts';

/** The full table: which rows every teacher has, and the planned sample sizes. */
export interface TableLayout {
  settings: [SamplerName, number][];
  scales: number[];
  /** planned n of DDIM/Heun cells and of DDPM cells */
  n: number;
  ddpmN: number;
  seed: number;
}

/** What the renderer knows about one teacher. */
export interface TeacherInfo {
  teacher: string;
  /** absent: no shipped checkpoint */
  model?: {
    dir: string;
    kind: 'mnist' | 'shapes';
    description: string;
    trainingSteps: number;
    trainingSeconds: number;
    fingerprints: Fingerprints;
    /** fingerprints of the 'real' rows (the data and the classifier) */
    realFingerprints: Fingerprints;
  };
  training: TrainingSummary | null;
  /** loss plot, relative to the markdown file */
  lossPng?: string;
}

export interface RenderMeta {
  /** the command that regenerates the file */
  command: string;
  /** relative path from the markdown to the results directory (for grid links) */
  resultsDir: string;
  /** the results file, as the command sees it (e.g. experiments/teachers/results.json) */
  resultsFile: string;
}

/** The planned n of a setting. */
export function plannedN(layout: TableLayout, sampler: SamplerName): number {
  return sampler === 'ddpm' ? layout.ddpmN : layout.n;
}

/**
 * The cell a row shows: the planned (n, seed) when computed, else the computed cell with the largest n (then the
 * latest), for the given checkpoints; undefined when nothing is computed.
 */
export function pickCell(r: ResultsFile, key: CellKey, fp: Fingerprints): CellResult | undefined {
  const exact = findCell(r, key, fp);
  if (exact) return exact;
  const same = (c: CellResult) =>
    c.teacher === key.teacher && c.sampler === key.sampler && c.steps === key.steps && c.cfg === key.cfg && c.checkpoint === fp.checkpoint && c.classifier === fp.classifier;
  const candidates = r.cells.filter(same).sort((a, b) => b.n - a.n || b.finishedAt.localeCompare(a.finishedAt));
  return candidates[0];
}

const pct = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '–' : `${(100 * v).toFixed(1)}%`);
const fixed = (v: number | undefined, d: number) => (v === undefined || Number.isNaN(v) ? '–' : v.toFixed(d));

/** "7" for a digit; "red cone" for a shapes class id shape · 5 + colour. */
export function className(kind: 'mnist' | 'shapes', id: number): string {
  if (kind === 'mnist') return String(id);
  return `${COLORS[id % COLORS.length]} ${SHAPES[Math.floor(id / COLORS.length)]}`;
}

function samplerLabel(sampler: string, steps: number): string {
  return sampler === 'real' ? 'real data' : `${sampler.toUpperCase()} ${steps}`;
}

/** One table row of a computed cell (or a pending row for `key`). */
export function renderRow(kind: 'mnist' | 'shapes', key: CellKey, c: CellResult | undefined, resultsDir: string): string {
  const head = `| ${samplerLabel(key.sampler, key.steps)} | ${key.sampler === 'real' ? '–' : key.cfg} |`;
  const accCols = kind === 'mnist' ? 2 : 3;
  if (!c) return `${head} pending (n = ${key.n}) |${' – |'.repeat(accCols + 6)}`;
  const m = c.metrics;
  const acc = kind === 'mnist' ? `${pct(m.accuracy)} | ${pct(m.knn_accuracy)}` : `${pct(m.accuracy_shape)} | ${pct(m.accuracy_color)} | ${pct(m.accuracy)}`;
  const worst = m.worst_class === undefined || m.worst_class < 0 ? '–' : `${className(kind, m.worst_class)}: ${pct(m.min_class_accuracy)}`;
  const grid = c.grid ? `[png](${resultsDir}/${c.grid})` : '–';
  return (
    `${head} ${c.n} | ${acc} | ${worst} | ${fixed(m.fid, 2)} | ${fixed(m.precision, 3)} | ${fixed(m.recall, 3)} | ` +
    `${c.seconds.toFixed(0)} / ${c.cpuSeconds.toFixed(0)} | ${grid} |`
  );
}

/** The table of one teacher: the grid rows, then real-data rows at each n shown. */
export function renderTable(r: ResultsFile, info: TeacherInfo, layout: TableLayout, resultsDir: string): string {
  const model = info.model!;
  const kind = model.kind;
  const accHead = kind === 'mnist' ? 'accuracy (dal classifier) | accuracy (k-NN, independent)' : 'shape accuracy | colour accuracy | both';
  const header = `| sampler | CFG | n | ${accHead} | worst class | FID | precision | recall | seconds (wall / CPU) | grid |`;
  const sep = `|${' --- |'.repeat(header.split('|').length - 2)}`;
  const rows: string[] = [];
  const shownN = new Set<number>();
  for (const [sampler, steps] of layout.settings) {
    for (const cfg of layout.scales) {
      const key: CellKey = { teacher: info.teacher, sampler, steps, cfg, n: plannedN(layout, sampler), seed: layout.seed };
      const c = pickCell(r, key, model.fingerprints);
      if (c) shownN.add(c.n);
      rows.push(renderRow(kind, key, c, resultsDir));
    }
  }
  for (const n of [...shownN].sort((a, b) => b - a)) {
    const key: CellKey = { teacher: info.teacher, sampler: 'real', steps: 0, cfg: 0, n, seed: layout.seed };
    const c = findCell(r, key, model.realFingerprints);
    if (c) rows.push(renderRow(kind, key, c, resultsDir));
  }
  return [header, sep, ...rows].join('\n');
}

/** The DDIM-50 sample grids of a teacher (one image per CFG scale), where computed. */
function renderGrids(r: ResultsFile, info: TeacherInfo, layout: TableLayout, resultsDir: string): string {
  const out: string[] = [];
  for (const cfg of layout.scales) {
    const key: CellKey = { teacher: info.teacher, sampler: 'ddim', steps: 50, cfg, n: layout.n, seed: layout.seed };
    const c = pickCell(r, key, info.model!.fingerprints);
    if (c?.grid) out.push(`DDIM 50, CFG ${cfg} (first ${Math.min(c.n, 100)} of n = ${c.n}):\n\n![${info.teacher} DDIM 50 CFG ${cfg}](${resultsDir}/${c.grid})`);
  }
  return out.length ? out.join('\n\n') : 'No DDIM 50 cell computed yet.';
}

/** The training section: steps, hours, mean loss per bucket, the loss plot. */
export function renderTraining(t: TrainingSummary | null, lossPng: string | undefined, teacher: string): string {
  if (!t) return `No training run with logged losses at \`training/${teacher}\`.`;
  const rows = t.buckets.map(([lo, hi, mean, secs]) => `| ${lo}–${hi} | ${mean.toFixed(4)} | ${(secs / 3600).toFixed(2)} |`);
  const partial = t.unreadable.length ? ` (unreadable, skipped: ${t.unreadable.join(', ')})` : '';
  return (
    `Training run \`${t.dir}\`: ${t.lastStep} steps logged, ${(t.seconds / 3600).toFixed(2)} h of training (wall clock on 2 shared cores)${partial}.\n\n` +
    `| steps | mean denoising loss | hours (cumulative) |\n| --- | --- | --- |\n${rows.join('\n')}` +
    (lossPng ? `\n\n![${teacher} loss](${lossPng})` : '')
  );
}

/**
 * The projected cost of a teacher's full table at the layout's n, from the CPU seconds per U-Net evaluation of its
 * computed cells (the native backend runs 2 threads, so 2 free cores take about half the CPU time in wall clock).
 */
export function renderCost(r: ResultsFile, teacher: string, layout: TableLayout): string {
  const evals = layout.settings.reduce(
    (a, [sampler, steps]) => a + layout.scales.reduce((b, cfg) => b + cellCost({ teacher, sampler, steps, cfg, n: plannedN(layout, sampler), seed: layout.seed }), 0),
    0,
  );
  const cpu = secondsPerEval(r, teacher, 'cpuSeconds');
  const head = `Cost of the full table at n = ${layout.n} (DDPM: ${layout.ddpmN}): ${evals.toLocaleString('en-US')} U-Net evaluations`;
  if (cpu === undefined) return `${head}.`;
  return `${head}; at ${(1000 * cpu).toFixed(1)} ms CPU per evaluation (median of the computed cells) ≈ ${((evals * cpu) / 60).toFixed(0)} min of CPU, ≈ ${((evals * cpu) / 120).toFixed(0)} min on 2 free cores.`;
}

/**
 * What the sample sizes buy: the binomial standard error √(p(1 − p)/n) of an accuracy near p = 95%, overall and per
 * class (MNIST: n/10 per digit; shapes: n/25 per shape × colour).
 */
export function renderSampleSizes(kind: 'mnist' | 'shapes', layout: TableLayout): string {
  const se = (n: number) => (100 * Math.sqrt((0.95 * 0.05) / n)).toFixed(1);
  const classes = kind === 'mnist' ? 10 : 25;
  const parts = [...new Set([layout.n, layout.ddpmN])].map((n) => {
    const per = Math.floor(n / classes);
    return `n = ${n}: ±${se(n)}% overall, ±${per > 0 ? se(per) : '∞'}% per class (${per} samples each)`;
  });
  return (
    `Standard error of an accuracy near 95% — ${parts.join('; ')}. FID is biased upwards at small n (precision and ` +
    `recall shift too): the real-data rows give the values of real images at the same n.`
  );
}

/** The whole markdown file. */
export function renderMarkdown(r: ResultsFile, teachers: TeacherInfo[], layout: TableLayout, meta: RenderMeta): string {
  const sections = teachers.map((info) => {
    const training = `### Training\n\n${renderTraining(info.training, info.lossPng, info.teacher)}`;
    if (!info.model) return `## ${info.teacher}\n\nNot shipped yet (no \`checkpoints/${info.teacher}/manifest.json\`).\n\n${training}`;
    const m = info.model;
    const total = layout.settings.length * layout.scales.length;
    const done = layout.settings.flatMap(([sampler, steps]) =>
      layout.scales.filter((cfg) => pickCell(r, { teacher: info.teacher, sampler, steps, cfg, n: 0, seed: layout.seed }, m.fingerprints)),
    ).length;
    const grids =
      m.kind === 'mnist' ? 'one digit per column, 0–9' : 'one shape × colour per column (sphere, cube, cylinder, cone, torus × red, green, blue, yellow, purple); rows cycle the views front, side, back, overhead';
    return (
      `## ${info.teacher}\n\n\`${m.dir}\`: ${m.description}; trained ${m.trainingSteps} steps in ${(m.trainingSeconds / 3600).toFixed(2)} h. ` +
      `Checkpoint fingerprint \`${m.fingerprints.checkpoint}\`, classifier \`${m.fingerprints.classifier.slice(0, 12)}\`; ${done} of ${total} cells computed.\n\n` +
      `${renderTable(r, info, layout, meta.resultsDir)}\n\n${renderCost(r, info.teacher, layout)} ${renderSampleSizes(m.kind, layout)}\n\nSample grids (${grids}):\n\n${renderGrids(r, info, layout, meta.resultsDir)}\n\n${training}`
    );
  });
  return `# The pretrained teachers

Regenerate (resumable: computed cells are kept in \`${meta.resultsFile}\` and skipped; \`--force\` recomputes):

    ${meta.command}

Each row draws balanced conditional samples (MNIST: n/10 per digit; shapes: every shape × colour, the views in turn)
with x̂₀ clipped to the data range, and scores them with dal's classifier of the dataset: "FID" is the Fréchet
distance in its feature space against the held-out real data (MNIST: the 1,000 test digits; shapes: 2,000 test
renders); precision/recall by k-NN manifolds (k = 3) in the same space. "Worst class" is the lowest per-class
accuracy (a digit, or a shape × colour with both right). CFG 0 is the unconditional model (the null label/prompt), so
its accuracy is chance level (10% for digits, 4% for shape × colour); CFG 1 the conditional model alone; CFG 3 costs
two U-Net evaluations per step. FID, precision and recall depend on n (FID is biased upwards at small n): compare rows
of equal n, and see the "real data" rows — held-out real images of the training split scored the same way at the same
n, the floor of FID and the ceiling of accuracy at that n. Seconds are wall clock and CPU time of the process on the
2-core machine (shared with other jobs while measured: CPU time is the better measure of cost).
Acceptance (issue 4): MNIST DDIM 50 with CFG ≥ 95% by both classifiers; shapes ≥ 90% for every shape × colour.

${sections.join('\n\n')}
`;
}
