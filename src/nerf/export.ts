/**
 * A DreamFusion run's outputs, written atomically (each file replaced whole, so a viewer following the run never reads
 * half a file): `turntable.npy` [V, 32, 32, 3] in [0, 1] (V azimuths at one elevation, the teacher's resolution),
 * `images/turntable.png` (the strip), the mesh (`density.npy`, `mesh.ply`, `mesh.glb`: mesh/export.ts) and the scores. Called at the end of a run, every `export.every`
 * steps, and by `dal export`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { writeNpy } from '../core/io/npy.ts';
import { imageGrid, writePng, type RgbaImage } from '../core/io/png.ts';
import { loadClassifier } from '../core/metrics/classifier.ts';
import { DalError } from '../core/errors.ts';
import { Rng } from '../core/rng.ts';
import { hasCheckpoint, loadCheckpoint, loadModule } from '../core/train/checkpoint.ts';
import type { Metrics, RunDir } from '../core/train/run.ts';
import { turntableCameras } from './camera.ts';
import { makeField, type DreamfusionConfig } from './dreamfusion-config.ts';
import type { Field } from './field.ts';
import { scoreTurntable } from './metrics.ts';
import { exportMesh } from './mesh/index.ts';
import { SHAPES } from '../core/data/shapes/primitives.ts';
import { promptClass, type PromptClass } from './prompt.ts';
import { renderImages } from './render.ts';

/** The turntable renders (albedo over white, bin-midpoint samples): [V·32·32·3]. */
export function turntable(field: Field, cfg: DreamfusionConfig): Float32Array {
  const { turntableViews, turntableElevation } = cfg.export;
  const cams = turntableCameras(turntableViews, turntableElevation, { distance: cfg.camera.distance, fovDeg: cfg.camera.fovDeg });
  return renderImages(field, cams, { ...cfg.render, background: [1, 1, 1] });
}

/** The turntable as one strip (a row of 8 per line). */
export function turntableImage(images: Float32Array, views: number): RgbaImage {
  return imageGrid(images, [views, 32, 32, 3], Math.min(8, views));
}

export interface ExportOptions {
  /** marching-cubes resolution and threshold (default: the config's) */
  resolution?: number;
  threshold?: number;
}

/**
 * Writes the outputs into `dir` and returns the scores: the classifier's on the turntable (metrics.ts), and the mesh's
 * occupancy IoU against the prompt's primitive (`iou`), against each of the five (`iou_<shape>`), the best other one
 * (`iouBestOther`), and whether the prompt's is the best (`iouPromptBest`, 1 or 0).
 */
export async function exportRun(dir: string, field: Field, cfg: DreamfusionConfig, target: PromptClass, opts: ExportOptions = {}): Promise<Metrics> {
  const views = cfg.export.turntableViews;
  const images = turntable(field, cfg);
  writeNpy(join(dir, 'turntable.npy'), images, [views, 32, 32, 3]);
  writePng(join(dir, 'images', 'turntable.png'), turntableImage(images, views));
  const shape = SHAPES[target.shape];
  const mesh = await exportMesh(dir, field, {
    resolution: opts.resolution ?? cfg.export.resolution,
    threshold: opts.threshold ?? cfg.export.threshold,
    shape,
  });
  if (!existsSync(cfg.classifier)) throw new DalError(`system.classifier: no classifier at ${cfg.classifier} (the shipped one is checkpoints/shapes-classifier)`);
  const { model } = loadClassifier(cfg.classifier);
  let scores: Metrics;
  try {
    scores = { ...scoreTurntable(model, images, views, target) };
  } finally {
    model.dispose();
  }
  const iou = mesh.iou!;
  const others = SHAPES.filter((s) => s !== shape).map((s) => iou.all[s]);
  return {
    ...scores,
    iou: iou.value,
    iouBestOther: Math.max(...others),
    iouPromptBest: iou.best === shape ? 1 : 0,
    ...Object.fromEntries(SHAPES.map((s) => [`iou_${s}`, iou.all[s]])),
    meshVertices: mesh.vertices,
    meshFaces: mesh.faces,
    meshClosed: mesh.closed ? 1 : 0,
  };
}

/**
 * Re-exports a run from its latest checkpoint (`dal export`): rebuilds the field from the run's config, loads its
 * parameters and writes the outputs again with `opts`.
 * @throws DalError when the run has no checkpoint or the checkpoint does not fit the config
 */
export async function exportCheckpoint(run: RunDir, cfg: DreamfusionConfig, opts: ExportOptions = {}): Promise<Metrics> {
  if (!hasCheckpoint(run.checkpoints)) throw new DalError(`${run.root} has no checkpoint (${run.checkpoints}/manifest.json): nothing to export`);
  const target = promptClass(cfg.prompt);
  if (!target) throw new DalError(`${run.configFile}: system.prompt "${cfg.prompt}" is not "a <colour> <shape>"`);
  const field = makeField(cfg.field, new Rng(0));
  const ckpt = loadCheckpoint(run.checkpoints);
  try {
    loadModule('field', field, ckpt.tensors);
    return await exportRun(run.root, field, cfg, target, opts);
  } finally {
    tf.dispose(Object.values(ckpt.tensors));
    field.dispose();
  }
}
