/**
 * `toy-sample`: draws N samples from an analytic toy prior with a sampler (DDIM / DDPM / Heun, Song et al. 2021,
 * Ho et al. 2020, Karras et al. 2022) and scores them against the true modes. Outputs `samples.npy` [N,2], the scatter
 * plot `images/samples.png` (also in TensorBoard), and mode metrics (shares, spread, median distance).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as z from 'zod';
import { withGuidance } from '../core/diffusion/guidance.ts';
import { count } from '../core/train/config/schema.ts';
import type { GaussianMixtureDenoiser } from '../core/diffusion/gmm.ts';
import { writeNpy } from '../core/io/npy.ts';
import { writePng } from '../core/io/png.ts';
import type { SummaryWriter } from '../core/log/tfevents.ts';
import { Rng } from '../core/rng.ts';
import type { Metrics } from '../core/train/run.ts';
import { sample, SAMPLER_NAMES } from '../core/diffusion/samplers.ts';
import type { System, SystemContext, SystemState } from '../core/train/trainer.ts';
import { distancesToNearest, modeMetrics, modesPlot } from './figures.ts';
import { analyticPriorConfig, makePrior } from '../core/model/prior.ts';
import { checkLabel, labelCondition, labelConfig } from './condition.ts';

export const toySampleConfig = z.strictObject({
  type: z.literal('toy-sample'),
  /** The analytic prior, with its noise schedule. */
  prior: analyticPriorConfig,
  /** Number of samples. */
  n: count().default(4096),
  sampler: z.enum(SAMPLER_NAMES as ['ddpm', 'ddim', 'heun']).default('ddim'),
  /** Sampler steps (Heun: 2·steps − 1 evaluations). */
  steps: count().default(50),
  /** DDIM stochasticity η (ddim only). */
  eta: z.number().min(0).max(1).default(0),
  /** Component to sample (null: the whole mixture). */
  label: labelConfig,
  /** Classifier-free guidance scale (with a label). */
  cfgScale: z.number().default(1),
}).superRefine(checkLabel);
export type ToySampleConfig = z.infer<typeof toySampleConfig>;

export class ToySampleSystem implements System {
  private readonly prior: GaussianMixtureDenoiser;
  private rng: Rng;
  private samples: tf.Tensor2D | null = null;

  constructor(
    readonly cfg: ToySampleConfig,
    private readonly ctx: SystemContext,
  ) {
    this.prior = makePrior(cfg.prior).model;
    labelCondition(cfg.label, 0, this.prior.numComponents); // validates the label
    this.rng = new Rng(ctx.seed);
  }

  /** The whole draw is one step; the sampler's steps happen inside it. */
  step(): Record<string, number> {
    const { n, sampler, steps, eta, label, cfgScale } = this.cfg;
    const cond = labelCondition(label, n, this.prior.numComponents);
    const t0 = Date.now();
    this.samples?.dispose();
    this.samples = tf.tidy(
      () => sample(withGuidance(this.prior, cfgScale), n, { sampler, steps, eta, cond, rng: this.rng }) as tf.Tensor2D,
    );
    return { 'sample/seconds': (Date.now() - t0) / 1000 };
  }

  state(): SystemState {
    return { tensors: this.samples ? { samples: this.samples.clone() } : {}, rngs: { sample: this.rng.state() } };
  }

  load(state: SystemState): void {
    this.rng = Rng.fromState(state.rngs.sample);
    this.samples?.dispose();
    this.samples = state.tensors.samples ? (state.tensors.samples.clone() as tf.Tensor2D) : null;
  }

  logImages(step: number, writer: SummaryWriter): void {
    if (!this.samples) return;
    const pts = this.samples.dataSync() as Float32Array;
    writer.image('samples', modesPlot(pts, this.prior.spec, this.title()), step);
    writer.histogram('distance_to_nearest_mode', distancesToNearest(pts, this.prior.spec), step);
  }

  finish(): Metrics {
    if (!this.samples) throw new Error('toy-sample: finish() before the sampling step');
    const pts = this.samples.dataSync() as Float32Array;
    writeNpy(this.ctx.run.path('samples.npy'), pts, [...this.samples.shape]);
    writePng(this.ctx.run.path('images', 'samples.png'), modesPlot(pts, this.prior.spec, this.title()));
    return modeMetrics(pts, this.prior.spec);
  }

  dispose(): void {
    this.samples?.dispose();
    this.samples = null;
  }

  private title(): string {
    const { n, sampler, steps, label } = this.cfg;
    return `${sampler} ${steps} steps, ${n} samples${label === null ? '' : `, label ${label}`}`;
  }
}
