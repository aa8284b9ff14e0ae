/**
 * The DDPM-style U-Net (Ho et al. 2020, App. B) that predicts ε from (x_t, t, class label): the architecture of
 * ../shared/bench/WORKLOADS.md as the default of a configurable `UNetConfig`, parameter for parameter the same as the
 * PyTorch peer (`peer_torch.py`), in NHWC.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as z from 'zod';
import { count } from '../train/config/schema.ts';
import type { Rng } from '../rng.ts';
import { silu } from './activations.ts';
import { AttentionBlock } from './attention.ts';
import { Conv2d } from './conv.ts';
import { Embedding, timestepEmbedding } from './embedding.ts';
import { GroupNorm } from './groupnorm.ts';
import { Linear } from './linear.ts';
import { ModuleBase, type ModuleEntries } from './module.ts';
import { ResBlock } from './resblock.ts';
import { upsampleNearest2x } from './resample.ts';

/**
 * The U-Net's config (zod; the type is inferred from it). The defaults are a teacher's (what a config may omit);
 * `defaultUNetConfig` is the benchmark workload.
 */
export const unetConfig = z.strictObject({
  /** image channels (input and predicted ε) */
  inChannels: count().default(1),
  /** input height = width */
  resolution: count().default(32),
  /** base channel count */
  channels: count().default(32),
  /** channel multiplier per level; the resolution halves between levels */
  channelMult: z.array(count()).min(1).default([1, 2, 2]),
  /** residual blocks per level on the way down (one more on the way up) */
  numResBlocks: count().default(1),
  /** resolutions at which a self-attention block follows each residual block */
  attentionResolutions: z.array(count()).default([]),
  /** number of class labels; the embedding table has one more row, the null class; 0 = unconditional */
  numClasses: z.int().min(0).default(0),
  /** GroupNorm groups */
  groups: count().default(8),
});
export type UNetConfig = z.output<typeof unetConfig>;

/** The workload U-Net (../shared/bench/WORKLOADS.md): 1,822,849 parameters. */
export const defaultUNetConfig: Readonly<UNetConfig> = unetConfig.parse({ numResBlocks: 2, attentionResolutions: [8], numClasses: 10 });

/** One step of the down or up path: a residual block (+ attention), or a resampling convolution. */
class UNetBlock extends ModuleBase {
  constructor(
    readonly res: ResBlock | null,
    readonly attn: AttentionBlock | null,
    /** stride-2 3×3 conv (down path) or the 3×3 conv after nearest 2× upsampling (up path) */
    readonly resample: Conv2d | null,
    readonly upsample: boolean,
  ) {
    super();
  }

  protected entries(): ModuleEntries {
    return { res: this.res, attn: this.attn, [this.upsample ? 'up' : 'down']: this.resample };
  }

  apply(x: tf.Tensor4D, emb: tf.Tensor2D): tf.Tensor4D {
    return tf.tidy(() => {
      let h = x;
      if (this.res) h = this.res.apply(h, emb);
      if (this.attn) h = this.attn.apply(h);
      if (this.resample) {
        if (this.upsample) h = upsampleNearest2x(h);
        h = this.resample.apply(h);
      }
      return h;
    });
  }
}

export class UNet extends ModuleBase {
  readonly config: Readonly<UNetConfig>;
  readonly embDim: number;
  readonly timeFc1: Linear;
  readonly timeFc2: Linear;
  readonly label: Embedding | null;
  readonly convIn: Conv2d;
  readonly down: UNetBlock[] = [];
  readonly mid: [ResBlock, AttentionBlock, ResBlock];
  readonly up: UNetBlock[] = [];
  readonly normOut: GroupNorm;
  readonly convOut: Conv2d;

  constructor(config: Partial<UNetConfig>, rng: Rng) {
    super();
    const cfg = { ...defaultUNetConfig, ...config };
    validate(cfg);
    this.config = cfg;
    const { channels: ch, channelMult: mult, groups } = cfg;
    const emb = (this.embDim = 8 * ch);
    this.timeFc1 = new Linear(4 * ch, emb, rng);
    this.timeFc2 = new Linear(emb, emb, rng);
    this.label = cfg.numClasses > 0 ? new Embedding(cfg.numClasses + 1, emb, rng) : null;
    this.convIn = new Conv2d(cfg.inChannels, ch, 3, rng);

    const skipChannels = [ch];
    let c = ch;
    let r = cfg.resolution;
    mult.forEach((m, i) => {
      for (let j = 0; j < cfg.numResBlocks; j++) {
        const res = new ResBlock(c, ch * m, emb, rng, groups);
        c = ch * m;
        const attn = cfg.attentionResolutions.includes(r) ? new AttentionBlock(c, rng, groups) : null;
        this.down.push(new UNetBlock(res, attn, null, false));
        skipChannels.push(c);
      }
      if (i !== mult.length - 1) {
        this.down.push(new UNetBlock(null, null, new Conv2d(c, c, 3, rng, { stride: 2, padding: 1 }), false));
        skipChannels.push(c);
        r /= 2;
      }
    });
    this.mid = [new ResBlock(c, c, emb, rng, groups), new AttentionBlock(c, rng, groups), new ResBlock(c, c, emb, rng, groups)];
    for (let i = mult.length - 1; i >= 0; i--) {
      for (let j = 0; j <= cfg.numResBlocks; j++) {
        const res = new ResBlock(c + skipChannels.pop()!, ch * mult[i], emb, rng, groups);
        c = ch * mult[i];
        const attn = cfg.attentionResolutions.includes(r) ? new AttentionBlock(c, rng, groups) : null;
        const upsample = i !== 0 && j === cfg.numResBlocks;
        this.up.push(new UNetBlock(res, attn, upsample ? new Conv2d(c, c, 3, rng) : null, true));
        if (upsample) r *= 2;
      }
    }
    this.normOut = new GroupNorm(groups, c);
    this.convOut = new Conv2d(c, cfg.inChannels, 3, rng);
  }

  protected entries(): ModuleEntries {
    return {
      'time.fc1': this.timeFc1,
      'time.fc2': this.timeFc2,
      label: this.label,
      convIn: this.convIn,
      down: this.down,
      'mid.res1': this.mid[0],
      'mid.attn': this.mid[1],
      'mid.res2': this.mid[2],
      up: this.up,
      normOut: this.normOut,
      convOut: this.convOut,
    };
  }

  /**
   * The conditioning embedding: MLP(sinusoid(1000·t)) + label embedding (null row for label −1 or no labels).
   * @param t [B] in [0, 1]
   * @param labels int32 [B], −1 = null class
   * @returns [B, embDim]
   */
  embed(t: tf.Tensor1D, labels?: tf.Tensor1D | null): tf.Tensor2D {
    return tf.tidy(() => {
      const te = timestepEmbedding(t, 4 * this.config.channels);
      const emb = this.timeFc2.apply(silu(this.timeFc1.apply(te))) as tf.Tensor2D;
      if (!this.label) return emb;
      const nullRow = this.config.numClasses;
      const ids = labels
        ? tf.where(tf.less(labels, 0), tf.fill(labels.shape, nullRow, 'int32'), tf.cast(labels, 'int32'))
        : tf.fill([t.shape[0]], nullRow, 'int32');
      return tf.add(emb, this.label.apply(ids as tf.Tensor1D)) as tf.Tensor2D;
    });
  }

  /**
   * Predicted noise ε̂(x_t, t, y).
   * @param x [B, H, W, inChannels] with H = W = resolution
   * @param t [B] in [0, 1]
   * @param labels int32 [B], −1 = null class (ignored when numClasses = 0)
   * @param extraEmb [B, embDim], added to the conditioning embedding (e.g. a prompt encoder's output)
   * @returns [B, H, W, inChannels]
   */
  apply(x: tf.Tensor4D, t: tf.Tensor1D, labels?: tf.Tensor1D | null, extraEmb?: tf.Tensor2D | null): tf.Tensor4D {
    const { resolution: res, inChannels } = this.config;
    const [b, h, w, c] = x.shape;
    if (x.rank !== 4 || h !== res || w !== res || c !== inChannels) {
      throw new Error(`UNet: expected x of shape [B,${res},${res},${inChannels}], got [${x.shape}]`);
    }
    if (t.rank !== 1 || t.shape[0] !== b || (labels && (labels.rank !== 1 || labels.shape[0] !== b))) {
      throw new Error(`UNet: t [${t.shape}] and labels [${labels?.shape}] must be [${b}]`);
    }
    return tf.tidy(() => {
      const emb = extraEmb ? (tf.add(this.embed(t, labels), extraEmb) as tf.Tensor2D) : this.embed(t, labels);
      let hcur = this.convIn.apply(x);
      const skips: tf.Tensor4D[] = [hcur];
      for (const blk of this.down) {
        hcur = blk.apply(hcur, emb);
        skips.push(hcur);
      }
      hcur = this.mid[0].apply(hcur, emb);
      hcur = this.mid[1].apply(hcur);
      hcur = this.mid[2].apply(hcur, emb);
      for (const blk of this.up) {
        hcur = blk.apply(tf.concat([hcur, skips.pop()!], 3), emb);
      }
      return this.convOut.apply(this.normOut.apply(hcur, true));
    });
  }
}

function validate(cfg: UNetConfig): void {
  const levels = cfg.channelMult.length;
  const positive = (v: number) => Number.isInteger(v) && v > 0;
  if (!positive(cfg.channels) || !positive(cfg.inChannels) || !positive(cfg.numResBlocks) || levels === 0) {
    throw new Error(`UNet: channels, inChannels, numResBlocks must be positive integers and channelMult non-empty`);
  }
  if (!Number.isInteger(cfg.numClasses) || cfg.numClasses < 0) {
    throw new Error(`UNet: numClasses must be a non-negative integer, got ${cfg.numClasses}`);
  }
  if (cfg.resolution % 2 ** (levels - 1) !== 0) {
    throw new Error(`UNet: resolution ${cfg.resolution} must be divisible by 2^${levels - 1} for ${levels} levels`);
  }
  for (const m of cfg.channelMult) {
    if ((cfg.channels * m) % cfg.groups !== 0) {
      throw new Error(`UNet: ${cfg.channels}×${m} channels do not split into ${cfg.groups} GroupNorm groups`);
    }
  }
}
