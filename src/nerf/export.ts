/**
 * A DreamFusion run's outputs, written atomically (each file replaced whole, so a viewer following the run never reads
 * half a file): `turntable.npy` [V, 32, 32, 3] in [0, 1] (V azimuths at one elevation, the teacher's resolution),
 * `images/turntable.png` (the strip), and the scores (metrics.ts). Called at the end of a run, every `export.every`
 * steps, and by `dal export`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeNpy } from '../core/io/npy.ts';
import { imageGrid, writePng, type RgbaImage } from '../core/io/png.ts';
import { loadClassifier } from '../core/metrics/classifier.ts';
import { DalError } from '../core/errors.ts';
import type { Metrics } from '../core/train/run.ts';
import { turntableCameras } from './camera.ts';
import type { DreamfusionConfig } from './dreamfusion-config.ts';
import type { Field } from './field.ts';
import { scoreTurntable } from './metrics.ts';
import type { PromptClass } from './prompt.ts';
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

/** Writes the outputs into `dir` and returns the scores. */
export async function exportRun(dir: string, field: Field, cfg: DreamfusionConfig, target: PromptClass, _opts: ExportOptions = {}): Promise<Metrics> {
  const views = cfg.export.turntableViews;
  const images = turntable(field, cfg);
  writeNpy(join(dir, 'turntable.npy'), images, [views, 32, 32, 3]);
  writePng(join(dir, 'images', 'turntable.png'), turntableImage(images, views));
  if (!existsSync(cfg.classifier)) throw new DalError(`system.classifier: no classifier at ${cfg.classifier} (the shipped one is checkpoints/shapes-classifier)`);
  const { model } = loadClassifier(cfg.classifier);
  try {
    return { ...scoreTurntable(model, images, views, target) };
  } finally {
    model.dispose();
  }
}
