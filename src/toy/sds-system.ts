/**
 * `toy-sds`: particles x ∈ ℝ² optimized by Score Distillation Sampling (Poole et al. 2022, eq. 3) against an analytic
 * toy prior, conditioned on one component (with CFG) or unconditional. The particles are the "parameters" θ and the
 * renderer is the identity, so the SDS update is exactly w(t)·(ε̃(x_t; y, t) − ε). Outputs `samples.npy` (the final
 * particles), a scatter plot over time in TensorBoard, and how the particles sit on the modes.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as z from 'zod';
import { loadTensor, optimizerTensors, restoreOptimizer } from '../core/train/checkpoint.ts';
import { makeOptimizer, optimizerConfig, setLearningRate } from '../core/train/config/optimizer.ts';
import type { Scalar } from '../core/train/config/scalar.ts';
import { count } from '../core/train/config/schema.ts';
import { sdsConfig } from '../core/train/config/sds.ts';
import type { Condition } from '../core/diffusion/denoiser.ts';
import { DalError } from '../core/errors.ts';
import type { GaussianMixtureDenoiser } from '../core/diffusion/gmm.ts';
import { writeNpy } from '../core/io/npy.ts';
import { writePng } from '../core/io/png.ts';
import type { SummaryWriter } from '../core/log/tfevents.ts';
import { Rng } from '../core/rng.ts';
import type { Metrics } from '../core/train/run.ts';
import { sds } from '../core/diffusion/sds.ts';
import { weightedLoss } from '../core/train/weighted-loss.ts';
import type { System, SystemContext, SystemState } from '../core/train/trainer.ts';
import { distancesTo, distancesToNearest, fractionWithin, median, modeMetrics, modesPlot } from './figures.ts';
import { analyticPriorConfig, makePrior } from '../core/model/prior.ts';
import { checkLabel, labelCondition, labelConfig } from './condition.ts';

export const toySdsConfig = z.strictObject({
  type: z.literal('toy-sds'),
  /** The analytic prior, with its noise schedule. */
  prior: analyticPriorConfig,
  /** Number of particles, drawn from N(0, initStd² I). */
  particles: count().default(512),
  initStd: z.number().positive().default(1),
  /** Component to condition on (null: unconditional). */
  label: labelConfig,
  sds: sdsConfig,
  /** The weight λ of each loss term (threestudio's lambda_*); the toy has one, `sds`. */
  lambdas: z.strictObject({ sds: z.number().min(0).default(1) }).prefault({}),
  optimizer: optimizerConfig,
  /** Radius around the target (or nearest) mode counted as "at the mode" in the metrics. */
  radius: z.number().positive().default(0.3),
}).superRefine(checkLabel);
export type ToySdsConfig = z.infer<typeof toySdsConfig>;

export class ToySdsSystem implements System {
  private readonly prior: GaussianMixtureDenoiser;
  private readonly x: tf.Variable;
  private readonly optimizer: tf.Optimizer;
  private readonly cond: Condition | null;
  private rng: Rng;

  constructor(
    readonly cfg: ToySdsConfig,
    private readonly ctx: SystemContext,
  ) {
    this.prior = makePrior(cfg.prior).model;
    const root = new Rng(ctx.seed);
    const init = root.fork();
    this.rng = root.fork();
    this.x = tf.tidy(() => tf.variable(tf.mul(init.normalTensor([cfg.particles, 2]), cfg.initStd), true, undefined, 'float32'));
    this.optimizer = makeOptimizer(cfg.optimizer, ctx.steps);
    this.cond = labelCondition(cfg.label, cfg.particles, this.prior.numComponents);
  }

  step(step: number): Record<string, number> {
    const { steps } = this.ctx;
    const { sds: s, optimizer } = this.cfg;
    const at = (v: Scalar) => v.at(step, steps);
    const [tMin, tMax, cfgScale, lr] = [at(s.tMin), at(s.tMax), at(s.cfgScale), at(optimizer.lr)];
    if (!(tMin <= tMax)) {
      throw new DalError(`step ${step}: system.sds.tMin (${tMin}) exceeds system.sds.tMax (${tMax}); fix their schedules`);
    }
    setLearningRate(this.optimizer, lr);
    let terms: Record<string, number> = {};
    let losses: Record<string, number> = {};
    tf.tidy(() => {
      this.optimizer.minimize(
        () => {
          const r = sds(this.prior, this.x, { tMin, tMax, weighting: s.weighting, cfgScale, cond: this.cond, gradClip: s.gradClip }, this.rng);
          terms = r.terms;
          const w = weightedLoss({ sds: r.loss }, this.cfg.lambdas);
          losses = w.log;
          return w.loss;
        },
        false,
        [this.x],
      );
    });
    const out: Record<string, number> = {
      ...losses,
      'sds/gradNorm': terms.gradNorm,
      'sds/tMean': terms.tMean,
      'sds/wMean': terms.wMean,
    };
    if (s.gradClip !== null) out['sds/clipFraction'] = terms.clipFraction;
    // Scheduled settings are worth a curve; constants are in the config text.
    for (const [name, v] of [['sds/tMin', s.tMin], ['sds/tMax', s.tMax], ['sds/cfgScale', s.cfgScale], ['lr', optimizer.lr]] as const) {
      if (!v.isConstant) out[name] = at(v);
    }
    return out;
  }

  async state(): Promise<SystemState> {
    return {
      tensors: { particles: this.x.clone(), ...(await optimizerTensors(this.optimizer)) },
      rngs: { sds: this.rng.state() },
    };
  }

  async load(state: SystemState): Promise<void> {
    loadTensor('particles', this.x, state.tensors);
    await restoreOptimizer(this.optimizer, state.tensors);
    this.rng = Rng.fromState(state.rngs.sds);
  }

  logImages(step: number, writer: SummaryWriter): void {
    const pts = this.x.dataSync() as Float32Array;
    writer.image('particles', modesPlot(pts, this.prior.spec, `SDS step ${step}`), step);
    writer.histogram('distance_to_mode', this.distances(pts), step);
  }

  finish(): Metrics {
    const pts = this.x.dataSync() as Float32Array;
    writeNpy(this.ctx.run.path('samples.npy'), pts, [...this.x.shape]);
    writePng(this.ctx.run.path('images', 'particles.png'), modesPlot(pts, this.prior.spec, `SDS after ${this.ctx.steps} steps`));
    const metrics = modeMetrics(pts, this.prior.spec);
    const r = this.cfg.radius;
    metrics.nearestWithin = fractionWithin(distancesToNearest(pts, this.prior.spec), r);
    metrics.meanRadius = meanNorm(pts);
    if (this.cfg.label !== null) {
      const d = this.distances(pts);
      metrics.targetWithin = fractionWithin(d, r);
      metrics.targetMedianDist = median(d);
    }
    return metrics;
  }

  dispose(): void {
    this.x.dispose();
    this.optimizer.dispose();
  }

  /** Distance of each particle to the target mode (conditional) or to its nearest mode. */
  private distances(pts: Float32Array): Float32Array {
    const { label } = this.cfg;
    return label === null ? distancesToNearest(pts, this.prior.spec) : distancesTo(pts, this.prior.spec.means[label]);
  }
}

function meanNorm(pts: Float32Array): number {
  let s = 0;
  for (let i = 0; i < pts.length; i += 2) s += Math.hypot(pts[i], pts[i + 1]);
  return s / (pts.length / 2);
}
