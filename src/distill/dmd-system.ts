/**
 * `dmd`: distills a shipped teacher (a model directory: ε- or v-prediction, label- or prompt-conditioned) into a
 * one-step generator by Distribution Matching Distillation (Yin et al. 2023; DMD2, Yin et al. 2024). Per step:
 * 1. generator update: G(z, y) on a batch of fresh noise and random conditions gets the DM gradient
 *    (`src/core/diffusion/dm-loss.ts`: real = the frozen teacher with CFG, fake = the fake score), and, on a batch of
 *    cached regression pairs, λ_reg · d(G(z_i, y_i), x_i) (eq. 9) — d the mean squared error in pixels (`l2`), or
 *    in the features of dal's classifier of the dataset (`features`, the LPIPS analogue the paper uses; mean over
 *    the feature dimensions); both batches in one network call;
 * 2. `fake.updatesPerStep` fake-score updates (DSM) on detached generator samples: the first on the step's own
 *    samples, the others on fresh ones.
 * The generator loss is the mean over elements ½·mean(g²) (the paper's mean reduction), so λ_reg compares with it
 * directly. The teacher is never updated (its variables are outside every optimizer's list; a test checks it).
 * (Over 300 lines: the generator step, the fake-score steps, the regression distance, checkpoints and previews all
 * work on the same fields of one system; split apart they would scatter one algorithm.)
 */
import { relative } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as z from 'zod';
import { concatConditions } from '../core/diffusion/guidance.ts';
import type { Condition } from '../core/diffusion/denoiser.ts';
import { dmLoss } from '../core/diffusion/dm-loss.ts';
import { balancedConditions } from '../core/data/conditional.ts';
import { promptFor, randomShapeSample } from '../core/data/shapes/dataset.ts';
import { DalError } from '../core/errors.ts';
import { imageGrid, writePng } from '../core/io/png.ts';
import type { SummaryWriter } from '../core/log/tfevents.ts';
import { evaluatedGuidance, loadModel, type ModelManifest } from '../core/model/model-dir.ts';
import { clipByGlobalNorm } from '../core/train/clip.ts';
import { loadClassifier, type Classifier } from '../core/metrics/classifier.ts';
import { shippedClassifierDir } from '../core/metrics/evaluate.ts';
import { teacherKind } from '../core/metrics/evaluate-model.ts';
import { freeze } from '../core/nn/module.ts';
import type { UNetDenoiser } from '../core/model/unet-denoiser.ts';
import { Rng } from '../core/rng.ts';
import { loadModule, moduleTensors, optimizerTensors, restoreOptimizer } from '../core/train/checkpoint.ts';
import { makeOptimizer, optimizerConfig, setLearningRate } from '../core/train/config/optimizer.ts';
import { count, scalar } from '../core/train/config/schema.ts';
import type { Metrics } from '../core/train/run.ts';
import type { System, SystemContext, SystemState } from '../core/train/trainer.ts';
import { FakeScore } from './fake-score.ts';
import { copyTeacher, OneStepGenerator } from './generator.ts';
import { exportGenerator } from './export.ts';
import { RegressionPairs, type PairConditions } from './regression-pairs.ts';

export const dmdConfig = z.strictObject({
  type: z.literal('dmd'),
  /** The teacher's model directory (e.g. checkpoints/mnist-unet). */
  teacher: z.string().min(1),
  /** The generator's time input (see generator.ts): α(tGen) must not be tiny for an ε-teacher. */
  tGen: z.number().gt(0).max(1),
  batchSize: count().default(16),
  dm: z
    .strictObject({
      tMin: z.number().min(0).max(1).default(0.02),
      tMax: z.number().min(0).max(1).default(0.98),
      /** CFG of the real score; null: the guidance the teacher's manifest was evaluated at. */
      cfgScale: z.number().nullable().default(null),
    })
    .prefault({}),
  fake: z
    .strictObject({
      /** Fake-score updates per generator update (DMD: 1, DMD2: 5); schedulable, rounded to an integer ≥ 1. */
      updatesPerStep: scalar({ min: 1 }).prefault(1),
      optimizer: optimizerConfig,
      gradClip: z.number().positive().nullable().default(1),
    }),
  /** The regression loss on teacher ODE pairs (null: none). */
  regression: z
    .strictObject({
      weight: z.number().min(0).default(0.25),
      pairs: count().default(1000),
      batchSize: count().default(8),
      /** Teacher DDIM steps for the pairs (same CFG as the real score). */
      steps: count().default(50),
      seed: z.int().min(0).default(1234),
      /** l2: pixels; features: dal's classifier features of the dataset (checkpoints/<data>-classifier). */
      distance: z.enum(['l2', 'features']).default('l2'),
      /** Where the pairs are cached (made there if missing; a cache made with other settings is refused): null = the
       * run's `pairs/`; a path shares one set of pairs between runs (ablations) without making them again. */
      pairsDir: z.string().nullable().default(null),
    })
    .nullable()
    .default(null),
  optimizer: optimizerConfig,
  gradClip: z.number().positive().nullable().default(1),
  preview: z.strictObject({ n: count().default(100) }).prefault({}),
  exportStorage: z.enum(['float32', 'float16']).default('float16'),
});
export type DmdConfig = z.infer<typeof dmdConfig>;

interface DmdExtra {
  seconds: number;
  lossEma: number | null;
  /** generator updates done (absent in checkpoints of the first version) */
  done?: number;
}

export class DmdSystem implements System {
  readonly teacher: UNetDenoiser;
  readonly teacherManifest: ModelManifest;
  readonly generator: OneStepGenerator;
  readonly fake: FakeScore;
  readonly cfgScale: number;
  private readonly optimizer: tf.Optimizer;
  private readonly range: [number, number];
  private pairs: RegressionPairs | null = null;
  /** The feature network of the `features` regression distance (frozen; outside every optimizer). */
  private featureNet: Classifier | null = null;
  private rng: Rng;
  private fakeRng: Rng;
  private previewRng: Rng;
  private seconds = 0;
  private mark: number | null = null;
  private lossEma: number | null = null;
  /** Generator updates done (restored on resume). */
  done = 0;

  constructor(
    readonly cfg: DmdConfig,
    private readonly ctx: SystemContext,
  ) {
    if (!(cfg.dm.tMin <= cfg.dm.tMax)) throw new DalError(`system.dm: tMin (${cfg.dm.tMin}) exceeds tMax (${cfg.dm.tMax})`);
    const loaded = loadModel(cfg.teacher);
    this.teacher = loaded.denoiser;
    this.teacherManifest = loaded.manifest;
    if (this.teacher.conditioning === 'none') throw new DalError(`system.teacher: ${cfg.teacher} is unconditional; dmd needs a label or prompt teacher`);
    this.range = loaded.manifest.data.range;
    this.cfgScale = cfg.dm.cfgScale ?? evaluatedGuidance(loaded.manifest);
    try {
      this.generator = new OneStepGenerator(copyTeacher(this.teacher), { tGen: cfg.tGen, range: this.range });
    } catch (e) {
      throw new DalError(`system.tGen: ${(e as Error).message}`);
    }
    this.fake = new FakeScore(copyTeacher(this.teacher), makeOptimizer(cfg.fake.optimizer, ctx.steps), cfg.fake.gradClip);
    this.optimizer = makeOptimizer(cfg.optimizer, ctx.steps);
    const root = new Rng(ctx.seed);
    this.rng = root.fork();
    this.fakeRng = root.fork();
    this.previewRng = root.fork();
    if (cfg.regression?.distance === 'features') {
      const kind = teacherKind(loaded.manifest);
      this.featureNet = loadClassifier(shippedClassifierDir(kind)).model;
      freeze(this.featureNet);
    }
    ctx.log(`dmd: teacher ${cfg.teacher} (${this.teacher.prediction}, ${this.teacher.conditioning}), real CFG ${this.cfgScale}, tGen ${cfg.tGen}`);
  }

  /** Makes (or loads) the regression pairs; called by the factory before training. */
  preparePairs(): void {
    const r = this.cfg.regression;
    if (!r || this.pairs) return;
    const dir = r.pairsDir ?? this.ctx.run.path('pairs');
    const conditions = this.pairConditions(r.pairs, r.seed);
    const t0 = Date.now();
    this.pairs = RegressionPairs.loadOrCreate(dir, this.teacher, conditions, {
      n: r.pairs,
      steps: r.steps,
      cfgScale: this.cfgScale,
      seed: r.seed,
      clipX0: this.range,
      onChunk: (done, n) => {
        const s = (Date.now() - t0) / 1000;
        this.ctx.log(`regression pairs: ${done}/${n} (DDIM ${r.steps}, CFG ${this.cfgScale}; ${s.toFixed(0)} s)`);
      },
    });
  }

  /** Balanced labels (MNIST) or random prompts (shapes, from the pairs' seed) for n pairs. */
  private pairConditions(n: number, seed: number): PairConditions {
    if (this.teacher.conditioning === 'label') return { labels: Array.from(balancedConditions('label', n, this.numClasses).labels!) };
    const rng = new Rng(seed + 1);
    return { prompts: Array.from({ length: n }, () => promptFor(randomShapeSample(rng))) };
  }

  private get numClasses(): number {
    return this.teacher.architecture.unet.numClasses || 10;
  }

  /** Random training conditions for a batch: uniform labels, or prompts of random shapes/colours/views. */
  private randomCondition(b: number, rng: Rng): Condition {
    if (this.teacher.conditioning === 'label') return { labels: Int32Array.from({ length: b }, () => rng.int(this.numClasses)) };
    return { prompts: Array.from({ length: b }, () => promptFor(randomShapeSample(rng))) };
  }

  step(step: number): Record<string, number> {
    this.mark ??= Date.now();
    const { cfg } = this;
    const b = cfg.batchSize;
    setLearningRate(this.optimizer, cfg.optimizer.lr.at(step, this.ctx.steps));
    setLearningRate(this.fake.optimizer, cfg.fake.optimizer.lr.at(step, this.ctx.steps));
    const terms: Record<string, number> = {};
    let xDetached!: tf.Tensor;
    let cond!: Condition;
    tf.tidy(() => {
      cond = this.randomCondition(b, this.rng);
      const zDm = this.rng.normalTensor([b, ...this.generator.sampleShape]);
      const reg = this.pairs && cfg.regression ? this.pairs.batch(Array.from({ length: cfg.regression.batchSize }, () => this.rng.int(this.pairs!.n))) : null;
      const zAll = reg ? tf.concat([zDm, reg.z]) : zDm;
      const condAll = reg?.cond ? concatConditions(cond, reg.cond) : cond;
      const vars = Object.values(this.generator.parameters());
      const { grads } = tf.variableGrads(() => {
        const x = this.generator.generate(zAll, condAll);
        const xDm = reg ? tf.slice(x, 0, b) : x;
        xDetached = tf.keep(tf.clone(xDm));
        const dm = dmLoss(this.teacher, this.fake, xDm, { tMin: cfg.dm.tMin, tMax: cfg.dm.tMax, cfgScale: this.cfgScale, cond }, this.rng);
        terms['loss/dm'] = dm.terms.dm / xDm.size;
        terms['dm/gradNorm'] = dm.terms.gradNorm;
        terms['dm/normMean'] = dm.terms.normMean;
        let loss = tf.div(dm.loss, xDm.size) as tf.Scalar;
        if (reg && cfg.regression) {
          const mse = this.regressionDistance(tf.slice(x, b), reg.x);
          terms['loss/regression'] = mse.dataSync()[0];
          loss = tf.add(loss, tf.mul(mse, cfg.regression.weight));
        }
        return loss;
      }, vars);
      const { grads: clipped, norm } = clipByGlobalNorm(grads, cfg.gradClip);
      terms['train/gradNorm'] = norm;
      this.optimizer.applyGradients(clipped);
    });
    const updates = Math.max(1, Math.round(cfg.fake.updatesPerStep.at(step, this.ctx.steps)));
    if (!cfg.fake.updatesPerStep.isConstant) terms['fake/updatesPerStep'] = updates;
    for (let k = 0; k < updates; k++) {
      if (k > 0) {
        xDetached.dispose();
        cond = this.randomCondition(b, this.fakeRng);
        xDetached = tf.tidy(() => {
          const zz = this.fakeRng.normalTensor([b, ...this.generator.sampleShape]);
          return this.generator.generate(zz, cond);
        });
      }
      const r = this.fake.update(xDetached, cond, this.fakeRng);
      terms['loss/fake'] = r.loss;
      terms['fake/gradNorm'] = r.gradNorm;
    }
    xDetached.dispose();
    const loss = terms['loss/dm'] + (cfg.regression ? cfg.regression.weight * (terms['loss/regression'] ?? 0) : 0);
    this.lossEma = this.lossEma === null ? loss : 0.99 * this.lossEma + 0.01 * loss;
    const now = Date.now();
    this.seconds += (now - this.mark) / 1000;
    this.mark = now;
    terms['train/seconds'] = this.seconds;
    this.done = step + 1;
    return terms;
  }

  /** d(x, y) of the regression loss, a scalar (see the file comment). @param x [B,H,W,C] @param y [B,H,W,C] */
  private regressionDistance(x: tf.Tensor, y: tf.Tensor): tf.Scalar {
    return tf.tidy(() => {
      if (!this.featureNet) return tf.mean(tf.square(tf.sub(x, y))) as tf.Scalar;
      const [lo, hi] = this.range;
      const f = (v: tf.Tensor) => this.featureNet!.features(tf.div(tf.sub(v, lo), hi - lo) as tf.Tensor4D);
      return tf.mean(tf.square(tf.sub(f(x), f(y)))) as tf.Scalar;
    });
  }

  async state(): Promise<SystemState> {
    const tensors = {
      ...moduleTensors('generator', this.generator.parameters()),
      ...moduleTensors('fake', this.fake.net),
      ...(await optimizerTensors(this.optimizer, 'optimizer')),
      ...(await optimizerTensors(this.fake.optimizer, 'fakeOptimizer')),
    };
    const extra: DmdExtra = { seconds: this.seconds, lossEma: this.lossEma, done: this.done };
    return { tensors, rngs: { train: this.rng.state(), fake: this.fakeRng.state(), preview: this.previewRng.state() }, extra };
  }

  async load(state: SystemState): Promise<void> {
    loadModule('generator', this.generator.parameters(), state.tensors);
    loadModule('fake', this.fake.net, state.tensors);
    await restoreOptimizer(this.optimizer, state.tensors, 'optimizer');
    await restoreOptimizer(this.fake.optimizer, state.tensors, 'fakeOptimizer');
    this.rng = Rng.fromState(state.rngs.train);
    this.fakeRng = Rng.fromState(state.rngs.fake);
    this.previewRng = Rng.fromState(state.rngs.preview);
    const extra = state.extra as DmdExtra;
    this.seconds = extra.seconds;
    this.lossEma = extra.lossEma;
    this.done = extra.done ?? 0;
    this.mark = null;
  }

  /** One-step samples on fixed noise and balanced conditions, as images in [0, 1]. */
  previewSamples(): { images: Float32Array; shape: [number, number, number, number] } {
    const n = this.cfg.preview.n;
    const conds = balancedConditions(this.teacher.conditioning === 'prompt' ? 'prompt' : 'label', n, this.numClasses);
    const [lo, hi] = this.range;
    const x = tf.tidy(() => {
      const cond: Condition = conds.labels ? { labels: conds.labels } : { prompts: conds.prompts };
      const out = this.generator.draw(n, cond, Rng.fromState(this.previewRng.state()));
      return tf.clipByValue(tf.div(tf.sub(out, lo), hi - lo), 0, 1);
    });
    const images = x.dataSync() as Float32Array;
    const shape = x.shape as [number, number, number, number];
    x.dispose();
    return { images, shape };
  }

  logImages(step: number, writer: SummaryWriter): void {
    const { images, shape } = this.previewSamples();
    const grid = imageGrid(images, shape, this.teacher.conditioning === 'label' ? this.numClasses : 10);
    writer.image('samples/onestep', grid, step);
    writePng(this.ctx.run.path('images', `samples-${String(step).padStart(7, '0')}.png`), grid);
  }

  /**
   * Exports the generator as a model directory (kind onestep-generator).
   * @param steps generator updates to record (default: those done, or the run's total when finishing)
   */
  exportModel(dir: string, metrics: Record<string, number | string> = {}, steps = this.done || this.ctx.steps) {
    return exportGenerator(dir, this.generator, {
      storage: this.cfg.exportStorage,
      teacher: { path: relative(process.cwd(), this.cfg.teacher) || this.cfg.teacher, manifest: this.teacherManifest },
      cfgScale: this.cfgScale,
      training: { steps, seconds: Math.round(this.seconds), config: this.cfg },
      metrics,
    });
  }

  finish(): Metrics {
    const m = this.exportModel(this.ctx.run.path('model'));
    this.ctx.log(`exported the generator to ${this.ctx.run.path('model')} (${m.files[0].bytes} bytes)`);
    return { steps: this.ctx.steps, trainSeconds: this.seconds, lossEma: this.lossEma ?? Number.NaN, parameters: m.parameters };
  }

  dispose(): void {
    this.teacher.dispose();
    this.generator.dispose();
    this.fake.dispose();
    this.optimizer.dispose();
    this.featureNet?.dispose();
  }
}

/** The factory: builds the system and makes (or loads) its regression pairs. */
export function createDmdSystem(cfg: DmdConfig, ctx: SystemContext): DmdSystem {
  const s = new DmdSystem(cfg, ctx);
  try {
    s.preparePairs();
  } catch (e) {
    s.dispose();
    throw e;
  }
  return s;
}
