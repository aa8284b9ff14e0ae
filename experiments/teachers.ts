/**
 * The teachers' results table (issue 4, acceptance 3): for each shipped teacher (`checkpoints/mnist-unet`,
 * `checkpoints/shapes-unet`), class accuracy (dal's classifier; MNIST also the independent k-NN; shapes: shape,
 * colour, both), the worst class, FID, precision and recall over DDIM {10, 25, 50} steps and DDPM 1000 steps × CFG
 * {0, 1, 3}; sample grids; the training time and loss curve of `training/<teacher>/`.
 *
 * Resumable, cell by cell: every (teacher, sampler, steps, CFG, n, seed) cell is written to
 * `experiments/teachers/results.json` (atomically) as soon as it is computed, and a rerun skips the cells already
 * there for the current teacher and classifier checkpoints (`--force` recomputes them). `experiments/teachers.md` is
 * regenerated from the results file after every cell, the missing cells shown as pending, so the run can be killed at
 * any time and continued later; within a cell, samples are drawn in chunks of ≤ 25k U-Net evaluations whose results
 * are kept in `experiments/teachers/partial/`, so a killed long cell (DDPM 1000) continues from its last chunk, with
 * the same samples. Progress and ETAs on stderr.
 *
 *   node --import tsx experiments/teachers.ts [--teachers mnist-unet,shapes-unet] [--settings ddim10,ddim25,ddim50,ddpm1000]
 *     [--cfg 0,1,3] [--n 500] [--ddpm-n 50] [--seed 0] [--force] [--plan] [--render]
 *
 * `--plan` prints the pending cells and their projected time (from the seconds per U-Net evaluation of the cells
 * already in the results file) and exits; `--render` only regenerates the markdown.
 *
 * Cost (measured on the MNIST teacher, native backend, 2 threads, machine shared with two trainings): 6.6–8.2 ms of
 * CPU per U-Net image evaluation (median 7.2; batch 10 to 500 alike), i.e. about 3.5 ms wall on 2 free cores; a cell
 * costs n · steps evaluations, twice that for CFG 3; scoring takes about 1 s per 100 samples. At n = 1000 (DDPM:
 * 200) the full table is 1.14 M evaluations per teacher (DDPM 1000 is 800 k of them), ≈ 2.3 h CPU ≈ 67 min on 2
 * free cores, over the ~40 min budget; hence the defaults n = 500 (DDPM: 100): 570 k evaluations ≈ 34 min. Their
 * statistical cost: accuracy ±1.0% instead of ±0.7% (p = 0.95), MNIST per-digit ±3.1% instead of ±2.2%; the FID of
 * real images (its small-n floor) is 0.3 at n = 500 and 0.9 at n = 100 instead of 0.2 (MNIST; shapes 0.4, 2.5,
 * 0.27) — the table's real-data rows show it. The acceptance figures (1,000 samples) come from `dal eval`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setupBackend } from '../src/cli/backend.ts';
import { loadMnist } from '../src/core/data/mnist.ts';
import { shapesDataset } from '../src/core/data/shapes/dataset.ts';
import { DalError } from '../src/core/errors.ts';
import { writeFileAtomic } from '../src/core/io/atomic.ts';
import { imageGrid, writePng } from '../src/core/io/png.ts';
import { Evaluator, shippedClassifierDir } from '../src/core/metrics/evaluate.ts';
import { formatDuration } from '../src/core/train/progress.ts';
import { sampleTeacher, scoreTeacherSamples, teacherKind, type TeacherSamples } from '../src/core/metrics/evaluate-model.ts';
import { loadModel, MODEL_MANIFEST, type ModelManifest } from '../src/core/model/model-dir.ts';
import { readPartial, removePartial, writePartial } from './teachers/partial.ts';
import { TableProgress } from './teachers/progress.ts';
import { plannedN, renderMarkdown, type TableLayout, type TeacherInfo } from './teachers/render.ts';
import {
  cellCost,
  cellId,
  chunkFor,
  parseNumbers,
  parseSettings,
  pendingCells,
  readResults,
  secondsPerEval,
  teacherFingerprint,
  upsertCell,
  writeResults,
  type CellKey,
  type CellResult,
  type Fingerprints,
} from './teachers/results.ts';
import { readTraining, writeLossPlot } from './teachers/training-curve.ts';

/** The full table (issue 4, acceptance 3); the flags choose which of its cells a run computes. */
const ALL_TEACHERS = ['mnist-unet', 'shapes-unet'];
const ALL_SETTINGS = 'ddim10,ddim25,ddim50,ddpm1000';
const ALL_SCALES = '0,1,3';
/** Default sample sizes, chosen so that the full table of one teacher fits ~40 min of 2 free cores (see the md). */
const DEFAULT_N = '500';
const DEFAULT_DDPM_N = '100';

const OUT = 'experiments/teachers';
const RESULTS = join(OUT, 'results.json');
/** partial cells (finished chunks of a cell a killed run was computing) */
const PARTIAL = join(OUT, 'partial');
const MARKDOWN = 'experiments/teachers.md';

const USAGE = `usage: node --import tsx experiments/teachers.ts [--teachers mnist-unet,shapes-unet]
  [--settings ddim10,ddim25,ddim50,ddpm1000] [--cfg 0,1,3] [--n N] [--ddpm-n N] [--seed S] [--force] [--plan] [--render]
(see the comment at the top of experiments/teachers.ts)`;

let parsed: ReturnType<typeof parseOptions>;
try {
  parsed = parseOptions();
} catch (e) {
  process.stderr.write(`teachers: ${(e as Error).message}\n${USAGE}\n`);
  process.exit(2);
}
if (parsed.values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const { values } = parsed;

function parseOptions() {
  return parseArgs({
    options: {
      help: { type: 'boolean', short: 'h', default: false },
      teachers: { type: 'string', default: ALL_TEACHERS.join(',') },
      settings: { type: 'string', default: ALL_SETTINGS },
      cfg: { type: 'string', default: ALL_SCALES },
      n: { type: 'string', default: DEFAULT_N },
      'ddpm-n': { type: 'string', default: DEFAULT_DDPM_N },
      seed: { type: 'string', default: '0' },
      force: { type: 'boolean', default: false },
      plan: { type: 'boolean', default: false },
      render: { type: 'boolean', default: false },
    },
  });
}

try {
  await main();
} catch (e) {
  if (!(e instanceof DalError)) throw e;
  process.stderr.write(`teachers: ${e.message}\n`);
  process.exit(e.exitCode);
}

async function main(): Promise<void> {
  const [n, ddpmN, seed] = [Number(values.n), Number(values['ddpm-n']), Number(values.seed)];
  for (const [flag, v, min] of [['--n', n, 10], ['--ddpm-n', ddpmN, 10], ['--seed', seed, 0]] as const) {
    if (!Number.isInteger(v) || v < min) throw new DalError(`${flag}: expected an integer ≥ ${min}; given ${v}`);
  }
  const teachers = values.teachers!.split(',');
  for (const t of teachers) if (!ALL_TEACHERS.includes(t)) throw new DalError(`--teachers: unknown teacher "${t}" (${ALL_TEACHERS.join(', ')})`);
  const runSettings = parseSettings(values.settings!);
  const runScales = parseNumbers(values.cfg!, '--cfg');
  // The markdown always shows the full grid, plus any extra settings this run asks for.
  const layout: TableLayout = {
    settings: [...parseSettings(ALL_SETTINGS), ...runSettings.filter(([s, k]) => !ALL_SETTINGS.split(',').includes(`${s}${k}`))],
    scales: [...new Set([...parseNumbers(ALL_SCALES, 'cfg'), ...runScales])],
    n,
    ddpmN,
    seed,
  };
  const command =
    `node --import tsx experiments/teachers.ts --n ${n} --ddpm-n ${ddpmN}` + (seed !== 0 ? ` --seed ${seed}` : '');

  const infos = ALL_TEACHERS.map(teacherInfo);
  const render = () => writeFileAtomic(MARKDOWN, renderMarkdown(readResults(RESULTS), infos, layout, { command, resultsDir: 'teachers', resultsFile: RESULTS }));
  if (values.render) {
    render();
    process.stderr.write(`wrote ${MARKDOWN}\n`);
    return;
  }

  // The run's plan: the requested cells of every requested, shipped teacher, then its real-data rows.
  let results = readResults(RESULTS);
  const fp = new Map(infos.filter((i) => i.model).map((i) => [i.teacher, i.model!]));
  const fingerprints = (k: CellKey): Fingerprints => (k.sampler === 'real' ? fp.get(k.teacher)!.realFingerprints : fp.get(k.teacher)!.fingerprints);
  const plan: CellKey[] = [];
  for (const teacher of teachers) {
    if (!fp.has(teacher)) {
      process.stderr.write(`${teacher}: not shipped (checkpoints/${teacher}/${MODEL_MANIFEST} missing); skipped\n`);
      continue;
    }
    const ns = new Set<number>();
    for (const [sampler, steps] of runSettings) {
      for (const cfg of runScales) {
        plan.push({ teacher, sampler, steps, cfg, n: plannedN(layout, sampler), seed });
        ns.add(plannedN(layout, sampler));
      }
    }
    for (const k of ns) plan.push({ teacher, sampler: 'real', steps: 0, cfg: 0, n: k, seed });
  }
  const pending = pendingCells(plan, results, fingerprints, values.force);
  const totalUnits = pending.reduce((a, k) => a + cellCost(k), 0);
  const prior = secondsPerEval(results);
  process.stderr.write(
    `${plan.length - pending.length} of ${plan.length} planned cells already in ${RESULTS}; ${pending.length} to compute, ` +
      `${totalUnits.toLocaleString('en-US')} U-Net evaluations` +
      (prior ? ` ≈ ${formatDuration(prior * totalUnits)} at the stored rate of ${(prior * 1000).toFixed(2)} ms per evaluation` : '') +
      '\n',
  );
  if (values.plan) {
    for (const k of pending) process.stderr.write(`  ${cellId(k)}  ${cellCost(k).toLocaleString('en-US')} evaluations${prior ? ` ≈ ${formatDuration(prior * cellCost(k))}` : ''}\n`);
    render();
    return;
  }
  if (pending.length === 0) {
    render();
    process.stderr.write(`nothing to compute; wrote ${MARKDOWN}\n`);
    return;
  }

  const backend = await setupBackend();
  const progress = new TableProgress({ totalUnits, cells: pending.filter((k) => k.sampler !== 'real').length, priorSecondsPerUnit: prior });
  let index = 0;
  try {
    for (const teacher of teachers) {
      const cells = pending.filter((k) => k.teacher === teacher);
      if (cells.length === 0) continue;
      const info = fp.get(teacher)!;
      const { denoiser, manifest } = loadModel(info.dir);
      const ev = Evaluator.load(info.kind);
      try {
        for (const key of cells) {
          const t0 = Date.now();
          const cpu0 = process.cpuUsage();
          const cpuSince = () => {
            const c = process.cpuUsage(cpu0);
            return (c.user + c.system) / 1e6;
          };
          let samples: TeacherSamples;
          // time spent on this cell by earlier, interrupted runs (its partial file)
          let [earlierSample, earlierCpu] = [0, 0];
          if (key.sampler === 'real') {
            samples = realSamples(info.kind, key.n);
          } else {
            const chunk = chunkFor(key);
            const fps = fingerprints(key);
            if (values.force) removePartial(PARTIAL, key);
            const partial = readPartial(PARTIAL, key, fps, chunk);
            [earlierSample, earlierCpu] = [partial?.sampleSeconds ?? 0, partial?.cpuSeconds ?? 0];
            const mult = cellCost(key) / (key.n * key.steps);
            const label = `${teacher} ${key.sampler.toUpperCase()} ${key.steps} CFG ${key.cfg} n=${key.n}`;
            progress.startCell(++index, label, cellCost(key), (partial?.state.done ?? 0) * key.steps * mult);
            samples = sampleTeacher(denoiser, manifest, {
              ...key,
              sampler: key.sampler,
              guidance: key.cfg,
              chunk,
              resume: partial?.state,
              onStep: (done) => progress.update(done * mult),
              onChunk: (done, total, state) => {
                if (done < total) {
                  writePartial(PARTIAL, key, fps, chunk, { state, sampleSeconds: earlierSample + (Date.now() - t0) / 1000, cpuSeconds: earlierCpu + cpuSince() });
                }
              },
            });
          }
          const t1 = Date.now();
          const metrics = scoreTeacherSamples(ev, samples);
          const t2 = Date.now();
          const grid = key.sampler === 'real' ? undefined : writeGrid(key, samples, info.kind);
          const cell: CellResult = {
            ...key,
            ...fingerprints(key),
            metrics,
            seconds: earlierSample + (t2 - t0) / 1000,
            sampleSeconds: earlierSample + (t1 - t0) / 1000,
            scoreSeconds: (t2 - t1) / 1000,
            cpuSeconds: earlierCpu + cpuSince(),
            backend,
            grid,
            finishedAt: new Date().toISOString(),
          };
          results = upsertCell(readResults(RESULTS), cell);
          writeResults(RESULTS, results);
          removePartial(PARTIAL, key);
          render();
          if (key.sampler !== 'real') progress.endCell();
          progress.log(
            `${cellId(key)}: accuracy ${(100 * metrics.accuracy).toFixed(1)}%, FID ${metrics.fid.toFixed(2)}, precision ${metrics.precision.toFixed(3)}, ` +
              `recall ${metrics.recall.toFixed(3)} — ${cell.seconds.toFixed(0)} s wall (sampling ${cell.sampleSeconds.toFixed(0)} s, scoring ` +
              `${cell.scoreSeconds.toFixed(0)} s), ${cell.cpuSeconds.toFixed(0)} s CPU`,
          );
        }
      } finally {
        ev.dispose();
        denoiser.dispose();
      }
    }
  } finally {
    progress.stop();
  }
  process.stderr.write(`wrote ${RESULTS} and ${MARKDOWN}\n`);
}

/** What the renderer needs of a teacher: its checkpoint (if shipped) and training run; writes its loss plot. */
function teacherInfo(teacher: string): TeacherInfo & { model?: TeacherInfo['model'] & { kind: 'mnist' | 'shapes' } } {
  const training = readTraining(join('training', teacher));
  let lossPng: string | undefined;
  if (training) {
    const png = `${teacher}-loss.png`;
    writeLossPlot(training, join(OUT, png), `${teacher} loss over ${training.lastStep} steps`);
    lossPng = `teachers/${png}`;
  }
  const dir = join('checkpoints', teacher);
  if (!existsSync(join(dir, MODEL_MANIFEST))) return { teacher, training, lossPng };
  const manifest = JSON.parse(readFileSync(join(dir, MODEL_MANIFEST), 'utf8')) as ModelManifest;
  const kind = teacherKind(manifest);
  const classifier = classifierFingerprint(kind);
  const u = manifest.architecture.unet;
  const description =
    `${manifest.parameters.toLocaleString('en-US')} parameters (U-Net ${u.channels} channels × (${u.channelMult.join(', ')}), ${u.numResBlocks} block per level` +
    `${manifest.architecture.prompt ? `, prompt encoder of dim ${manifest.architecture.prompt.dim}` : `, ${u.numClasses} labels`}), ` +
    `${manifest.prediction}-prediction, ${manifest.schedule.type} schedule`;
  return {
    teacher,
    training,
    lossPng,
    model: {
      dir,
      kind,
      description,
      trainingSteps: manifest.training.steps,
      trainingSeconds: manifest.training.seconds,
      fingerprints: { checkpoint: teacherFingerprint(manifest), classifier },
      realFingerprints: { checkpoint: 'data', classifier },
    },
  };
}

/** The SHA-256 of the shipped classifier checkpoint of a dataset (from its manifest). */
function classifierFingerprint(kind: 'mnist' | 'shapes'): string {
  const path = join(shippedClassifierDir(kind), 'manifest.json');
  if (!existsSync(path)) throw new DalError(`no ${kind} classifier at ${path}; it ships with dal (checkpoints/${kind}-classifier)`);
  return String((JSON.parse(readFileSync(path, 'utf8')) as { sha256: string }).sha256);
}

/** The first n real images of the training split, scored as if they were samples asked for their true class. */
function realSamples(kind: 'mnist' | 'shapes', n: number): TeacherSamples {
  if (kind === 'mnist') {
    // Balanced like the samples (digit i mod 10; the split is stored sorted by digit): the next unused image of each.
    const train = loadMnist('train');
    const per = train.shape[0] * train.shape[1] * train.shape[2];
    const byDigit = Array.from({ length: 10 }, () => [] as number[]);
    train.labels.forEach((l, i) => byDigit[l].push(i));
    const labels = Int32Array.from({ length: n }, (_, i) => i % 10);
    const images = new Float32Array(n * per);
    labels.forEach((d, i) => {
      const src = byDigit[d][Math.floor(i / 10) % byDigit[d].length];
      images.set(train.images.subarray(src * per, (src + 1) * per), i * per);
    });
    return { images, shape: [n, ...train.shape], labels, requested: { digit: labels } };
  }
  const d = shapesDataset('train', n);
  return {
    images: d.images,
    shape: [n, ...d.shape],
    prompts: d.prompts,
    requested: { shape: Int32Array.from(d.samples, (s) => s.shape), color: Int32Array.from(d.samples, (s) => s.color) },
  };
}

/** Writes the first ≤ 100 samples of a cell as a grid (MNIST: one digit per column; shapes: one class per column). */
function writeGrid(key: CellKey, s: TeacherSamples, kind: 'mnist' | 'shapes'): string {
  const k = Math.min(s.shape[0], 100);
  const per = s.shape[1] * s.shape[2] * s.shape[3];
  const name = `grids/${cellId(key).replaceAll('/', '-')}.png`;
  const img = imageGrid(s.images.subarray(0, k * per), [k, s.shape[1], s.shape[2], s.shape[3]], kind === 'mnist' ? 10 : 25);
  writePng(join(OUT, name), img);
  return name;
}
