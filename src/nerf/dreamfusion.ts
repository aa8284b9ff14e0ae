/**
 * `dreamfusion`: text-to-3D with a 2-D prior (Poole et al. 2022, arXiv 2209.14988). Each step renders the field
 * from `viewsPerStep` random cameras (camera.ts), shaded at random after an albedo-only warm-up (shading.ts), maps the
 * renders to the teacher's [−1, 1], and pushes the field by the SDS gradient w(t)·(ε̃(x_t; y_view, t) − ε) of the
 * frozen shapes teacher under classifier-free guidance on the view-dependent prompt (src/core/diffusion/sds.ts), plus
 * the weighted regularizers. A camera-conditioned teacher also gets each view's exact (azimuth, elevation), in both
 * branches of the guidance. Outputs: the turntable (turntable.npy, images/turntable.png), the mesh (export.ts) and the
 * classifier / geometry scores (metrics.json).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Condition, Denoiser } from '../core/diffusion/denoiser.ts';
import { sds } from '../core/diffusion/sds.ts';
import { DalError } from '../core/errors.ts';
import type { SummaryWriter } from '../core/log/tfevents.ts';
import { loadModel } from '../core/model/model-dir.ts';
import { parameterList } from '../core/nn/module.ts';
import { Rng } from '../core/rng.ts';
import { loadModule, moduleTensors, optimizerTensors, restoreOptimizer } from '../core/train/checkpoint.ts';
import { makeOptimizer, setLearningRate } from '../core/train/config/optimizer.ts';
import type { Scalar } from '../core/train/config/scalar.ts';
import type { Metrics } from '../core/train/run.ts';
import type { System, SystemContext, SystemState } from '../core/train/trainer.ts';
import { sampleCamera, viewPrompt } from './camera.ts';
import type { DreamfusionConfig } from './dreamfusion-config.ts';
import { makeField } from './dreamfusion-config.ts';
import { exportRun, turntable, turntableImage } from './export.ts';
import type { Field } from './field.ts';
import { promptClass, type PromptClass } from './prompt.ts';
import { renderViews } from './render.ts';
import { sampleShading } from './shading.ts';

export class DreamfusionSystem implements System {
  readonly field: Field;
  readonly target: PromptClass;
  private readonly prior: Denoiser & { dispose(): void };
  /** Whether the SDS condition carries the cameras (a camera-conditioned prior, and system.prior.camera). */
  private readonly cameraConditioned: boolean;
  private readonly optimizer: tf.Optimizer;
  private readonly params: tf.Variable[];
  /** cameras, shading and backgrounds; stratification jitter; SDS draws (t, ε) */
  private rngs: { views: Rng; samples: Rng; sds: Rng };

  constructor(
    readonly cfg: DreamfusionConfig,
    private readonly ctx: SystemContext,
  ) {
    const target = promptClass(cfg.prompt);
    if (!target) throw new DalError(`system.prompt "${cfg.prompt}" is not "a <colour> <shape>"`);
    this.target = target;
    const { denoiser, manifest } = loadModel(cfg.prior.path);
    if (denoiser.conditioning !== 'prompt' || manifest.sampleShape.join() !== '32,32,3') {
      denoiser.dispose();
      throw new DalError(`system.prior.path: ${cfg.prior.path} is not a prompt-conditioned 32×32 RGB teacher (use checkpoints/shapes-unet-cam)`);
    }
    this.prior = denoiser;
    this.cameraConditioned = denoiser.architecture.camera && cfg.prior.camera;
    const root = new Rng(ctx.seed);
    this.field = makeField(cfg.field, root.fork());
    this.rngs = { views: root.fork(), samples: root.fork(), sds: root.fork() };
    this.params = parameterList(this.field);
    this.optimizer = makeOptimizer(cfg.optimizer, ctx.steps);
  }

  step(step: number): Record<string, number> {
    const { cfg } = this;
    const at = (v: Scalar) => v.at(step, this.ctx.steps);
    const [tMin, tMax, cfgScale, lr] = [at(cfg.sds.tMin), at(cfg.sds.tMax), at(cfg.sds.cfgScale), at(cfg.optimizer.lr)];
    const lambda = { orientation: at(cfg.regularizers.orientation), sparsity: at(cfg.regularizers.sparsity), opaque: at(cfg.regularizers.opaque) };
    if (!(tMin <= tMax)) throw new DalError(`step ${step}: system.sds.tMin (${tMin}) exceeds system.sds.tMax (${tMax}); fix their schedules`);
    setLearningRate(this.optimizer, lr);

    const cams = Array.from({ length: cfg.viewsPerStep }, () => sampleCamera(cfg.camera, this.rngs.views));
    const shading = cams.map((c) => sampleShading(cfg.shading, c, step, this.rngs.views));
    const background = cams.map(() => (cfg.render.background === 'random' ? [0, 1, 2].map(() => this.rngs.views.uniform()) : [1, 1, 1]));
    const prompts = cams.map((c) => viewPrompt(cfg.prompt, c));
    const cond: Condition = { prompts };
    if (this.cameraConditioned) cond.cameras = Float32Array.from(cams.flatMap((c) => [c.azimuthDeg, c.elevationDeg]));

    const terms: Record<string, number> = {};
    tf.tidy(() => {
      this.optimizer.minimize(
        () => {
          const r = renderViews(this.field, cams, {
            ...cfg.render,
            shading,
            ambient: cfg.shading.ambient,
            background,
            rng: this.rngs.samples,
            orientation: lambda.orientation > 0,
          });
          const x = tf.sub(tf.mul(r.image, 2), 1); // the teacher's data range [−1, 1]
          const s = sds(this.prior, x, { tMin, tMax, weighting: cfg.sds.weighting, cfgScale, cond, gradClip: cfg.sds.gradClip }, this.rngs.sds);
          // SDS is a sum over pixels; the regularizers are means, weighted from the config.
          const parts: Record<string, tf.Scalar> = { sds: s.loss };
          if (r.orientation) parts.orientation = tf.mean(r.orientation);
          parts.sparsity = tf.mean(r.opacity);
          const o = tf.clipByValue(r.opacity, 1e-4, 1 - 1e-4);
          parts.opaque = tf.mean(tf.neg(tf.add(tf.mul(o, tf.log(o)), tf.mul(tf.sub(1, o), tf.log(tf.sub(1, o))))));
          let total: tf.Scalar = s.loss;
          for (const [name, t] of Object.entries(parts)) {
            terms[`loss/${name}`] = t.dataSync()[0];
            const w = lambda[name as keyof typeof lambda];
            if (name !== 'sds' && w > 0) total = tf.add(total, tf.mul(t, w));
          }
          terms['loss/total'] = total.dataSync()[0];
          terms['sds/gradNorm'] = s.terms.gradNorm;
          terms['sds/tMean'] = s.terms.tMean;
          terms['sds/wMean'] = s.terms.wMean;
          if (cfg.sds.gradClip !== null) terms['sds/clipFraction'] = s.terms.clipFraction;
          return total;
        },
        false,
        this.params,
      );
    });
    terms['render/shaded'] = shading.filter((s) => s.shading !== 'albedo').length / shading.length;
    const scheduled: [string, Scalar][] = [
      ['sds/tMin', cfg.sds.tMin],
      ['sds/tMax', cfg.sds.tMax],
      ['sds/cfgScale', cfg.sds.cfgScale],
      ['lr', cfg.optimizer.lr],
      ['lambda/orientation', cfg.regularizers.orientation],
      ['lambda/sparsity', cfg.regularizers.sparsity],
      ['lambda/opaque', cfg.regularizers.opaque],
    ];
    for (const [name, v] of scheduled) if (!v.isConstant) terms[name] = at(v);
    // A non-finite term is the trainer's to report (naming the term); a NaN that hides in the field is caught here.
    if (Object.values(terms).every(Number.isFinite)) this.checkField(step);
    const every = cfg.export.every;
    if (every > 0 && (step + 1) % every === 0 && step + 1 < this.ctx.steps) this.export();
    return terms;
  }

  async state(): Promise<SystemState> {
    const tensors = { ...moduleTensors('field', this.field), ...(await optimizerTensors(this.optimizer)) };
    return { tensors, rngs: { views: this.rngs.views.state(), samples: this.rngs.samples.state(), sds: this.rngs.sds.state() } };
  }

  async load(state: SystemState): Promise<void> {
    loadModule('field', this.field, state.tensors);
    await restoreOptimizer(this.optimizer, state.tensors);
    const r = state.rngs;
    if (!r.views || !r.samples || !r.sds) throw new DalError('checkpoint does not match the config: RNG states views/samples/sds missing');
    this.rngs = { views: Rng.fromState(r.views), samples: Rng.fromState(r.samples), sds: Rng.fromState(r.sds) };
  }

  logImages(step: number, writer: SummaryWriter): void {
    const images = turntable(this.field, this.cfg);
    writer.image('turntable', turntableImage(images, this.cfg.export.turntableViews), step);
  }

  /** The final export; the trainer logs the returned scores as `metrics/<name>` and writes metrics.json. */
  finish(): Promise<Metrics> {
    return this.export();
  }

  dispose(): void {
    this.field.dispose();
    this.optimizer.dispose();
    this.prior.dispose();
  }

  private export(): Promise<Metrics> {
    return exportRun(this.ctx.run.root, this.field, this.cfg, this.target);
  }

  /** A NaN in the field's parameters stops the run here (before the next checkpoint could store it). */
  private checkField(step: number): void {
    // One reduction: a NaN/Inf anywhere makes the sum non-finite; only then look for the culprit.
    const sum = tf.tidy(() => tf.addN(this.params.map((v) => tf.sum(v))).dataSync()[0]);
    if (Number.isFinite(sum)) return;
    const bad = Object.entries(this.field.parameters()).find(([, v]) => tf.tidy(() => !Number.isFinite(tf.sum(v).dataSync()[0])))?.[0] ?? '?';
    {
      throw new DalError(
        `step ${step}: the field parameter ${bad} became NaN/Inf (after loss/total); training diverged. Lower ` +
          `system.optimizer.lr or set system.sds.gradClip, and start again or --resume from the last good checkpoint.`,
      );
    }
  }
}
