/**
 * `teacher`: trains a U-Net denoiser by denoising score matching (Ho et al. 2020 eq. 14, "L_simple", in continuous time:
 * t ~ U[0, 1], x_t = α(t)·x₀ + σ(t)·ε, loss ‖ε̂(x_t, t, y) − ε‖², or ‖v̂ − v‖² with v = α·ε − σ·x₀, Salimans & Ho 2022
 * §4) on MNIST (labels) or the multi-view shapes (prompts), with condition dropout for classifier-free guidance (Ho &
 * Salimans 2022 Alg. 1), Adam with a scheduled learning rate, clipping by global norm, and an EMA of the weights with
 * warm-up. Sample grids (DDIM + CFG, EMA weights) go to TensorBoard and images/; at the end the EMA weights are
 * exported as a model directory (`model/`, the shipped format). Training seconds and steps accumulate across resumes.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as z from 'zod';
import { denoisingLoss } from '../core/diffusion/denoising-loss.ts';
import { withGuidance } from '../core/diffusion/guidance.ts';
import { clipByGlobalNorm } from '../core/train/clip.ts';
import { loadModule, moduleTensors, optimizerTensors, restoreOptimizer } from '../core/train/checkpoint.ts';
import { makeOptimizer, optimizerConfig, setLearningRate } from '../core/train/config/optimizer.ts';
import { count } from '../core/train/config/schema.ts';
import type { Condition } from '../core/diffusion/denoiser.ts';
import { DalError } from '../core/errors.ts';
import { imageGrid, writePng } from '../core/io/png.ts';
import type { SummaryWriter } from '../core/log/tfevents.ts';
import { parameterList } from '../core/nn/module.ts';
import { Rng } from '../core/rng.ts';
import type { Metrics } from '../core/train/run.ts';
import { sample, SAMPLER_NAMES } from '../core/diffusion/samplers.ts';
import { makeSchedule, scheduleConfig, type Schedule } from '../core/diffusion/schedule.ts';
import type { System, SystemContext, SystemState } from '../core/train/trainer.ts';
import { balancedConditions, makeTeacherData, type TeacherData } from '../core/data/conditional.ts';
import { Ema } from '../core/train/ema.ts';
import { saveDenoiser, type ModelManifest } from '../core/model/model-dir.ts';
import { UNetDenoiser, type UNetDenoiserArchitecture } from '../core/model/unet-denoiser.ts';
import { unetConfig } from '../core/nn/unet.ts';

export const teacherConfig = z.strictObject({
  type: z.literal('teacher'),
  /** Training data: MNIST digits (label-conditioned) or rendered shapes (prompt-conditioned). */
  data: z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('mnist') }),
    z.strictObject({ type: z.literal('shapes'), size: z.union([z.literal(32), z.literal(64)]).default(32) }),
  ]),
  /** The U-Net (src/core/nn/unet.ts); input channels, resolution and classes come from the data. */
  unet: unetConfig.omit({ inChannels: true, resolution: true, numClasses: true }).prefault({}),
  /** The prompt encoder (shapes only). */
  prompt: z.strictObject({ dim: count().default(64), maxLen: count().default(12) }).prefault({}),
  schedule: scheduleConfig.prefault({ type: 'cosine' }),
  /** What the network predicts: ε (default) or v. */
  prediction: z.enum(['eps', 'v']).default('eps'),
  batchSize: count().default(128),
  /** Probability of replacing an example's condition by the null one (for CFG). */
  condDropout: z.number().min(0).max(1).default(0.1),
  /**
   * Camera conditioning (shapes only; src/core/model/camera-encoder.ts): the teacher also sees each render's exact
   * (azimuth, elevation); `dropout` is the probability of hiding an example's camera (independently of condDropout),
   * so that the teacher also samples without one. null: the view is known from the prompt's view word only.
   */
  camera: z.strictObject({ dropout: z.number().min(0).max(1).default(0.2) }).nullable().default(null),
  optimizer: optimizerConfig,
  /** Clip the gradient to this global L2 norm (null: no clipping). */
  gradClip: z.number().positive().nullable().default(1),
  /** EMA decay after warm-up (decay_n = min(decay, (1 + n)/(10 + n))). */
  emaDecay: z.number().min(0).lt(1).default(0.999),
  /** Sample grids (EMA weights), at trainer.imageEvery and at the end. */
  preview: z
    .strictObject({
      n: count().default(100),
      sampler: z.enum(SAMPLER_NAMES as ['ddpm', 'ddim', 'heun']).default('ddim'),
      steps: count().default(25),
      guidance: z.number().default(3),
    })
    .prefault({}),
  /** Storage of the exported model's weights. */
  exportStorage: z.enum(['float32', 'float16']).default('float32'),
});
export type TeacherConfig = z.infer<typeof teacherConfig>;

/** What a teacher run carries across resumes besides tensors and RNGs. */
interface TeacherExtra {
  seconds: number;
  emaUpdates: number;
  data: ReturnType<TeacherData['state']>;
  lossEma: number | null;
}

/** The architecture a teacher config trains. */
export function teacherArchitecture(cfg: TeacherConfig, data: Pick<TeacherData, 'sampleShape' | 'conditioning' | 'numClasses'>): UNetDenoiserArchitecture {
  const [res, , channels] = data.sampleShape;
  return {
    unet: { ...cfg.unet, inChannels: channels, resolution: res, numClasses: data.conditioning === 'label' ? data.numClasses : 0 },
    prompt: data.conditioning === 'prompt' ? { ...cfg.prompt } : null,
    camera: cfg.camera !== null,
  };
}

/** The cameras with each one replaced by the null camera (azimuth NaN) with probability p; one `uniform()` each. */
function dropCameras(cameras: Float32Array, p: number, rng: Rng): Float32Array {
  const out = cameras.slice();
  for (let i = 0; i < out.length / 2; i++) if (rng.uniform() < p) out[2 * i] = Number.NaN;
  return out;
}

export class TeacherSystem implements System {
  readonly model: UNetDenoiser;
  /** The EMA weights live in this second model, which samples previews and is exported. */
  readonly emaModel: UNetDenoiser;
  private readonly ema: Ema;
  private readonly optimizer: tf.Optimizer;
  private readonly schedule: Schedule;
  private data: TeacherData;
  private rng: Rng;
  private previewRng: Rng;
  private seconds = 0;
  private mark: number | null = null;
  private lossEma: number | null = null;

  constructor(
    readonly cfg: TeacherConfig,
    private readonly ctx: SystemContext,
  ) {
    const root = new Rng(ctx.seed);
    const init = root.fork();
    this.rng = root.fork();
    if (cfg.camera && cfg.data.type !== 'shapes') throw new DalError('system.camera: camera conditioning needs the shapes data (data.type: shapes); set system.camera: null');
    this.data = makeTeacherData(cfg.data, cfg.batchSize, root.fork());
    this.previewRng = root.fork();
    this.schedule = makeSchedule(cfg.schedule);
    const arch = teacherArchitecture(cfg, this.data);
    try {
      this.model = new UNetDenoiser(arch, this.schedule, cfg.prediction, init);
      this.emaModel = new UNetDenoiser(arch, this.schedule, cfg.prediction, new Rng(0));
    } catch (e) {
      throw new DalError(`system.unet: ${(e as Error).message}`);
    }
    this.ema = new Ema(this.model.parameters(), cfg.emaDecay, this.emaModel.parameters());
    this.optimizer = makeOptimizer(cfg.optimizer, ctx.steps);
    ctx.log(`teacher: ${this.model.parameterCount.toLocaleString('en-US')} parameters, ${this.data.name}, ${this.model.conditioning} conditioning`);
  }

  step(step: number): Record<string, number> {
    this.mark ??= Date.now();
    const { cfg } = this;
    const lr = cfg.optimizer.lr.at(step, this.ctx.steps);
    setLearningRate(this.optimizer, lr);
    const batch = this.data.next();
    const b = cfg.batchSize;
    const [h, w, c] = this.data.sampleShape;
    const cond: Condition = { ...(batch.labels ? { labels: batch.labels } : {}), ...(batch.prompts ? { prompts: batch.prompts } : {}) };
    if (cfg.camera && batch.cameras) cond.cameras = dropCameras(batch.cameras, cfg.camera.dropout, this.rng);
    const vars = parameterList(this.model);
    let loss = 0;
    let gradNorm = 0;
    tf.tidy(() => {
      const x0 = tf.tensor4d(batch.x0, [b, h, w, c]);
      const { grads } = tf.variableGrads(() => {
        const r = denoisingLoss(this.model, x0, cond, this.rng, { prediction: cfg.prediction, condDropout: cfg.condDropout });
        loss = r.terms.denoise;
        return r.loss;
      }, vars);
      const clipped = clipByGlobalNorm(grads, cfg.gradClip);
      gradNorm = clipped.norm;
      this.optimizer.applyGradients(clipped.grads);
    });
    this.ema.update();
    this.lossEma = this.lossEma === null ? loss : 0.99 * this.lossEma + 0.01 * loss;
    const now = Date.now();
    this.seconds += (now - this.mark) / 1000;
    this.mark = now;
    const terms: Record<string, number> = { 'loss/denoise': loss, 'train/gradNorm': gradNorm, 'train/seconds': this.seconds };
    if (!cfg.optimizer.lr.isConstant) terms.lr = lr;
    return terms;
  }

  async state(): Promise<SystemState> {
    const tensors = { ...moduleTensors('model', this.model), ...this.ema.tensors('ema'), ...(await optimizerTensors(this.optimizer)) };
    const extra: TeacherExtra = { seconds: this.seconds, emaUpdates: this.ema.updates, data: this.data.state(), lossEma: this.lossEma };
    return { tensors, rngs: { train: this.rng.state(), preview: this.previewRng.state() }, extra };
  }

  async load(state: SystemState): Promise<void> {
    loadModule('model', this.model, state.tensors);
    const extra = state.extra as TeacherExtra;
    this.ema.load(state.tensors, extra.emaUpdates, 'ema');
    await restoreOptimizer(this.optimizer, state.tensors);
    this.rng = Rng.fromState(state.rngs.train);
    this.previewRng = Rng.fromState(state.rngs.preview);
    this.data.load(extra.data);
    this.seconds = extra.seconds;
    this.lossEma = extra.lossEma;
    this.mark = null;
  }

  /** DDIM + CFG samples of the EMA model on balanced conditions (fixed noise, so grids are comparable over time). */
  previewSamples(): { images: Float32Array; shape: [number, number, number, number] } {
    const { n, sampler, steps, guidance } = this.cfg.preview;
    const conds = balancedConditions(this.model.conditioning === 'prompt' ? 'prompt' : 'label', n, this.data.numClasses);
    const rng = Rng.fromState(this.previewRng.state());
    const x = tf.tidy(() => {
      const cond: Condition = conds.labels ? { labels: conds.labels } : { prompts: conds.prompts };
      const out = sample(withGuidance(this.emaModel, guidance), n, { sampler, steps, cond, rng, clipX0: [-1, 1] });
      return tf.clipByValue(tf.div(tf.add(out, 1), 2), 0, 1);
    });
    const images = x.dataSync() as Float32Array;
    const shape = x.shape as [number, number, number, number];
    x.dispose();
    return { images, shape };
  }

  logImages(step: number, writer: SummaryWriter): void {
    const t0 = Date.now();
    const { images, shape } = this.previewSamples();
    const cols = this.model.conditioning === 'label' ? this.data.numClasses : 10;
    const grid = imageGrid(images, shape, cols);
    writer.image('samples/ema_cfg', grid, step);
    writePng(this.ctx.run.path('images', `samples-${String(step).padStart(7, '0')}.png`), grid);
    this.ctx.log(`step ${step}: sample grid in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }

  /** Exports the EMA weights as a model directory (the shipped format). */
  exportModel(dir: string, metrics: ModelManifest['metrics'] = {}): ModelManifest {
    return saveDenoiser(dir, this.emaModel, {
      storage: this.cfg.exportStorage,
      data: { name: this.data.name, range: [-1, 1] },
      training: { steps: this.ema.updates, seconds: Math.round(this.seconds), config: this.cfg },
      metrics,
    });
  }

  finish(): Metrics {
    const m = this.exportModel(this.ctx.run.path('model'));
    this.ctx.log(`exported the EMA model to ${this.ctx.run.path('model')} (${m.files[0].bytes} bytes)`);
    return { steps: this.ema.updates, trainSeconds: this.seconds, lossEma: this.lossEma ?? Number.NaN, parameters: m.parameters };
  }

  dispose(): void {
    this.model.dispose();
    this.emaModel.dispose();
    this.optimizer.dispose();
  }
}
