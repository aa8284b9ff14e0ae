/**
 * experiments/dreamfusion.md: DreamFusion with the shipped config (configs/dreamfusion/red-cube.yaml: the
 * camera-conditioned teacher checkpoints/shapes-unet-cam) on all 25 shape × colour prompts at seeds 0 and 1; the
 * same config on the view-word teacher checkpoints/shapes-unet (the 25 at seed 0, the issue's five at seed 1) and on
 * the camera teacher without its cameras (the five cubes); a sweep of the CFG scale and fixed vs annealed t (the probes
 * that chose the config are in experiments/dreamfusion/notes.md).
 *
 *   node --import tsx experiments/dreamfusion.ts [--only NAME,…] [--group prompts,…] [--jobs N] [--table]
 *
 * `--jobs N` runs N cells at a time, each on one thread (DAL_NUM_THREADS=1); with 1 (the default) a cell has the
 * machine's threads, and its wall clock is the issue's per-prompt time. The load average before and after each cell
 * is recorded beside its times, and the table shows it.
 *
 * Each cell is one `dal run` (a child process, timed: wall clock and CPU time from /usr/bin/time) into
 * experiments/dreamfusion/runs/<cell>/ (git-ignored). Resumable: a finished cell (metrics.json) is kept, a killed one
 * continues with --resume, and the seconds of every attempt add up in <cell>/times.json. `--table` only rewrites the
 * table from the cells finished so far. The turntable strips are copied next to the table; the reading of the figures
 * (hand-written, as measured) is experiments/dreamfusion/notes.md, appended to the table.
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readNpy } from '../src/core/io/npy.ts';
import { HALF_EXTENTS, occupancy, SHAPES } from '../src/core/data/shapes/primitives.ts';
import { COLORS } from '../src/core/data/shapes/shading.ts';
import { iouAgainstAll } from '../src/nerf/mesh/iou.ts';

const DIR = 'experiments/dreamfusion';
const RUNS = join(DIR, 'runs');
const CONFIG = 'configs/dreamfusion/red-cube.yaml';
const SHAPE_NAMES: readonly string[] = SHAPES;
/** Occupancy thresholds of the "IoU vs threshold" table (the export uses the config's, 2). */
const THRESHOLDS = [1, 2, 3, 5];

type Group = 'prompts' | 'others' | 'seeds' | 'cfg' | 'annealing' | 'timing' | 'nocamera' | 'viewword' | 'viewword-seeds';
interface Cell {
  name: string;
  group: Group;
  label: string;
  set: string[];
}

const PROMPTS = ['a red cube', 'a blue sphere', 'a yellow cone', 'a green torus', 'a purple cylinder'];
/** The twenty shape × colour pairs the issue does not name (the general case). */
const OTHERS = SHAPE_NAMES.flatMap((s) => COLORS.map((c) => `a ${c} ${s}`)).filter((p) => !PROMPTS.includes(p));
/** "a red cube" → "red-cube" (a cell's directory name). */
const slug = (p: string) => p.replace(/^a /, '').replace(/ /g, '-');
/**
 * A cell of `group` for prompt p: directory `<prefix><slug>-<suffix>` (no dash for an empty suffix), run with the
 * prompt and the extra `--set`s.
 */
const promptCell =
  (group: Group, { prefix = '', suffix = '', set = [] as string[] } = {}) =>
  (p: string): Cell => ({ name: `${prefix}${slug(p)}${suffix ? `-${suffix}` : ''}`, group, label: p, set: [`system.prompt=${p}`, ...set] });
/** The view-word teacher (checkpoints/shapes-unet, no camera conditioning) on the same prompts and seeds. */
const VIEWWORD = 'system.prior.path=checkpoints/shapes-unet';
/** The camera teacher without its cameras (the view word only), on the cubes: is it the camera or the retraining? */
const CUBES = COLORS.map((c) => `a ${c} cube`);
const cells: Cell[] = [
  ...PROMPTS.map(promptCell('prompts')),
  ...OTHERS.map(promptCell('others')),
  ...[1, 3, 20, 50].map((s) => ({ name: `red-cube-cfg${s}`, group: 'cfg' as const, label: `${s}`, set: [`system.sds.cfgScale=${s}`] })),
  { name: 'red-cube-fixed-t', group: 'annealing', label: 'fixed t ~ U[0.02, 0.98]', set: ['system.sds.tMax=0.98'] },
  // every prompt again with another seed (the shipped config's is 0)
  ...[...PROMPTS, ...OTHERS].map(promptCell('seeds', { suffix: 'seed1', set: ['seed=1'] })),
  ...CUBES.map(promptCell('nocamera', { suffix: 'nocamera', set: ['system.prior.camera=false'] })),
  ...[...PROMPTS, ...OTHERS].map(promptCell('viewword', { prefix: 'viewword-', set: [VIEWWORD] })),
  ...PROMPTS.map(promptCell('viewword-seeds', { prefix: 'viewword-', suffix: 'seed1', set: ['seed=1', VIEWWORD] })),
  // the five prompts once more, one at a time on the whole machine (`--group timing`, jobs 1): the issue's 6-minute figure
  ...PROMPTS.map(promptCell('timing', { suffix: 'alone' })),
];

interface Times {
  wall: number;
  cpu: number;
  attempts: number;
  /** cells run at once, and the 1-minute load average before and after (the last attempt's) */
  jobs?: number;
  load?: [number, number];
}

const only = flag('only')?.split(',');
const groups = flag('group')?.split(',');
const jobs = Number(flag('jobs') ?? 1);
if (!process.argv.includes('--table')) {
  // The timing cells run only when asked for (and then alone: their wall clock is the point).
  const todo = cells.filter((c) => (!only || only.includes(c.name)) && (groups ? groups.includes(c.group) : c.group !== 'timing'));
  if (todo.some((c) => c.group === 'timing') && jobs !== 1) throw new Error('--group timing runs one cell at a time: drop --jobs');
  await Promise.all(Array.from({ length: jobs }, async () => {
    for (let c = todo.shift(); c; c = todo.shift()) await runCell(c);
  }));
}
writeTable();

async function runCell(cell: Cell): Promise<void> {
  const out = join(RUNS, cell.name);
  if (existsSync(join(out, 'metrics.json'))) return;
  const resume = existsSync(join(out, 'checkpoints', 'manifest.json'));
  const args = resume ? ['run', out, '--resume'] : ['run', CONFIG, '--out', out, ...cell.set.flatMap((s) => ['--set', s])];
  process.stderr.write(`${cell.name}: dal ${args.join(' ')}\n`);
  mkdirSync(out, { recursive: true });
  const load0 = loadavg()[0];
  const env = jobs > 1 ? { ...process.env, DAL_NUM_THREADS: '1' } : process.env;
  const child = spawn('/usr/bin/time', ['-f', 'TIME %e %U %S', process.execPath, 'bin/dal.js', ...args], { stdio: ['ignore', 'ignore', 'pipe'], env });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const status = await new Promise<number | null>((done) => child.on('close', done));
  writeFileSync(join(out, 'log.txt'), stderr);
  const m = /TIME ([\d.]+) ([\d.]+) ([\d.]+)/.exec(stderr);
  if (m) {
    const file = join(out, 'times.json');
    const t: Times = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : { wall: 0, cpu: 0, attempts: 0 };
    t.wall += Number(m[1]);
    t.cpu += Number(m[2]) + Number(m[3]);
    t.attempts += 1;
    t.jobs = jobs;
    t.load = [load0, loadavg()[0]];
    writeFileSync(file, `${JSON.stringify(t)}\n`);
  }
  process.stderr.write(`${cell.name}: ${status === 0 ? 'done' : `exit ${status} (log: ${out}/log.txt)`}\n`);
}

function result(cell: Cell): { m: Record<string, number>; t: Times } | null {
  const out = join(RUNS, cell.name);
  if (!existsSync(join(out, 'metrics.json'))) return null;
  const t = existsSync(join(out, 'times.json')) ? JSON.parse(readFileSync(join(out, 'times.json'), 'utf8')) : { wall: NaN, cpu: NaN, attempts: 0 };
  return { m: JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')), t };
}


/**
 * From the turntable: the fraction of pixels the object covers (any channel below 0.95: not the white background),
 * and the mean HSV saturation (max − min)/max of those pixels (the data's red albedo has 0.86).
 */
function colourStats(cell: Cell): { coverage: number; saturation: number } {
  const { data } = readNpy(join(RUNS, cell.name, 'turntable.npy'));
  let n = 0;
  let sat = 0;
  for (let i = 0; i < data.length; i += 3) {
    const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
    if (Math.min(r, g, b) >= 0.95) continue;
    const hi = Math.max(r, g, b);
    n++;
    sat += hi > 0 ? (hi - Math.min(r, g, b)) / hi : 0;
  }
  return { coverage: n / (data.length / 3), saturation: n ? sat / n : 0 };
}

/** Issue 10's bar: ≥ 14 of 16 views right in shape and colour, IoU ≥ 0.75, and the prompt's primitive the closest. */
function passes(m: Record<string, number>): boolean {
  return m.viewsBoth >= 14 / 16 && m.iou >= 0.75 && m.iouPromptBest === 1;
}

function row(cell: Cell, first: string): string {
  const r = result(cell);
  if (!r) return `| ${first} | (not run yet) | | | | | | | | |`;
  const { m, t } = r;
  const views = (f: number) => `${Math.round(f * 16)}/16`;
  const shape = /\b(sphere|cube|cylinder|cone|torus)\b/.exec(cell.group === 'cfg' || cell.group === 'annealing' ? 'a red cube' : cell.label)![1];
  const other = SHAPE_NAMES.filter((s) => s !== shape).reduce((a, b) => (m[`iou_${b}`] > m[`iou_${a}`] ? b : a));
  const pass = passes(m);
  const c = colourStats(cell);
  return (
    `| ${first} | ${t.wall.toFixed(0)} s | ${t.cpu.toFixed(0)} s | ${t.jobs ?? '?'} / ${t.load ? t.load.map((l) => l.toFixed(1)).join('–') : '?'} | ${views(m.viewsShape)} | ${views(m.viewsColor)} | ${views(m.viewsBoth)} | ` +
    `${m.promptProb.toFixed(3)} | ${m.iou.toFixed(3)} | ${other} ${m[`iou_${other}`].toFixed(3)} | ${pass ? 'yes' : 'no'} | ` +
    `${c.coverage.toFixed(3)} | ${c.saturation.toFixed(3)} | ![](dreamfusion/${cell.name}.png) |`
  );
}

/**
 * One row of the "IoU vs threshold" table, from the cell's density.npy (the export's 64³ grid of [−0.75, 0.75]³ with
 * one layer of zero padding): the IoU against the prompt's primitive (and the best other one) at each threshold, and
 * at σ > 2 where the disagreement lies: false positives below the primitive's bottom (y < −half height), the other
 * false positives, and the false negatives (grid samples).
 */
function thresholdRow(cell: Cell): string {
  const file = join(RUNS, cell.name, 'density.npy');
  if (!existsSync(file)) return `| ${cell.label} | (not run yet) |`;
  const { data, shape: dims } = readNpy(file);
  const grid = Float32Array.from(data as ArrayLike<number>);
  const n = dims[0];
  const h = 1.5 / (n - 3);
  const lo = -0.75 - h;
  const bounds = { min: [lo, lo, lo] as [number, number, number], max: [-lo, -lo, -lo] as [number, number, number] };
  const shape = /\b(sphere|cube|cylinder|cone|torus)\b/.exec(cell.label)![1];
  const k = SHAPE_NAMES.indexOf(shape);
  const cols = THRESHOLDS.map((t) => {
    const all = iouAgainstAll(grid, [n, n, n], bounds, t) as Record<string, number>;
    const other = Math.max(...SHAPE_NAMES.filter((s) => s !== shape).map((s) => all[s]));
    return `${all[shape].toFixed(3)} (${other.toFixed(3)})`;
  });
  let below = 0;
  let fp = 0;
  let fn = 0;
  const bottom = -HALF_EXTENTS[k][1];
  for (let iz = 0; iz < n; iz++) {
    for (let iy = 0; iy < n; iy++) {
      for (let ix = 0; ix < n; ix++) {
        const p: [number, number, number] = [lo + ix * h, lo + iy * h, lo + iz * h];
        const predicted = grid[ix + n * (iy + n * iz)] > 2;
        const truth = occupancy(k, p);
        if (predicted && !truth) {
          fp++;
          if (p[1] < bottom) below++;
        }
        if (!predicted && truth) fn++;
      }
    }
  }
  const label = cell.group === 'seeds' ? `${cell.label} (seed 1)` : cell.label;
  return `| ${label} | ${cols.join(' | ')} | ${below} | ${fp - below} | ${fn} |`;
}

function writeTable(): void {
  const head =
    '| {0} | wall clock | CPU time | jobs / load | shape | colour | both | p(prompt) | IoU | best other primitive | ≥ 14/16 both, IoU ≥ 0.75 and best | coverage | saturation | turntable (16 azimuths, elevation 15°) |\n' +
    '| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: | ---: | --- |';
  const group = (g: Group, title: string) => [head.replace('{0}', title), ...cells.filter((c) => c.group === g).map((c) => row(c, c.label))].join('\n');
  const redCube = cells[0];
  // The turntable strips beside the table, once per finished cell.
  for (const c of cells) if (existsSync(join(RUNS, c.name, 'metrics.json'))) copyFileSync(join(RUNS, c.name, 'images', 'turntable.png'), join(DIR, `${c.name}.png`));
  /** Passing runs of the groups `gs` (of their seed-1 cells only those of `seed1Prompts`, when given). */
  const tally = (gs: Group[], seed1Prompts?: string[]) => {
    const scored = cells.filter((c) => gs.includes(c.group) && (!seed1Prompts || c.group !== 'seeds' || seed1Prompts.includes(c.label))).map(result);
    const done = scored.filter((r) => r !== null);
    const missing = scored.length - done.length;
    return `**${done.filter((r) => passes(r.m)).length} of ${done.length}**${missing ? ` (${missing} not run yet)` : ''}`;
  };
  const notes = join(DIR, 'notes.md');
  const md = `# DreamFusion on the shapes teachers

\`checkpoints/shapes-unet-cam\` as the frozen prior — the shapes teacher conditioned on the prompt (with its view word)
and on each view's exact azimuth and elevation (\`configs/teachers/shapes-unet-cam.yaml\`), given in both branches of
the guidance — and \`configs/dreamfusion/red-cube.yaml\` (seed 0) with the prompt set by
\`--set system.prompt=…\`: PE-MLP field (6 frequencies, 2 × 64) with a density blob, 32 stratified samples per ray in
the sphere of radius 1, 2 random views a step with their view prompts, albedo for 200 steps then albedo / Lambertian /
textureless (0.5 / 0.4 / 0.1), CFG 7.5, w(t) = 1 (uniform), tMax annealed 0.98 → 0.48 over the first 600 of 1,000
steps, the opacity-entropy regularizer at weight 100, Adam 0.01. Scores: \`checkpoints/shapes-classifier\` on the turntable (views whose shape / colour / both are the
prompt's; p(prompt) = mean probability of the prompt's class among the 25), and the occupancy IoU of the density
(σ > 2 on a 64³ grid of [−0.75, 0.75]³) against the true primitive and the best of the other four; from the turntable,
the coverage (fraction of pixels that are not background) and the mean saturation (max − min)/max of the object's
pixels (the data's red: 0.86). Regenerate with \`node --import tsx experiments/dreamfusion.ts [--jobs 2]\` (cells are
\`npx dal run ${CONFIG} --set …\` into \`${RUNS}/<cell>/\`; resumable). Times: wall clock and CPU time (user + system)
of the whole \`dal run\` process, start-up and export included; "jobs / load" is how many cells ran at once (more than
one: each on one thread) and the 1-minute load average before–after. A wall clock is the issue's per-prompt time only
for a cell run alone (jobs 1) on a quiet machine (load ≲ 2 before it started).

Runs that pass (≥ 14/16 views right in shape and colour, IoU ≥ 0.75, the prompt's primitive the closest):

- the camera-conditioned teacher (the shipped config), the 25 shape × colour prompts at seeds 0 and 1:
  ${tally(['prompts', 'others', 'seeds'])}; of the same 30 runs as below: ${tally(['prompts', 'others', 'seeds'], PROMPTS)};
- the view-word teacher \`checkpoints/shapes-unet\` (\`--set ${VIEWWORD}\`; last session's shipped prior), same
  config otherwise, the 25 prompts at seed 0 and the issue's five at seed 1: ${tally(['viewword', 'viewword-seeds'])}.

## The issue's five prompts

${group('prompts', 'prompt')}

## The other twenty shape × colour pairs (not named by the issue)

${group('others', 'prompt')}

## Seed 1 (the shipped config's seed is 0)

${group('seeds', 'prompt (seed 1)')}

## The camera teacher without its cameras, on the cubes (\`--set system.prior.camera=false\`: the view word only)

${group('nocamera', 'prompt')}

## The view-word teacher (\`checkpoints/shapes-unet\`), all 25 prompts at seed 0

${group('viewword', 'prompt')}

## The view-word teacher at seed 1

${group('viewword-seeds', 'prompt (seed 1)')}

## Time per prompt, one run at a time on the 2-core machine (\`--group timing\`)

${group('timing', 'prompt')}

## Guidance scale ("a red cube"; 7.5 is the first row above)

${group('cfg', 'cfgScale')}
${row(redCube, '7.5 (default)')}

## t-annealing ("a red cube")

${group('annealing', 'tMax')}
${row(redCube, 'annealed 0.98 → 0.48 (default)')}

## IoU vs threshold (in parentheses the best other primitive)

| prompt | ${THRESHOLDS.map((t) => `σ > ${t}`).join(' | ')} | false positives below the bottom (σ > 2) | other false positives | false negatives |
| --- | ${THRESHOLDS.map(() => '---:').join(' | ')} | ---: | ---: | ---: |
${cells.filter((c) => c.group === 'prompts' || (c.group === 'seeds' && PROMPTS.includes(c.label))).map(thresholdRow).join('\n')}
${existsSync(notes) ? `\n${readFileSync(notes, 'utf8').trimEnd()}\n` : ''}`;
  writeFileSync(`${DIR}.md`, md);
  process.stdout.write(md);
}

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
