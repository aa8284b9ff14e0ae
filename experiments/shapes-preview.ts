/**
 * A look at the data: PNG grids of the multi-view shapes (and MNIST), plus the renderer's speed.
 *
 *   npx tsx experiments/shapes-preview.ts [OUT_DIR]        (default runs/shapes-preview)
 *
 * Writes
 *   views.png   — one row per shape (colour = row), 8 azimuths 0°, 45°, …, 315° at elevation 20°, then 60°; 64×64
 *   random.png  — 64 random training samples at 32×32 (prompts in random.txt, row by row)
 *   mnist.png   — the first 10 test digits of every class, 32×32 padded
 * and prints the render speed (images/s at 4×4 samples per pixel, one thread, wall and CPU time; 32×32 mixed and per
 * shape, 64×64 mixed).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../src/core/rng.ts';
import { imageGrid, writePng } from '../src/core/io/png.ts';
import { randomShapeSample, renderShapeInto, SHAPES, shapesBatch, type ShapeSample } from '../src/core/data/shapes/dataset.ts';
import { loadMnist } from '../src/core/data/mnist.ts';

const outDir = process.argv[2] ?? 'runs/shapes-preview';
mkdirSync(outDir, { recursive: true });

// 1. Views table.
const big = 64;
const azimuths = [0, 45, 90, 135, 180, 225, 270, 315];
const elevations = [20, 60];
const cols = azimuths.length * elevations.length;
const views = new Float32Array(SHAPES.length * cols * big * big * 3);
let k = 0;
for (let shape = 0; shape < SHAPES.length; shape++) {
  for (const elevation of elevations) {
    for (const azimuth of azimuths) {
      renderShapeInto({ shape, color: shape, azimuth, elevation }, big, views, k++ * big * big * 3);
    }
  }
}
writePng(join(outDir, 'views.png'), imageGrid(views, [k, big, big, 3], cols));

// 2. Random training batch.
const batch = shapesBatch(new Rng(0), 64, 32);
writePng(join(outDir, 'random.png'), imageGrid(batch.images, [64, 32, 32, 3], 8));
writeFileSync(join(outDir, 'random.txt'), batch.prompts.map((p, i) => `${String(i).padStart(2)} ${p}`).join('\n') + '\n');

// 3. MNIST.
const test = loadMnist('test');
const picks: number[] = [];
for (let d = 0; d < 10; d++) {
  for (let i = 0, found = 0; i < test.size && found < 10; i++) if (test.labels[i] === d) picks.push(i), found++;
}
const digits = new Float32Array(picks.length * 1024);
picks.forEach((j, i) => digits.set(test.images.subarray(j * 1024, (j + 1) * 1024), i * 1024));
writePng(join(outDir, 'mnist.png'), imageGrid(digits, [picks.length, 32, 32, 1], 10));

// 4. Speed: random samples (all shapes mixed) and each shape alone, 16 samples per pixel, this thread only. CPU time
// is reported beside wall time because the machine is shared (wall time then counts other processes' turns).
function speed(n: number, size: number, make: (i: number) => ShapeSample): { wall: number; cpu: number } {
  const out = new Float32Array(size * size * 3);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) renderShapeInto(make(i), size, out);
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { wall: Math.round(n / wall), cpu: Math.round(n / ((cpu.user + cpu.system) / 1e6)) };
}
const rng = new Rng(1);
const pool = Array.from({ length: 1000 }, () => randomShapeSample(rng));
speed(500, 32, (i) => pool[i % pool.length]); // warm-up (JIT)
const report: Record<string, { wall: number; cpu: number }> = {};
for (const size of [32, 64]) {
  const n = size === 32 ? 2000 : 500;
  report[`mixed_${size}`] = speed(n, size, (i) => pool[i % pool.length]);
  SHAPES.forEach((name, shape) => {
    if (size === 32) report[`${name}_${size}`] = speed(n / 2, size, (i) => ({ ...pool[i % pool.length], shape }));
  });
}
console.log(`wrote ${outDir}/{views,random,mnist}.png`);
console.log('render speed, images/s (16 samples per pixel, one thread):');
console.log(JSON.stringify(report));
