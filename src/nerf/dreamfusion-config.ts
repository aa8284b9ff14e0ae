/**
 * The `dreamfusion` system's config (typed; fields map 1:1 onto the pieces they build): the prompt, the frozen prior,
 * the field, the renderer, the cameras, the shading mixture, SDS (schedulable), the regularizers (schedulable
 * weights), the optimizer, and what the run exports and how it is scored.
 */
import * as z from 'zod';
import { count, scalar } from '../core/train/config/schema.ts';
import { optimizerConfig } from '../core/train/config/optimizer.ts';
import { sdsConfig } from '../core/train/config/sds.ts';
import type { Rng } from '../core/rng.ts';
import { cameraConfig } from './camera.ts';
import { blobConfig, NerfField, type Field } from './field.ts';
import { GridField } from './grid-field.ts';
import { promptProblem } from './prompt.ts';
import { shadingConfig } from './shading.ts';

/** The PE-MLP field (field.ts). */
export const mlpFieldConfig = z.strictObject({
  type: z.literal('mlp'),
  numFreqs: z.int().min(0).default(6),
  hiddenWidth: count().default(64),
  hiddenLayers: count().default(3),
  densityBias: z.number().default(-1),
  blob: blobConfig.nullable().default({ density: 10, radius: 0.5 }),
});

/** The multi-resolution dense feature grid with a tiny MLP decoder (grid-field.ts). */
export const gridFieldConfig = z.strictObject({
  type: z.literal('grid'),
  resolutions: z.array(z.int().min(2).max(256)).min(1).default([16, 48]),
  features: count().default(4),
  bound: z.number().positive().default(1),
  hiddenWidth: count().default(32),
  initStd: z.number().min(0).default(0.01),
  densityBias: z.number().default(-1),
  blob: blobConfig.nullable().default({ density: 10, radius: 0.5 }),
});

export const fieldConfig = z.discriminatedUnion('type', [mlpFieldConfig, gridFieldConfig]);
export type FieldConfig = z.infer<typeof fieldConfig>;

type FieldFactories = { [K in FieldConfig['type']]: (cfg: Extract<FieldConfig, { type: K }>, rng: Rng) => Field };

/** field type → constructor (the compiler checks every variant has one). */
export const fields: FieldFactories = {
  mlp: ({ type: _, ...cfg }, rng) => new NerfField(cfg, rng),
  grid: ({ type: _, ...cfg }, rng) => new GridField(cfg, rng),
};

export function makeField(cfg: FieldConfig, rng: Rng): Field {
  return (fields[cfg.type] as (c: FieldConfig, rng: Rng) => Field)(cfg, rng);
}

export const renderConfig = z
  .strictObject({
    /** Rendered images are size×size: the teacher's 32. */
    size: z.literal(32).default(32),
    /** Render at size·supersample and area-downsample (2: a 64×64 render averaged 2×2). */
    supersample: z.int().min(1).max(4).default(1),
    /** Stratified samples per ray. */
    numSamples: count().default(48),
    /** Radius of the bounding sphere the samples are drawn in (the scene bounds). */
    radius: z.number().positive().default(1),
    /** Background behind the scene: white (the teacher's), or a random colour per view. */
    background: z.enum(['white', 'random']).default('white'),
    /** Finite-difference step of the density-gradient normals. */
    normalStep: z.number().positive().default(0.01),
  })
  .prefault({});
export type RenderConfig = z.infer<typeof renderConfig>;

export const dreamfusionConfig = z.strictObject({
  type: z.literal('dreamfusion'),
  /** "a <colour> <shape>"; each view appends its view ("…, side view"). */
  prompt: z.string().superRefine((p, ctx) => {
    const problem = promptProblem(p);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, input: p });
  }),
  /** The frozen prior: a shipped prompt-conditioned teacher (model directory). */
  prior: z
    .strictObject({
      path: z.string().default('checkpoints/shapes-unet-cam'),
      /**
       * Give a camera-conditioned teacher (checkpoints/shapes-unet-cam) each view's exact azimuth and elevation besides
       * the view word of the prompt. false: the view word only, as for a teacher without camera conditioning, which
       * ignores this setting.
       */
      camera: z.boolean().default(true),
    })
    .prefault({}),
  field: fieldConfig.prefault({ type: 'mlp' }),
  render: renderConfig,
  camera: cameraConfig,
  shading: shadingConfig,
  /** Random views rendered and scored per step. */
  viewsPerStep: count().default(2),
  sds: sdsConfig,
  /** Weights of the regularizers (schedulable). */
  regularizers: z
    .strictObject({
      /** DreamFusion's orientation loss: mean O·max(0, n·d)² (normals facing away from the camera). */
      orientation: scalar({ min: 0 }).prefault(0),
      /** Sparsity: the mean opacity of the rendered pixels (threestudio's lambda_sparsity). */
      sparsity: scalar({ min: 0 }).prefault(0),
      /** Opaqueness: the binary entropy of each pixel's opacity (threestudio's lambda_opaque). */
      opaque: scalar({ min: 0 }).prefault(0),
    })
    .prefault({}),
  optimizer: optimizerConfig.prefault({ type: 'adam', lr: 0.01 }),
  /** Outputs: the turntable, and the mesh of the density (marching cubes). */
  export: z
    .strictObject({
      /** Also export every this many steps during training (atomically replaced); 0 = only at the end. */
      every: z.int().min(0).default(0),
      /** Marching-cubes grid resolution per axis. */
      resolution: count().default(64),
      /** Density threshold of the surface (σ). */
      threshold: z.number().positive().default(5),
      /** Turntable: this many azimuths at this elevation. */
      turntableViews: count().default(16),
      turntableElevation: z.number().min(-89).max(89).default(15),
    })
    .prefault({}),
  /** The shapes classifier that scores the turntable. */
  classifier: z.string().default('checkpoints/shapes-classifier'),
});
export type DreamfusionConfig = z.infer<typeof dreamfusionConfig>;
