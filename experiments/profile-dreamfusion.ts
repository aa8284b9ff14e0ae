/**
 * Per-kernel time profile of one DreamFusion step (the `dreamfusion` system with a config's settings): the render of
 * `viewsPerStep` views, the teacher under CFG, the backward pass through the renders and Adam.
 *
 *   node --import tsx experiments/profile-dreamfusion.ts [--config configs/dreamfusion/red-cube.yaml] [--steps 5] [--set key=value]…
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend, type BackendName } from '../src/backend/index.ts';
import { loadConfig, parseSet } from '../src/core/train/config/load.ts';
import { RunDir } from '../src/core/train/run.ts';
import { DreamfusionSystem } from '../src/nerf/dreamfusion.ts';
import { runConfig } from '../src/systems.ts';
import { flag, timeAndProfile } from './profile-table.ts';

const backend = await initBackend(flag('backend', 'native') as BackendName);
const sets = process.argv.flatMap((a, i) => (process.argv[i - 1] === '--set' ? [parseSet(a)] : []));
const cfg = loadConfig(runConfig, flag('config', 'configs/dreamfusion/red-cube.yaml'), sets);
if (cfg.system.type !== 'dreamfusion') throw new Error('profile-dreamfusion: the config must be a dreamfusion system');
const run = new RunDir(mkdtempSync(join(tmpdir(), 'dal-profile-')));
const system = new DreamfusionSystem(cfg.system, { seed: 0, steps: cfg.trainer.steps, run, log: console.log });
// Steps after the shading warm-up, so that the normals are part of the profile when shading is on.
let step = cfg.system.shading.warmupSteps;
console.log(`backend ${backend}, ${cfg.system.viewsPerStep} views × 32² rays × ${cfg.system.render.numSamples} samples, field ${cfg.system.field.type}`);
const n = Number(flag('steps', '5'));
if (process.argv.includes('--cpu-only')) {
  // CPU time per step (meaningful on a shared machine), after two warm-up steps.
  for (let i = 0; i < 2; i++) system.step(step++);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) system.step(step++);
  const cpu = process.cpuUsage(cpu0);
  console.log(`per step: CPU ${((cpu.user + cpu.system) / 1000 / n).toFixed(0)} ms, wall ${((performance.now() - t0) / n).toFixed(0)} ms (${n} steps)`);
} else {
  await timeAndProfile(() => void system.step(step++), n);
}
system.dispose();
