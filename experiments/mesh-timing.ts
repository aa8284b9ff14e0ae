/**
 * Timing of the mesh export's stages at the resolutions a run uses: sampling a PE-MLP field on the grid
 * (`densityGrid`), marching cubes, the IoU against the five primitives, PLY / GLB encoding, and the whole
 * `exportMesh` (grid, mesh, albedo at the vertices, IoUs, three files written atomically to a temporary directory). Marching cubes runs
 * on the analytic sphere blob (one surface) and on a gyroid (a surface through every part of the grid: the worst case,
 * with many ambiguous faces). Medians of `--reps` after one warm-up. Then the volume error of the sphere's mesh at
 * 16–128³. Writes nothing; prints markdown tables.
 *
 *   npx tsx experiments/mesh-timing.ts [--backend native|cpu] [--reps 5] [--resolutions 64,96,128]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, type BackendName } from '../src/backend/index.ts';
import { Rng } from '../src/core/rng.ts';
import { NerfField } from '../src/nerf/field.ts';
import { exportMesh, type MeshField } from '../src/nerf/mesh/export.ts';
import { densityGrid, SCENE_BOUNDS, type DensityGrid } from '../src/nerf/mesh/grid.ts';
import { encodeGlb } from '../src/nerf/mesh/glb.ts';
import { iouAgainstAll } from '../src/nerf/mesh/iou.ts';
import { marchingCubes } from '../src/nerf/mesh/marching-cubes.ts';
import { isClosedAndOriented, meshVolume } from '../src/nerf/mesh/mesh.ts';
import { encodePly } from '../src/nerf/mesh/ply.ts';
import { flag } from './profile-table.ts';

const backend = await initBackend(flag('backend', 'native') as BackendName);
const reps = Number(flag('reps', '5'));
const resolutions = flag('resolutions', '64,96,128').split(',').map(Number);

/** Median wall-clock and CPU (user + system, this process) milliseconds of `reps` calls after one warm-up. */
async function median(fn: () => unknown): Promise<{ wall: number; cpu: number }> {
  await fn();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < reps; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const mid = (a: number[]) => a.sort((x, y) => x - y)[Math.floor(a.length / 2)];
  return { wall: mid(wall), cpu: mid(cpu) };
}

function analytic(f: (x: number, y: number, z: number) => number, n: number): DensityGrid {
  const grid = new Float32Array(n ** 3);
  const h = 1.5 / (n - 1);
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) grid[i + n * (j + n * k)] = f(-0.75 + i * h, -0.75 + j * h, -0.75 + k * h);
  }
  return { grid, dims: [n, n, n], bounds: { min: [-0.75, -0.75, -0.75], max: [0.75, 0.75, 0.75] } };
}

const blob = (x: number, y: number, z: number) => 10 * (1 - Math.hypot(x, y, z) / 0.5);
const w = 4 * Math.PI; // two gyroid periods across the box
const gyroid = (x: number, y: number, z: number) =>
  Math.sin(w * x) * Math.cos(w * y) + Math.sin(w * y) * Math.cos(w * z) + Math.sin(w * z) * Math.cos(w * x);

const field = new NerfField({}, new Rng(0));
const density = (p: tf.Tensor2D) => tf.tidy(() => field.query(p).density as tf.Tensor1D);
// The untrained field plus the DreamFusion density blob 10·(1 − r/0.5): a surface to export (at σ = 5, r ≈ 0.25 + …).
const nerf: MeshField = {
  density: (p) => tf.tidy(() => tf.add(field.query(p).density, tf.relu(tf.mul(10, tf.sub(1, tf.div(tf.norm(p, 'euclidean', 1), 0.5))))) as tf.Tensor1D),
  albedo: (p) => tf.tidy(() => field.query(p).rgb as tf.Tensor2D),
};
const out = mkdtempSync(join(tmpdir(), 'dal-mesh-timing-'));

const load = () => loadavg()[0].toFixed(1);
console.log(`backend ${backend}, medians of ${reps}, wall / CPU ms (CPU: this process, user + system); load average ${load()} at the start`);
console.log('(the machine is shared: wall-clock times are inflated by the load, CPU times much less so)\n');
console.log('| resolution | densityGrid (PE-MLP 3×64) | MC sphere | MC gyroid | gyroid triangles | IoU ×5 | PLY | GLB | exportMesh (PE-MLP) |');
console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const n of resolutions) {
  const tGrid = await median(() => densityGrid(density, n, SCENE_BOUNDS, 1));
  const s = analytic(blob, n);
  const g = analytic(gyroid, n);
  const tSphere = await median(() => marchingCubes(s.grid, s.dims, s.bounds, 0));
  const tGyroid = await median(() => marchingCubes(g.grid, g.dims, g.bounds, 0));
  const mesh = marchingCubes(g.grid, g.dims, g.bounds, 0);
  if (!isClosedAndOriented(marchingCubes(s.grid, s.dims, s.bounds, 0))) throw new Error('sphere mesh not closed');
  const tIou = await median(() => iouAgainstAll(s.grid, s.dims, s.bounds, 0));
  const colors = new Uint8Array(mesh.positions.length).fill(128);
  const tPly = await median(() => encodePly(mesh, colors));
  const tGlb = await median(() => encodeGlb(mesh, colors));
  const tExport = await median(() => exportMesh(out, nerf, { resolution: n, threshold: 5, shape: 'cube' }));
  const f = (t: { wall: number; cpu: number }) => `${t.wall.toFixed(0)} / ${t.cpu.toFixed(0)}`;
  console.log(`| ${n}³ | ${f(tGrid)} | ${f(tSphere)} | ${f(tGyroid)} | ${mesh.indices.length / 3} | ${f(tIou)} | ${f(tPly)} | ${f(tGlb)} | ${f(tExport)} |`);
}
rmSync(out, { recursive: true, force: true });

// Accuracy on the radius-0.5 sphere (the blob, lattice over [−0.75, 0.75]³ as in test/nerf/mesh/marching-cubes.test.ts).
const exact = (4 / 3) * Math.PI * 0.125;
console.log('\n| resolution | sphere volume error | closed and oriented |');
console.log('| ---: | ---: | --- |');
for (const n of [16, 32, 64, 128]) {
  const s = analytic(blob, n);
  const m = marchingCubes(s.grid, s.dims, s.bounds, 0);
  console.log(`| ${n}³ | ${((100 * (meshVolume(m) - exact)) / exact).toFixed(3)}% | ${isClosedAndOriented(m)} |`);
}
console.log(`\nload average ${load()} at the end`);
