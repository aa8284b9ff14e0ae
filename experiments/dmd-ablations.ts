/**
 * experiments/dmd-ablations.md: the MNIST DMD ablations of issue 12 — the shipped config (`configs/dmd/mnist.yaml`:
 * one fake-score update per generator update, regression weight 0.25) against the same without the regression loss,
 * and with five fake-score updates per generator update (DMD2's two-time-scale rule), with and without regression.
 * Every cell trains from the teacher's weights with the same seed for the same number of generator updates, and is
 * scored by `dal eval RUN/model --n 1000` (seed 0: the same real set and conditions as experiments/dmd.md).
 *
 *   node --import tsx experiments/dmd-ablations.ts [--steps 703] [--only k1-noreg,…] [--table]
 *
 * Each cell is one `dal run` into experiments/dmd/runs/mnist-<cell>/ (git-ignored); resumable: a finished cell
 * (metrics.json and its eval.json) is kept, a killed one continues with --resume. The cells with regression read the
 * pairs of `training/mnist-dmd/pairs` when it is there (`system.regression.pairsDir`: the same 1,000 DDIM-50 pairs at
 * CFG 3; the pairs file records its settings and a run with other ones refuses it), which saves the 35 minutes of
 * making them again.
 * Set DAL_NUM_THREADS=1 to run it on one core beside other work.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    steps: { type: 'string', default: '703' },
    only: { type: 'string' },
    table: { type: 'boolean', default: false },
  },
});

const CONFIG = 'configs/dmd/mnist.yaml';
const RUNS = 'experiments/dmd/runs';
const PAIRS = 'training/mnist-dmd/pairs';
const steps = Number(args.steps);

interface Cell {
  name: string;
  label: string;
  set: string[];
}

/** Whether a cell keeps the config's regression loss (and so needs the pairs). */
const hasRegression = (c: Cell) => !c.set.includes('system.regression=null');

const cells: Cell[] = [
  { name: 'k1-reg', label: '1 fake update, regression 0.25 (shipped config)', set: [] },
  { name: 'k1-noreg', label: '1 fake update, no regression', set: ['system.regression=null'] },
  { name: 'k5-reg', label: '5 fake updates, regression 0.25', set: ['system.fake.updatesPerStep=5'] },
  { name: 'k5-noreg', label: '5 fake updates, no regression (DMD2)', set: ['system.fake.updatesPerStep=5', 'system.regression=null'] },
];

const dirOf = (c: Cell) => join(RUNS, `mnist-${c.name}`);
const log = (s: string) => process.stderr.write(`${s}\n`);

function dal(argv: string[], stdout: 'inherit' | 'pipe'): string {
  log(`dal ${argv.join(' ')}`);
  const r = spawnSync(process.execPath, ['bin/dal.js', ...argv], { stdio: ['ignore', stdout, 'inherit'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`dal ${argv.join(' ')}: exit ${r.status}`);
  return r.stdout ?? '';
}

function runCell(c: Cell): void {
  const out = dirOf(c);
  if (!existsSync(join(out, 'metrics.json'))) {
    if (existsSync(join(out, 'checkpoints', 'manifest.json'))) dal(['run', out, '--resume'], 'inherit');
    else {
      const pairs = hasRegression(c) && existsSync(PAIRS) ? ['--set', `system.regression.pairsDir=${PAIRS}`] : [];
      dal(['run', CONFIG, '--out', out, '--set', `trainer.steps=${steps}`, ...pairs, ...c.set.flatMap((s) => ['--set', s])], 'inherit');
    }
  }
  const evalFile = join(out, 'eval.json');
  if (!existsSync(evalFile)) writeFileSync(evalFile, dal(['eval', join(out, 'model'), '--n', '1000', '--seed', '0', '--json'], 'pipe'));
}

const num = (v: unknown, d = 3) => (typeof v === 'number' ? v.toFixed(d) : '—');

function table(): string {
  const lines = [
    '# DMD ablations (MNIST)',
    '',
    `Regenerate with \`node --import tsx experiments/dmd-ablations.ts\` (resumable; runs in \`${RUNS}/\`, git-ignored).`,
    `\`configs/dmd/mnist.yaml\` (seed 0, batch 16, real-score CFG 3, tGen 0.8) with the changes in the first column, each`,
    'trained from the teacher for the same number of generator updates; scored by `dal eval RUN/model --n 1000` (seed 0,',
    '100 per digit; FID in dal\'s classifier features against held-out MNIST; k-NN: the independent classifier). Train',
    'time is the run\'s `train/seconds` (regression pairs not included: they are shared, made once).',
    '',
    '| setting | generator updates | train time | FID | precision | recall | accuracy (dal) | accuracy (k-NN) | worst digit acc |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const c of cells) {
    const out = dirOf(c);
    if (!existsSync(join(out, 'eval.json'))) {
      lines.push(`| ${c.label} | (not run) | | | | | | | |`);
      continue;
    }
    const e = JSON.parse(readFileSync(join(out, 'eval.json'), 'utf8')) as Record<string, number>;
    const manifest = JSON.parse(readFileSync(join(out, 'model', 'manifest.json'), 'utf8')) as { training: { steps: number; seconds: number } };
    const t = manifest.training;
    lines.push(
      `| ${c.label} | ${t.steps} | ${(t.seconds / 60).toFixed(1)} min | ${num(e.fid)} | ${num(e.precision)} | ${num(e.recall)} | ${num(e.accuracy)} | ${num(e.knn_accuracy)} | ${num(e.min_class_accuracy)} (digit ${e.worst_class}) |`,
    );
  }
  const grids = cells.filter((c) => existsSync(join(dirOf(c), 'eval.json'))).map((c) => {
    // The run's last preview (its `preview.n` samples, columns = digits), copied beside the table.
    const last = readdirSync(join(dirOf(c), 'images')).filter((f) => f.startsWith('samples-')).sort().at(-1)!;
    copyFileSync(join(dirOf(c), 'images', last), join('experiments/dmd', `ablation-${c.name}.png`));
    return `| ${c.label} | ![](dmd/ablation-${c.name}.png) |`;
  });
  if (grids.length) lines.push('', 'Samples at the last step (the run\'s preview: 100, columns = digits):', '', '| setting | samples |', '| --- | --- |', ...grids);
  const notes = join('experiments/dmd', 'ablations-notes.md');
  if (existsSync(notes)) lines.push('', readFileSync(notes, 'utf8').trimEnd());
  return `${lines.join('\n')}\n`;
}

mkdirSync(RUNS, { recursive: true });
if (!args.table) {
  for (const c of cells) {
    if (args.only && !args.only.split(',').includes(c.name)) continue;
    runCell(c);
    writeFileSync('experiments/dmd-ablations.md', table());
  }
}
writeFileSync('experiments/dmd-ablations.md', table());
process.stdout.write(table());
