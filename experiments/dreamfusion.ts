/**
 * experiments/dreamfusion.md: DreamFusion on the shipped shapes teacher (configs/dreamfusion/red-cube.yaml, seed 0)
 * for five prompts, a sweep of the CFG scale and fixed vs annealed t on "a red cube".
 *
 *   node --import tsx experiments/dreamfusion.ts [--only NAME,…] [--table]   (under nice, in the background: it takes a while)
 *
 * Each cell is one `dal run` (a child process, timed: wall clock and CPU time from /usr/bin/time) into
 * experiments/dreamfusion/runs/<cell>/ (git-ignored). Resumable: a finished cell (metrics.json) is kept, a killed one
 * continues with --resume, and the seconds of every attempt add up in <cell>/times.json. `--table` only rewrites the
 * table from the cells finished so far. The turntable strips are copied next to the table.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readNpy } from '../src/core/io/npy.ts';
import { HALF_EXTENTS, occupancy } from '../src/core/data/shapes/primitives.ts';
import { iouAgainstAll } from '../src/nerf/mesh/iou.ts';

const DIR = 'experiments/dreamfusion';
const RUNS = join(DIR, 'runs');
const CONFIG = 'configs/dreamfusion/red-cube.yaml';
const SHAPE_NAMES = ['sphere', 'cube', 'cylinder', 'cone', 'torus'];
/** Occupancy thresholds of the "IoU vs threshold" table (the export uses the config's, 2). */
const THRESHOLDS = [1, 2, 3, 5];

interface Cell {
  name: string;
  group: 'prompts' | 'others' | 'cfg' | 'annealing';
  label: string;
  set: string[];
}

const PROMPTS = ['a red cube', 'a blue sphere', 'a yellow cone', 'a green torus', 'a purple cylinder'];
/** Shape × colour pairs the issue does not name (the general case). */
const OTHERS = ['a green cube', 'a purple torus'];
const promptCell = (group: 'prompts' | 'others') => (p: string) => ({ name: p.replace(/^a /, '').replace(/ /g, '-'), group, label: p, set: [`system.prompt=${p}`] });
const cells: Cell[] = [
  ...PROMPTS.map(promptCell('prompts')),
  ...OTHERS.map(promptCell('others')),
  ...[1, 3, 20, 50].map((s) => ({ name: `red-cube-cfg${s}`, group: 'cfg' as const, label: `${s}`, set: [`system.sds.cfgScale=${s}`] })),
  { name: 'red-cube-fixed-t', group: 'annealing', label: 'fixed t ~ U[0.02, 0.98]', set: ['system.sds.tMax=0.98'] },
];

const only = flag('only')?.split(',');
if (!process.argv.includes('--table')) {
  for (const cell of cells) if (!only || only.includes(cell.name)) runCell(cell);
}
writeTable();

function runCell(cell: Cell): void {
  const out = join(RUNS, cell.name);
  if (existsSync(join(out, 'metrics.json'))) return;
  const resume = existsSync(join(out, 'checkpoints', 'manifest.json'));
  const args = resume ? ['run', out, '--resume'] : ['run', CONFIG, '--out', out, ...cell.set.flatMap((s) => ['--set', s])];
  process.stderr.write(`${cell.name}: dal ${args.join(' ')}\n`);
  mkdirSync(out, { recursive: true });
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %e %U %S', process.execPath, 'bin/dal.js', ...args], { stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
  process.stderr.write(r.stderr.replace(/^TIME.*$/m, ''));
  const m = /TIME ([\d.]+) ([\d.]+) ([\d.]+)/.exec(r.stderr);
  if (m) {
    const file = join(out, 'times.json');
    const t = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { wall: number; cpu: number; attempts: number }) : { wall: 0, cpu: 0, attempts: 0 };
    t.wall += Number(m[1]);
    t.cpu += Number(m[2]) + Number(m[3]);
    t.attempts += 1;
    writeFileSync(file, `${JSON.stringify(t)}\n`);
  }
  if (r.status !== 0) process.stderr.write(`${cell.name}: exit ${r.status}\n`);
}

function result(cell: Cell): { m: Record<string, number>; t: { wall: number; cpu: number; attempts: number } } | null {
  const out = join(RUNS, cell.name);
  if (!existsSync(join(out, 'metrics.json'))) return null;
  copyFileSync(join(out, 'images', 'turntable.png'), join(DIR, `${cell.name}.png`));
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

function row(cell: Cell, first: string): string {
  const r = result(cell);
  if (!r) return `| ${first} | (not run yet) | | | | | | | |`;
  const { m, t } = r;
  const views = (f: number) => `${Math.round(f * 16)}/16`;
  const shape = /\b(sphere|cube|cylinder|cone|torus)\b/.exec(cell.group === 'prompts' || cell.group === 'others' ? cell.label : 'a red cube')![1];
  const other = SHAPE_NAMES.filter((s) => s !== shape).reduce((a, b) => (m[`iou_${b}`] > m[`iou_${a}`] ? b : a));
  const pass = m.viewsBoth >= 14 / 16 && m.iou >= 0.75 && m.iouPromptBest === 1;
  const c = colourStats(cell);
  return (
    `| ${first} | ${t.wall.toFixed(0)} s | ${t.cpu.toFixed(0)} s | ${views(m.viewsShape)} | ${views(m.viewsColor)} | ${views(m.viewsBoth)} | ` +
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
  const cells = THRESHOLDS.map((t) => {
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
  return `| ${cell.label} | ${cells.join(' | ')} | ${below} | ${fp - below} | ${fn} |`;
}

function writeTable(): void {
  const head =
    '| {0} | wall clock | CPU time | shape | colour | both | p(prompt) | IoU | best other primitive | ≥ 14/16 both, IoU ≥ 0.75 and best | coverage | saturation | turntable (16 azimuths, elevation 15°) |\n' +
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: | ---: | --- |';
  const group = (g: Cell['group'], title: string) => [head.replace('{0}', title), ...cells.filter((c) => c.group === g).map((c) => row(c, c.label))].join('\n');
  const redCube = cells[0];
  const md = `# DreamFusion on the shapes teacher

\`checkpoints/shapes-unet\` as the frozen prior, \`configs/dreamfusion/red-cube.yaml\` (seed 0) with the prompt set by
\`--set system.prompt=…\`: PE-MLP field (6 frequencies, 2 × 64) with a density blob, 32 stratified samples per ray in
the sphere of radius 1, 2 random views a step with their view prompts, albedo for 200 steps then albedo / Lambertian /
textureless (0.5 / 0.4 / 0.1), CFG 7.5, w = σ², tMax annealed 0.98 → 0.48 over the first 600 of 1,000 steps, Adam 0.01.
Scores: \`checkpoints/shapes-classifier\` on the turntable (views whose shape / colour / both are the prompt's; p(prompt)
= mean probability of the prompt's class among the 25), and the occupancy IoU of the density (σ > 2 on a 64³ grid of
[−0.75, 0.75]³) against the true primitive and the best of the other four; from the turntable, the coverage (fraction of
pixels that are not background) and the mean saturation (max − min)/max of the object's pixels (the data's red: 0.86). Regenerate with
\`node --import tsx experiments/dreamfusion.ts\` (cells are \`npx dal run ${CONFIG} --set …\` into
\`${RUNS}/<cell>/\`; resumable). Times: wall clock and CPU time (user + system) of the whole \`dal run\` process,
start-up and export included, on the shared 2-core machine while ~25 other processes kept it busy (load average
22–32; the cells themselves ran 4–7 at a time under \`nice -n 10\`), so the wall clock is mostly waiting for a core
and says nothing about the issue's 6-minute limit; the CPU time is the cost (on two free cores a run takes about
half its CPU time, or less, in wall clock).

## Five prompts

${group('prompts', 'prompt')}

## Other prompts (not named by the issue)

${group('others', 'prompt')}

## Guidance scale ("a red cube"; 7.5 is the first row above)

${group('cfg', 'cfgScale')}
${row(redCube, '7.5 (default)')}

## t-annealing ("a red cube")

${group('annealing', 'tMax')}
${row(redCube, 'annealed 0.98 → 0.48 (default)')}

## IoU vs threshold (the prompt cells above; in parentheses the best other primitive)

| prompt | ${THRESHOLDS.map((t) => `σ > ${t}`).join(' | ')} | false positives below the bottom (σ > 2) | other false positives | false negatives |
| --- | ${THRESHOLDS.map(() => '---:').join(' | ')} | ---: | ---: | ---: |
${cells.filter((c) => c.group === 'prompts' || c.group === 'others').map(thresholdRow).join('\n')}

## Reading (of the run of 2026-12-01; numbers from the tables above)

- Every prompt's turntable is recognized in 16 of 16 views (shape, colour, both), and the prompt's primitive has
  the highest IoU of the five every time. The IoU reaches 0.75 for six of the seven prompts; the yellow cone stays at
  0.718 (next best: the cylinder, 0.387). The IoU-vs-threshold table says where: the cone's body is right (slice by
  slice, the radius of {σ > 2} is within a grid spacing of the true one from the base to the apex: 0.439 vs 0.442 at
  y = −0.35, 0.097 vs 0.085 at y = 0.30), but a lens of density (σ up to 12) hangs under the base, down to y = −0.61:
  5,268 of the 6,318 false-positive samples lie below the base (y < −0.45), against 440 false negatives. Without it the
  IoU would be 0.92 (those samples dropped). Probably grown from the initial density blob (radius 0.5): the training cameras
  (elevation −10° to 60°, as in the data) see it only grazing, hidden behind the base in most views, so SDS leaves it.
  No threshold removes it (σ > 3: 0.724, the best; σ > 5 erodes the body) and \`minComponentFraction\` cannot either
  (it is attached to the base). The rendered-opacity sparsity regularizer does not help: probes of the cone with
  \`--set system.regularizers.sparsity=30\` gave IoU 0.712 (5,126 samples still below the base) and \`=100\` removed
  the lens (0 below the base) but eroded the body (4,043 false negatives), IoU 0.697 — not a fix, not adopted. The red
  cube (0.765) has the same lens (3,150 samples under its bottom face) plus soft edges (7,697 other false positives).
- The export threshold σ > 2 was chosen on the first red-cube run (IoU 0.66 at σ > 5, 0.76 at σ > 2, 0.78 at σ > 1;
  the density of this field saturates around 5–15, so σ > 5 cuts through the object) and then kept for every prompt.
- Guidance: s = 1 gives the weakest geometry (IoU 0.70, the only failing cube), s = 3 the best (0.83); from 7.5 to 50
  the IoU stays 0.77–0.79. The over-saturation that large s causes in the ring8 toy (particles overshooting the mode)
  does not show in these scores: the albedo is a sigmoid (bounded), the mean saturation stays 0.72–0.76 and the
  coverage grows only slowly with s (0.32 → 0.38).
- Annealing: with CFG 7.5 on a prompt, the fixed t-range converges as well as the annealed one (IoU 0.767 vs 0.765),
  with more saturated colours (0.85 vs 0.76). The toy's failure without annealing is for *unconditional* SDS; the
  conditional, guided SDS of DreamFusion does not need it here.
`;
  writeFileSync(`${DIR}.md`, md);
  process.stdout.write(md);
}

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
