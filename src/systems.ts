/**
 * The explicit table from a config's `system.type` to its implementation. Each variant's config schema is listed once
 * in the union and once in the table; the mapped type makes the compiler reject a variant without an implementation.
 * Registration is this list, not an import side effect.
 */
import * as z from 'zod';
import { runConfigSchema } from './core/train/config/schema.ts';
import { TeacherSystem, teacherConfig } from './teacher/train-system.ts';
import type { System, SystemContext } from './core/train/trainer.ts';
import { ToySampleSystem, toySampleConfig } from './toy/sample-system.ts';
import { ToySdsSystem, toySdsConfig } from './toy/sds-system.ts';
import { DreamfusionSystem } from './nerf/dreamfusion.ts';
import { dreamfusionConfig } from './nerf/dreamfusion-config.ts';
import { createDmdSystem, dmdConfig } from './distill/dmd-system.ts';
import { ToyDmdSystem, toyDmdConfig } from './distill/toy-dmd-system.ts';

/** Every system's config, discriminated by `type`. */
export const systemConfig = z.discriminatedUnion('type', [
  toySampleConfig,
  toySdsConfig,
  teacherConfig,
  dreamfusionConfig,
  dmdConfig,
  toyDmdConfig,
]);
export type SystemConfig = z.infer<typeof systemConfig>;

/** The schema of a whole run config file. */
export const runConfig = runConfigSchema(systemConfig);
export type RunConfig = z.infer<typeof runConfig>;

type SystemFactories = {
  [K in SystemConfig['type']]: (cfg: Extract<SystemConfig, { type: K }>, ctx: SystemContext) => System | Promise<System>;
};

/** type → constructor. */
export const systems: SystemFactories = {
  'toy-sample': (cfg, ctx) => new ToySampleSystem(cfg, ctx),
  'toy-sds': (cfg, ctx) => new ToySdsSystem(cfg, ctx),
  teacher: (cfg, ctx) => new TeacherSystem(cfg, ctx),
  dreamfusion: (cfg, ctx) => new DreamfusionSystem(cfg, ctx),
  dmd: (cfg, ctx) => createDmdSystem(cfg, ctx),
  'toy-dmd': (cfg, ctx) => new ToyDmdSystem(cfg, ctx),
};

/** A short description of each system, for `dal run --help`. */
export const systemDescriptions: Record<SystemConfig['type'], string> = {
  'toy-sample': 'draw samples from an analytic toy prior (DDIM/DDPM/Heun) and score them against its modes',
  'toy-sds': 'optimize 2-D particles by SDS against an analytic toy prior (conditional with CFG, or unconditional)',
  teacher: 'train a U-Net teacher by denoising score matching on MNIST (labels) or shapes (prompts), with EMA and CFG dropout',
  dreamfusion: 'text-to-3D: a NeRF optimized by SDS against the shapes teacher (view prompts, CFG), exported as a turntable and a mesh',
  dmd: 'distill a teacher model directory into a one-step generator by distribution matching (DMD/DMD2: real and fake scores, regression pairs)',
  'toy-dmd': 'DMD on a 2-D analytic mixture: MLP one-step generator, exact real score, MLP fake score (or none), regression pairs, optional GAN head',
};

/** Builds the system a run config names. */
export function createSystem(cfg: SystemConfig, ctx: SystemContext): System | Promise<System> {
  const factory = systems[cfg.type] as (c: SystemConfig, ctx: SystemContext) => System | Promise<System>;
  return factory(cfg, ctx);
}
