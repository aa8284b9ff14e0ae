/**
 * The DMD results table (issue 12, acceptance 1–2): each distilled one-step generator (`checkpoints/mnist-dmd`,
 * `checkpoints/shapes-dmd`) against its teacher at DDIM {1, 2, 4, 10, 50} steps with the generator's CFG — FID (dal's
 * classifier features, against held-out real data), precision, recall, class accuracy (dal's classifier; MNIST also the
 * independent k-NN), the worst class, network evaluations per sample, and samples per second measured side by side in
 * this run (interleaved, batch `--speed-batch`, median of `--speed-reps` repetitions, after one warm-up call each);
 * sample grids side by side (`experiments/dmd/<name>-grid.png`); the training curves and time of `training/<name>/`.
 *
 * Resumable cell by cell: every (model, setting, n, seed) cell goes to `experiments/dmd/results.json` as soon as it is
 * computed (keyed by the weight SHA-256s, so a retrained generator is measured again), and `experiments/dmd.md` is
 * regenerated after each.
 *
 *   node --import tsx experiments/dmd.ts [--models mnist,shapes] [--n 1000] [--teacher-n 1000] [--steps 1,2,4,10,50]
 *     [--seed 0] [--speed-batch 100] [--speed-reps 5] [--teacher-50-from-manifest] [--render]
 *
 * The generator is scored on `--n` samples, the teacher's DDIM cells on `--teacher-n` (a busy machine may need fewer:
 * FID is biased upwards at small n, so only same-n figures compare). `--teacher-50-from-manifest` takes the teacher's
 * DDIM-50 quality figures from its manifest (`dal eval CHECKPOINT --n 1000 --write`, seed 0: the same real set, n and
 * seed as the generator's cell at --n 1000) instead of sampling them again; the table says which.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { setupBackend } from '../src/cli/backend.ts';
import { balancedConditions } from '../src/core/data/conditional.ts';
import type { Condition } from '../src/core/diffusion/denoiser.ts';
import { withGuidance } from '../src/core/diffusion/guidance.ts';
import { sample } from '../src/core/diffusion/samplers.ts';
import { writeFileAtomic } from '../src/core/io/atomic.ts';
import { imageGrid, writePng } from '../src/core/io/png.ts';
import { readEventFile } from '../src/core/log/reader.ts';
import { Evaluator } from '../src/core/metrics/evaluate.ts';
import { sampleTeacher, scoreTeacherSamples, teacherKind, type TeacherSamples } from '../src/core/metrics/evaluate-model.ts';
import { loadModel } from '../src/core/model/model-dir.ts';
import { Rng } from '../src/core/rng.ts';
import { loadGenerator } from '../src/distill/export.ts';
import { sampleGenerator } from '../src/distill/sample.ts';

const { values: args } = parseArgs({
  options: {
    models: { type: 'string', default: 'mnist,shapes' },
    n: { type: 'string', default: '1000' },
    'teacher-n': { type: 'string', default: '1000' },
    'teacher-50-from-manifest': { type: 'boolean', default: false },
    steps: { type: 'string', default: '1,2,4,10,50' },
    seed: { type: 'string', default: '0' },
    'speed-batch': { type: 'string', default: '100' },
    'speed-reps': { type: 'string', default: '5' },
    render: { type: 'boolean', default: false },
  },
});

const OUT = 'experiments/dmd';
const RESULTS = join(OUT, 'results.json');
type Cell = Record<string, number | string>;
const results: Record<string, Cell> = existsSync(RESULTS) ? JSON.parse(readFileSync(RESULTS, 'utf8')) : {};
const save = () => {
  mkdirSync(OUT, { recursive: true });
  writeFileAtomic(RESULTS, `${JSON.stringify(results, null, 1)}\n`);
  writeFileAtomic('experiments/dmd.md', render());
};
const log = (s: string) => process.stderr.write(`${s}\n`);

const models = args.models.split(',');
const n = Number(args.n);
const teacherN = Number(args['teacher-n']);
const seed = Number(args.seed);
const ddimSteps = args.steps.split(',').map(Number);

function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)];
}

/** Training curve summary of a run directory: the scalars at ~8 points, from its event files. */
function trainingCurve(dir: string): { step: number; values: Record<string, number> }[] {
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir).filter((f: string) => f.startsWith('events.out.tfevents')).sort();
  const byStep = new Map<number, Record<string, number>>();
  for (const f of files) {
    for (const e of readEventFile(join(dir, f))) {
      for (const s of e.scalars) {
        const row = byStep.get(e.step) ?? {};
        row[s.tag] = s.value;
        byStep.set(e.step, row);
      }
    }
  }
  const steps = [...byStep.keys()].filter((s) => 'loss/dm' in byStep.get(s)!).sort((a, b) => a - b);
  if (!steps.length) return [];
  const pick = new Set<number>();
  for (let i = 0; i < 8; i++) pick.add(steps[Math.round((i * (steps.length - 1)) / 7)]);
  return [...pick].map((s) => ({ step: s, values: byStep.get(s)! }));
}

async function measure(name: string): Promise<void> {
  const genDir = `checkpoints/${name}-dmd`;
  if (!existsSync(join(genDir, 'manifest.json'))) {
    log(`${genDir}: not exported yet; skipped`);
    return;
  }
  const { generator, manifest: gm } = loadGenerator(genDir);
  const { denoiser: teacher, manifest: tm } = loadModel(`checkpoints/${name}-unet`);
  const cfg = gm.generator.cfgScale;
  const key = (setting: string) => `${name}|${setting}|cfg${cfg}|n${setting === 'onestep' ? n : teacherN}|seed${seed}|${gm.files[0].sha256.slice(0, 12)}|${tm.files[0].sha256.slice(0, 12)}`;
  const ev = Evaluator.load(teacherKind(tm));
  const grids: Record<string, TeacherSamples> = {};
  try {
    // Speed, side by side: one-step vs DDIM-k with CFG (2 network evaluations per step), interleaved repetitions.
    const sk = key('speed');
    if (!results[sk]) {
      const b = Number(args['speed-batch']);
      const conds = balancedConditions(teacher.conditioning === 'prompt' ? 'prompt' : 'label', b);
      const mk = (): Condition => (conds.labels ? { labels: conds.labels } : { prompts: conds.prompts });
      const guided = withGuidance(teacher, cfg);
      const runs: Record<string, () => void> = {
        onestep: () => tf.tidy(() => void generator.draw(b, mk(), new Rng(1)).dataSync()),
        ...Object.fromEntries(ddimSteps.map((k) => [`ddim${k}`, () => tf.tidy(() => void sample(guided, b, { sampler: 'ddim', steps: k, cond: mk(), rng: new Rng(1), clipX0: tm.data.range }).dataSync())])),
      };
      const times: Record<string, number[]> = Object.fromEntries(Object.keys(runs).map((k) => [k, []]));
      for (const f of Object.values(runs)) f(); // warm-up
      for (let r = 0; r < Number(args['speed-reps']); r++) {
        for (const [k, f] of Object.entries(runs)) {
          const t0 = performance.now();
          f();
          times[k].push((performance.now() - t0) / 1000);
        }
        log(`${name} speed: repetition ${r + 1}`);
      }
      const cell: Cell = { batch: b, reps: Number(args['speed-reps']) };
      for (const [k, ts] of Object.entries(times)) cell[`${k}_samples_per_s`] = b / median(ts);
      results[sk] = cell;
      save();
    }
    // Quality cells.
    const settings = ['onestep', ...ddimSteps.map((k) => `ddim${k}`)];
    for (const setting of settings) {
      const k = key(setting);
      if (setting === 'ddim50' && args['teacher-50-from-manifest']) {
        const prefix = `ddim50_cfg${cfg}/`;
        const m = Object.fromEntries(Object.entries(tm.metrics).filter(([mk]) => mk.startsWith(prefix)).map(([mk, v]) => [mk.slice(prefix.length), v]));
        if (m.fid === undefined) throw new Error(`checkpoints/${name}-unet has no ${prefix}fid in its manifest; run dal eval --write or drop --teacher-50-from-manifest`);
        results[`${name}|ddim50|cfg${cfg}|n${m.n}|seed${m.seed}|manifest|${tm.files[0].sha256.slice(0, 12)}`] = { ...m, evals_per_sample: 2 * 50, source: 'manifest (dal eval --write)' };
        save();
        continue;
      }
      if (results[k] && setting !== 'onestep' && setting !== 'ddim50') continue;
      const t0 = Date.now();
      const samples =
        setting === 'onestep'
          ? sampleGenerator(generator, { n, seed })
          : sampleTeacher(teacher, tm, { n: teacherN, sampler: 'ddim', steps: Number(setting.slice(4)), guidance: cfg, seed });
      grids[setting] = samples;
      if (!results[k]) {
        const m = scoreTeacherSamples(ev, samples);
        results[k] = { ...m, evals_per_sample: setting === 'onestep' ? 1 : (cfg === 1 ? 1 : 2) * Number(setting.slice(4)), seconds: (Date.now() - t0) / 1000 };
        save();
      }
      log(`${name} ${setting}: ${JSON.stringify(results[k])}`);
    }
    // Real data floor at this n.
    // Grids: the first 100 (MNIST: 10 per digit in columns) one-step vs DDIM-50.
    const g = (s: TeacherSamples) => {
      const m = Math.min(100, s.shape[0]);
      const per = s.shape[1] * s.shape[2] * s.shape[3];
      return imageGrid(s.images.subarray(0, m * per), [m, s.shape[1], s.shape[2], s.shape[3]], 10);
    };
    if (grids.onestep) writePng(join(OUT, `${name}-onestep.png`), g(grids.onestep));
    if (grids.ddim50) writePng(join(OUT, `${name}-ddim50.png`), g(grids.ddim50));
    results[`${name}|info`] = {
      cfg,
      tGen: gm.generator.tGen,
      steps: gm.training.steps,
      seconds: gm.training.seconds,
      parameters: gm.parameters,
      weightBytes: gm.files[0].bytes,
      teacherSha: tm.files[0].sha256,
      sourceSha: gm.source.sha256,
    };
    save();
  } finally {
    ev.dispose();
    generator.dispose();
    teacher.dispose();
  }
}

function fmt(v: unknown, d = 3): string {
  return typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(d)) : v === undefined ? '—' : String(v);
}

function render(): string {
  const lines: string[] = [
    '# DMD: one-step generators distilled from the shipped teachers',
    '',
    'Regenerate with `node --import tsx experiments/dmd.ts` (resumable; cells cached in `experiments/dmd/results.json`).',
    'Each generator against its teacher at DDIM {1, 2, 4, 10, 50} with the same CFG; FID in dal\'s classifier feature',
    'space against held-out real data; samples/s measured side by side in one run (same batch, interleaved repetitions,',
    'median) on a 2-core machine shared with other jobs, so absolute figures are noisy but the ratios are same-run.',
    '',
  ];
  for (const name of models) {
    const info = results[`${name}|info`];
    const cells = Object.entries(results).filter(([k]) => k.startsWith(`${name}|`) && !k.endsWith('|info') && !k.includes('|speed|') && k.includes(`|seed${seed}|`));
    const speed = Object.entries(results).find(([k]) => k.startsWith(`${name}|speed|`))?.[1];
    lines.push(`## ${name}`, '');
    if (!info) {
      lines.push('(not measured yet)', '');
      continue;
    }
    lines.push(
      `Generator \`checkpoints/${name}-dmd\`: ${fmt(info.parameters)} parameters, ${fmt(info.weightBytes)} bytes of weights, tGen ${info.tGen}, distilled at CFG ${info.cfg} in ${fmt(info.steps)} steps, ${(Number(info.seconds) / 60).toFixed(1)} min of training; teacher SHA-256 ${String(info.teacherSha).slice(0, 12)}… (source recorded in the manifest: ${String(info.sourceSha).slice(0, 12)}…).`,
      '',
    );
    const head = name === 'mnist' ? '| model | n | evals/sample | samples/s | FID | precision | recall | accuracy (dal) | accuracy (k-NN) | worst class acc |' : '| model | n | evals/sample | samples/s | FID | precision | recall | shape × colour | shape | colour | worst class acc |';
    lines.push(head, head.replace(/[^|]+/g, ' --- '));
    for (const [k, c] of cells) {
      const setting = k.split('|')[1];
      const sps = speed?.[`${setting}_samples_per_s`];
      const label = setting === 'onestep' ? '**one-step generator**' : `teacher DDIM-${setting.slice(4)}${c.source ? ' (manifest)' : ''}`;
      const common = `| ${label} | ${fmt(c.n_generated)} | ${fmt(c.evals_per_sample)} | ${fmt(sps, 1)} | ${fmt(c.fid)} | ${fmt(c.precision)} | ${fmt(c.recall)} |`;
      lines.push(name === 'mnist' ? `${common} ${fmt(c.accuracy)} | ${fmt(c.knn_accuracy)} | ${fmt(c.min_class_accuracy)} |` : `${common} ${fmt(c.accuracy)} | ${fmt(c.accuracy_shape)} | ${fmt(c.accuracy_color)} | ${fmt(c.min_class_accuracy)} |`);
    }
    if (speed) {
      const ratio = Number(speed.onestep_samples_per_s) / Number(speed.ddim50_samples_per_s);
      lines.push('', `One-step vs DDIM-50: **${ratio.toFixed(1)}×** the samples per second (batch ${speed.batch}, median of ${speed.reps}).`);
    }
    // With --teacher-50-from-manifest no DDIM-50 samples are drawn here: the teachers table's grid stands beside ours.
    const teacherGrid = [100, 500, 1000].map((k) => `teachers/grids/${name}-unet-ddim50-cfg${info.cfg}-n${k}-seed0.png`).find((f) => existsSync(join('experiments', f)));
    const ddim50 = existsSync(join(OUT, `${name}-ddim50.png`)) ? `dmd/${name}-ddim50.png` : (teacherGrid ?? '(no grid)');
    lines.push('', `Samples (first 100, columns = classes): one-step \`experiments/dmd/${name}-onestep.png\`, teacher DDIM-50 \`experiments/${ddim50}\`.`, '');
    lines.push(`![one-step](dmd/${name}-onestep.png) ![DDIM-50](${ddim50})`, '');
    const curve = trainingCurve(`training/${name}-dmd`);
    if (curve.length) {
      lines.push(`Training curve (\`training/${name}-dmd\`, TensorBoard scalars):`, '', '| step | loss/dm | loss/regression | loss/fake | train/seconds |', '| --- | --- | --- | --- | --- |');
      for (const r of curve) lines.push(`| ${r.step} | ${fmt(r.values['loss/dm'])} | ${fmt(r.values['loss/regression'])} | ${fmt(r.values['loss/fake'])} | ${fmt(r.values['train/seconds'], 0)} |`);
      lines.push('');
    }
  }
  const notes = join(OUT, 'notes.md');
  if (existsSync(notes)) lines.push(readFileSync(notes, 'utf8'));
  return `${lines.join('\n')}\n`;
}

if (!args.render) {
  await setupBackend();
  for (const m of models) await measure(m);
}
save();
process.stdout.write(readFileSync('experiments/dmd.md', 'utf8'));
