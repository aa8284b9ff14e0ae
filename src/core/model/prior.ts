/**
 * Priors from config: the frozen diffusion model that SDS, DreamFusion, DMD, the toys and `dal sample` optimize or
 * sample against, as one typed config (a discriminated union) and one constructor.
 *
 * - `{type: ring, n, radius, std, schedule}`: the analytic Gaussian mixture on a circle (ring8 = the defaults), with
 *   its exact noised ε at every t (src/core/diffusion/gmm.ts);
 * - `{type: checkpoint, path, guidance?}`: a shipped or trained model directory (src/core/model/model-dir.ts), loaded
 *   frozen; its default guidance is the one its manifest's evaluation used (`dal eval --write`).
 *
 * A `Prior` is a `Denoiser` plus what its users need to know about it (conditioning, default guidance, data range)
 * and `dispose()`.
 */
import * as z from 'zod';
import type { Condition, Denoiser } from '../diffusion/denoiser.ts';
import { GaussianMixtureDenoiser, ringMixture } from '../diffusion/gmm.ts';
import { makeSchedule, scheduleConfig } from '../diffusion/schedule.ts';
import type * as tf from '@tensorflow/tfjs-core';
import { count } from '../train/config/schema.ts';
import { evaluatedGuidance, loadModel, type ModelManifest } from './model-dir.ts';
import type { ConditioningKind, UNetDenoiser } from './unet-denoiser.ts';

/** `{type: ring, n, radius, std}`: n equal-weight components of std `std`, component k at angle 2πk/n. */
export const ringPriorConfig = z.strictObject({
  type: z.literal('ring'),
  n: count().default(8),
  radius: z.number().positive().default(2),
  std: z.number().positive().default(0.1),
  /** The VP noise schedule of the noised marginals. */
  schedule: scheduleConfig.prefault({ type: 'cosine' }),
});

/** `{type: checkpoint, path, guidance?}`: a model directory (e.g. checkpoints/mnist-unet). */
export const checkpointPriorConfig = z.strictObject({
  type: z.literal('checkpoint'),
  /** The model directory (manifest.json + weights.bin). */
  path: z.string().min(1),
  /** Default classifier-free guidance scale (default: the manifest's evaluated guidance, else 1). */
  guidance: z.number().optional(),
});

/** The analytic priors (exact scores; what the toys accept). */
export const analyticPriorConfig = z.discriminatedUnion('type', [ringPriorConfig]);
export type AnalyticPriorConfig = z.infer<typeof analyticPriorConfig>;

/** Every prior. */
export const priorConfig = z.discriminatedUnion('type', [ringPriorConfig, checkpointPriorConfig]);
export type PriorConfig = z.infer<typeof priorConfig>;
export type PriorConfigInput = z.input<typeof priorConfig>;

/** A frozen diffusion prior: a `Denoiser` with its facts and a `dispose()`. */
export interface Prior<M extends Denoiser = Denoiser> extends Denoiser {
  /** The model behind it (GaussianMixtureDenoiser, UNetDenoiser). */
  readonly model: M;
  readonly conditioning: ConditioningKind;
  /** Number of class labels (label conditioning), else 0. */
  readonly numLabels: number;
  /** The guidance scale to use when none is given. */
  readonly guidance: number;
  /** Where the data lives (a checkpoint's `data.range`), e.g. [−1, 1] for images; undefined for the toys. */
  readonly range?: [number, number];
  /** The manifest of a checkpoint prior. */
  readonly manifest?: ModelManifest;
  /** Releases the model's weights (a no-op for analytic priors). */
  dispose(): void;
}

/** An analytic Gaussian-mixture prior (its `model` has the mixture's spec and exact sampler). */
export type MixturePrior = Prior<GaussianMixtureDenoiser>;
/** A checkpoint prior (its `model` is the loaded, frozen U-Net denoiser). */
export type CheckpointPrior = Prior<UNetDenoiser> & { readonly manifest: ModelManifest; readonly range: [number, number] };

/**
 * The prior a config names. Accepts parsed configs or plain objects (defaults filled in here).
 * @throws DalError (checkpoint) naming the file when the model directory is missing or corrupt
 */
export function makePrior(cfg: z.input<typeof ringPriorConfig>): MixturePrior;
export function makePrior(cfg: z.input<typeof checkpointPriorConfig>): CheckpointPrior;
export function makePrior(cfg: PriorConfigInput): Prior;
export function makePrior(input: PriorConfigInput): Prior {
  const cfg = priorConfig.parse(input);
  switch (cfg.type) {
    case 'ring': {
      const model = new GaussianMixtureDenoiser(ringMixture(cfg.n, cfg.radius, cfg.std), makeSchedule(cfg.schedule));
      return asPrior(model, { conditioning: 'label', numLabels: model.numComponents, guidance: 1, dispose: () => {} });
    }
    case 'checkpoint': {
      const { denoiser, manifest } = loadModel(cfg.path);
      return asPrior(denoiser, {
        conditioning: denoiser.conditioning,
        numLabels: denoiser.architecture.unet.numClasses,
        guidance: cfg.guidance ?? evaluatedGuidance(manifest),
        range: manifest.data.range,
        manifest,
        dispose: () => denoiser.dispose(),
      });
    }
    default: {
      const never: never = cfg;
      throw new Error(`unknown prior ${JSON.stringify(never)}`);
    }
  }
}

function asPrior<M extends Denoiser>(model: M, facts: Omit<Prior<M>, 'model' | 'schedule' | 'sampleShape' | 'eps'>): Prior<M> {
  return {
    model,
    schedule: model.schedule,
    sampleShape: model.sampleShape,
    eps: (x: tf.Tensor, t: tf.Tensor1D, cond?: Condition | null) => model.eps(x, t, cond),
    ...facts,
  };
}
