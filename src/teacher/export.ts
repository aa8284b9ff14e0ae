/**
 * Exports the EMA weights of a teacher run's latest training checkpoint as a model directory (the shipped format),
 * at any point of training — `checkpoints/mnist-unet` is exported from `training/mnist-unet` this way.
 */
import * as tf from '@tensorflow/tfjs-core';
import { hasCheckpoint, loadCheckpoint } from '../core/train/checkpoint.ts';
import { loadConfig } from '../core/train/config/load.ts';
import { DalError } from '../core/errors.ts';
import { runConfigSchema } from '../core/train/config/schema.ts';
import { RunDir } from '../core/train/run.ts';
import type { ModelManifest } from '../core/model/model-dir.ts';
import { TeacherSystem, teacherConfig } from './train-system.ts';

/**
 * @param runDir a `teacher` run directory (config.yaml + checkpoints/)
 * @param outDir the model directory to write (replaced)
 * @param metrics measured figures to record in the manifest
 * @throws DalError when runDir is not a teacher run or has no checkpoint
 */
export async function exportTeacherRun(runDir: string, outDir: string, metrics: ModelManifest['metrics'] = {}): Promise<ModelManifest> {
  const run = RunDir.open(runDir);
  const cfg = loadConfig(runConfigSchema(teacherConfig), run.configFile);
  if (!hasCheckpoint(run.checkpoints)) throw new DalError(`${runDir} has no training checkpoint to export (${run.checkpoints} is empty)`);
  const system = new TeacherSystem(cfg.system, { seed: cfg.seed, steps: cfg.trainer.steps, run, log: () => {} });
  try {
    const ckpt = loadCheckpoint(run.checkpoints);
    try {
      await system.load(ckpt);
    } finally {
      tf.dispose(Object.values(ckpt.tensors));
    }
    return system.exportModel(outDir, metrics);
  } finally {
    system.dispose();
  }
}
