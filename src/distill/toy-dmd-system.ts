/**
 * `toy-dmd`: DMD (Yin et al. 2023) on a 2-D analytic mixture, the DMD paper's Figure 3 setting: an MLP one-step
 * generator from 2-D noise, the exact mixture score as the real score, an MLP fake score trained online by DSM on the
 * generator's samples (or none: the real-only ablation, which collapses), optional regression pairs (exact-ε DDIM
 * from fixed noise) and an optional DMD2 GAN term (a linear head on the fake score's bottleneck, non-saturating loss,
 * real data = exact mixture samples, both sides noised at a random t). Outputs: `samples.npy` (4,096 one-step
 * samples), scatter plots over training, and mode shares, median distance to the nearest mode and the sliced
 * Wasserstein distance to the true mixture.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as z from 'zod';
import { denoisingLoss } from '../core/diffusion/denoising-loss.ts';
import { dmLoss } from '../core/diffusion/dm-loss.ts';
import { GaussianMixtureDenoiser, modeStats, ringMixture, type GmmSpec } from '../core/diffusion/gmm.ts';
import { perSample } from '../core/diffusion/parameterization.ts';
import { makeSchedule } from '../core/diffusion/schedule.ts';
import { DalError } from '../core/errors.ts';
import { writeNpy } from '../core/io/npy.ts';
import { writePng } from '../core/io/png.ts';
import type { SummaryWriter } from '../core/log/tfevents.ts';
import { Linear } from '../core/nn/linear.ts';
import { scatterPlot } from '../core/plot/scatter.ts';
import { Rng } from '../core/rng.ts';
import { loadModule, moduleTensors, optimizerTensors, restoreOptimizer } from '../core/train/checkpoint.ts';
import { makeOptimizer, optimizerConfig, setLearningRate } from '../core/train/config/optimizer.ts';
import { count } from '../core/train/config/schema.ts';
import type { Metrics } from '../core/train/run.ts';
import type { System, SystemContext, SystemState } from '../core/train/trainer.ts';
import { RegressionPairs } from './regression-pairs.ts';
import { slicedWasserstein } from './sliced-wasserstein.ts';
import { ToyGenerator, ToyScoreNet } from './toy-nets.ts';

const toyPriorConfig = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('ring'), n: count().default(8), radius: z.number().positive().default(2), std: z.number().positive().default(0.1) }),
  z.strictObject({
    type: z.literal('gmm'),
    means: z.array(z.array(z.number()).length(2)).min(1),
    stds: z.array(z.number().positive()).min(1),
    weights: z.array(z.number().nonnegative()).min(1),
  }),
]);

export const toyDmdConfig = z.strictObject({
  type: z.literal('toy-dmd'),
  prior: toyPriorConfig,
  schedule: z.strictObject({ type: z.literal('cosine') }).prefault({ type: 'cosine' }),
  /** Hidden widths of the generator and of the fake score. */
  hidden: z.array(count()).min(1).default([128, 128, 128]),
  batchSize: count().default(256),
  dm: z.strictObject({ tMin: z.number().min(0).max(1).default(0.02), tMax: z.number().min(0).max(1).default(0.98) }).prefault({}),
  /** The fake score (null: real score only). */
  fake: z
    .strictObject({
      updatesPerStep: count().default(1),
      optimizer: optimizerConfig,
      /** DSM updates on the initial generator before the first generator update. */
      warmup: z.int().min(0).default(0),
    })
    .nullable(),
  regression: z
    .strictObject({
      weight: z.number().min(0).default(0.25),
      pairs: count().default(2048),
      batchSize: count().default(256),
      steps: count().default(50),
      seed: z.int().min(0).default(1234),
    })
    .nullable()
    .default(null),
  /** DMD2's GAN term on the fake score's bottleneck (needs a fake score). */
  gan: z.strictObject({ weight: z.number().min(0).default(0.01), discWeight: z.number().min(0).default(1) }).nullable().default(null),
  optimizer: optimizerConfig,
  /** One-step samples scored at the end (and plotted). */
  evalSamples: count().default(4096),
});
export type ToyDmdConfig = z.infer<typeof toyDmdConfig>;

function priorSpec(p: ToyDmdConfig['prior']): GmmSpec {
  if (p.type === 'ring') return ringMixture(p.n, p.radius, p.std);
  if (p.stds.length !== p.means.length || p.weights.length !== p.means.length) {
    throw new DalError(`system.prior: ${p.means.length} means but ${p.stds.length} stds and ${p.weights.length} weights`);
  }
  return { means: p.means, stds: p.stds, weights: p.weights };
}

export class ToyDmdSystem implements System {
  readonly real: GaussianMixtureDenoiser;
  readonly generator: ToyGenerator;
  readonly fake: ToyScoreNet | null;
  readonly disc: Linear | null;
  private readonly optimizer: tf.Optimizer;
  private readonly fakeOptimizer: tf.Optimizer | null;
  private pairs: RegressionPairs | null = null;
  private rng: Rng;
  private fakeRng: Rng;
  private readonly plotNoise: Float32Array;
  private warmedUp = false;

  constructor(
    readonly cfg: ToyDmdConfig,
    private readonly ctx: SystemContext,
  ) {
    if (cfg.gan && !cfg.fake) throw new DalError('system.gan: the GAN head sits on the fake score; set system.fake too');
    this.real = new GaussianMixtureDenoiser(priorSpec(cfg.prior), makeSchedule(cfg.schedule));
    const root = new Rng(ctx.seed);
    const init = root.fork();
    this.rng = root.fork();
    this.fakeRng = root.fork();
    this.plotNoise = root.fork().normalArray(1024 * 2);
    this.generator = new ToyGenerator(2, cfg.hidden, init);
    this.fake = cfg.fake ? new ToyScoreNet(2, cfg.hidden, this.real.schedule, init) : null;
    this.disc = cfg.gan ? new Linear(cfg.hidden[cfg.hidden.length - 1], 1, init) : null;
    this.optimizer = makeOptimizer(cfg.optimizer, ctx.steps);
    this.fakeOptimizer = cfg.fake ? makeOptimizer(cfg.fake.optimizer, ctx.steps) : null;
    if (cfg.regression) {
      const r = cfg.regression;
      this.pairs = RegressionPairs.loadOrCreate(ctx.run.path('pairs'), this.real, {}, { n: r.pairs, steps: r.steps, cfgScale: 1, seed: r.seed, clipX0: null, chunk: r.pairs });
    }
  }

  private fakeVars(): tf.Variable[] {
    return [...Object.values(this.fake?.parameters() ?? {}), ...Object.values(this.disc?.parameters() ?? {})];
  }

  /** x_t = α x + σ ε at t ~ U[tMin, tMax], and t, from `rng` (t, then ε). */
  private noised(x: tf.Tensor, rng: Rng, tMin = 0, tMax = 1): { xt: tf.Tensor; t: tf.Tensor1D } {
    const t = tf.tensor1d(rng.uniformArray(x.shape[0], tMin, tMax));
    const eps = rng.normalTensor(x.shape);
    const s = this.real.schedule;
    return { xt: tf.add(tf.mul(perSample(s.alphaT(t), 2), x), tf.mul(perSample(s.sigmaT(t), 2), eps)), t };
  }

  /** One fake-score update: DSM on detached generator samples (+ the discriminator loss). */
  private updateFake(): Record<string, number> {
    const { cfg } = this;
    const fake = this.fake!;
    const b = cfg.batchSize;
    const terms: Record<string, number> = {};
    tf.tidy(() => {
      const x0 = this.generator.generate(this.fakeRng.normalTensor([b, 2]));
      const dsmRng = this.fakeRng.fork();
      const gan = cfg.gan && this.disc ? { fakeIn: this.noised(x0, this.fakeRng), realIn: this.noised(this.real.sample(b, this.fakeRng), this.fakeRng) } : null;
      const { grads } = tf.variableGrads(() => {
        const dsm = denoisingLoss(fake, x0, null, dsmRng).loss;
        terms['loss/fake'] = dsm.dataSync()[0];
        if (!gan || !cfg.gan) return dsm;
        const dFake = this.disc!.apply(fake.features(gan.fakeIn.xt, gan.fakeIn.t));
        const dReal = this.disc!.apply(fake.features(gan.realIn.xt, gan.realIn.t));
        // non-saturating GAN, discriminator side: softplus(D(fake)) + softplus(−D(real))
        const dLoss = tf.add(tf.mean(tf.softplus(dFake)), tf.mean(tf.softplus(tf.neg(dReal)))) as tf.Scalar;
        terms['loss/disc'] = dLoss.dataSync()[0];
        return tf.add(dsm, tf.mul(dLoss, cfg.gan.discWeight)) as tf.Scalar;
      }, this.fakeVars());
      this.fakeOptimizer!.applyGradients(grads);
    });
    return terms;
  }

  step(step: number): Record<string, number> {
    const { cfg } = this;
    const b = cfg.batchSize;
    setLearningRate(this.optimizer, cfg.optimizer.lr.at(step, this.ctx.steps));
    if (cfg.fake) setLearningRate(this.fakeOptimizer!, cfg.fake.optimizer.lr.at(step, this.ctx.steps));
    if (cfg.fake && !this.warmedUp && step === 0) for (let i = 0; i < cfg.fake.warmup; i++) this.updateFake();
    this.warmedUp = true;
    const terms: Record<string, number> = {};
    tf.tidy(() => {
      const zDm = this.rng.normalTensor([b, 2]);
      const reg = this.pairs && cfg.regression ? this.pairs.batch(Array.from({ length: cfg.regression.batchSize }, () => this.rng.int(this.pairs!.n))) : null;
      const gan = cfg.gan ? { rng: this.rng.fork() } : null;
      const { grads } = tf.variableGrads(() => {
        const x = this.generator.generate(reg ? tf.concat([zDm, reg.z]) : zDm);
        const xDm = reg ? tf.slice(x, 0, b) : x;
        const dm = dmLoss(this.real, this.fake, xDm, { tMin: cfg.dm.tMin, tMax: cfg.dm.tMax, cfgScale: 1 }, this.rng);
        terms['loss/dm'] = dm.terms.dm / xDm.size;
        terms['dm/gradNorm'] = dm.terms.gradNorm;
        let loss = tf.div(dm.loss, xDm.size) as tf.Scalar;
        if (reg && cfg.regression) {
          const mse = tf.mean(tf.square(tf.sub(tf.slice(x, b), reg.x))) as tf.Scalar;
          terms['loss/regression'] = mse.dataSync()[0];
          loss = tf.add(loss, tf.mul(mse, cfg.regression.weight));
        }
        if (gan && cfg.gan) {
          // generator side: softplus(−D(G(z)_t)), through the (fixed) fake score's features
          const { xt, t } = this.noised(xDm, gan.rng);
          const g = tf.mean(tf.softplus(tf.neg(this.disc!.apply(this.fake!.features(xt, t))))) as tf.Scalar;
          terms['loss/gan'] = g.dataSync()[0];
          loss = tf.add(loss, tf.mul(g, cfg.gan.weight));
        }
        return loss;
      }, Object.values(this.generator.parameters()));
      this.optimizer.applyGradients(grads);
    });
    if (cfg.fake) for (let k = 0; k < cfg.fake.updatesPerStep; k++) Object.assign(terms, this.updateFake());
    return terms;
  }

  async state(): Promise<SystemState> {
    const tensors = {
      ...moduleTensors('generator', this.generator.parameters()),
      ...moduleTensors('fake', this.fake?.parameters() ?? {}),
      ...moduleTensors('disc', this.disc?.parameters() ?? {}),
      ...(await optimizerTensors(this.optimizer, 'optimizer')),
    };
    if (this.fakeOptimizer) Object.assign(tensors, await optimizerTensors(this.fakeOptimizer, 'fakeOptimizer'));
    return { tensors, rngs: { train: this.rng.state(), fake: this.fakeRng.state() } };
  }

  async load(state: SystemState): Promise<void> {
    loadModule('generator', this.generator.parameters(), state.tensors);
    loadModule('fake', this.fake?.parameters() ?? {}, state.tensors);
    loadModule('disc', this.disc?.parameters() ?? {}, state.tensors);
    await restoreOptimizer(this.optimizer, state.tensors, 'optimizer');
    if (this.fakeOptimizer) await restoreOptimizer(this.fakeOptimizer, state.tensors, 'fakeOptimizer');
    this.rng = Rng.fromState(state.rngs.train);
    this.fakeRng = Rng.fromState(state.rngs.fake);
    this.warmedUp = true;
  }

  /** n one-step samples from `rng` (or the fixed plot noise). */
  samples(n: number, rng: Rng | null): Float32Array {
    return tf.tidy(() => {
      const zz = rng ? rng.normalTensor([n, 2]) : tf.tensor2d(this.plotNoise.subarray(0, n * 2), [n, 2]);
      return this.generator.generate(zz).dataSync() as Float32Array;
    });
  }

  private plot(pts: Float32Array, title: string) {
    const spec = this.real.spec;
    const reach = Math.max(...spec.means.map((m) => Math.hypot(m[0], m[1]) + 3 * Math.max(...spec.stds)));
    const extent = Math.max(3, Math.ceil(reach * 1.25));
    return scatterPlot(pts, { extent, markers: spec.means, markerRadius: Math.max(...spec.stds) * 2, title, pointAlpha: 0.35, pointRadius: 2 });
  }

  logImages(step: number, writer: SummaryWriter): void {
    writer.image('samples/onestep', this.plot(this.samples(1024, null), `DMD step ${step}`), step);
  }

  finish(): Metrics {
    const n = this.cfg.evalSamples;
    const pts = this.samples(n, new Rng(this.ctx.seed + 7777));
    writeNpy(this.ctx.run.path('samples.npy'), pts, [n, 2]);
    writePng(this.ctx.run.path('images', 'samples.png'), this.plot(pts, `DMD one-step, ${this.ctx.steps} steps`));
    const st = modeStats(pts, this.real.spec);
    const truth = tf.tidy(() => this.real.sample(n, new Rng(this.ctx.seed + 8888)).dataSync() as Float32Array);
    const out: Metrics = {
      shareMin: Math.min(...st.shares),
      shareMax: Math.max(...st.shares),
      modesUsed: st.shares.filter((s) => s > 0).length,
      medianDist: st.medianDist,
      slicedWasserstein: slicedWasserstein(pts, truth, 2, { projections: 128, rng: new Rng(99) }),
      trueMedianDist: modeStats(truth, this.real.spec).medianDist,
    };
    st.shares.forEach((v, k) => (out[`share${k}`] = v));
    return out;
  }

  dispose(): void {
    this.generator.dispose();
    this.fake?.dispose();
    this.disc?.dispose();
    this.optimizer.dispose();
    this.fakeOptimizer?.dispose();
  }
}
