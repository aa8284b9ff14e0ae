/**
 * Exports the generator of a `dmd` run's latest checkpoint as a model directory, without touching the run (a snapshot
 * of a run still training, or of an unfinished one): the steps and training seconds recorded are the checkpoint's.
 *
 *   node --import tsx experiments/dmd-export.ts RUN_DIR OUT_DIR
 */
import * as tf from '@tensorflow/tfjs-core';
import { setupBackend } from '../src/cli/backend.ts';
import { loadCheckpoint } from '../src/core/train/checkpoint.ts';
import { loadConfig } from '../src/core/train/config/load.ts';
import { RunDir } from '../src/core/train/run.ts';
import { DmdSystem } from '../src/distill/dmd-system.ts';
import { runConfig } from '../src/systems.ts';

const [runDir, out] = process.argv.slice(2);
if (!runDir || !out) {
  process.stderr.write('usage: node --import tsx experiments/dmd-export.ts RUN_DIR OUT_DIR\n');
  process.exit(2);
}
await setupBackend();
const run = RunDir.open(runDir);
const cfg = loadConfig(runConfig, run.path('config.yaml'));
if (cfg.system.type !== 'dmd') throw new Error(`${runDir} is a ${cfg.system.type} run, not dmd`);
const sys = new DmdSystem(cfg.system, { seed: cfg.seed, steps: cfg.trainer.steps, run, log: (s) => process.stderr.write(`${s}\n`) });
const ckpt = loadCheckpoint(run.checkpoints);
await sys.load(ckpt);
tf.dispose(Object.values(ckpt.tensors));
const m = sys.exportModel(out, {}, ckpt.step);
process.stdout.write(`exported step ${ckpt.step} (${m.training.seconds} s of training) of ${runDir} to ${out}\n`);
sys.dispose();
