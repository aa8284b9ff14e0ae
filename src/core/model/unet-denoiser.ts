/**
 * A teacher: the U-Net (src/core/nn/unet.ts) wrapped as a `Denoiser`, conditioned on a class label (the U-Net's
 * embedding table with its null row) or on a prompt (a `PromptEncoder` whose vector is added to the time embedding),
 * optionally also on the orbit camera (a `CameraEncoder`, added the same way), trained to predict ε or v (Salimans &
 * Ho 2022 §4; ε̂ = σ·x_t + α·v̂). Null conditions: label −1, prompt '', camera azimuth NaN (or no cameras).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Condition, Denoiser } from '../diffusion/denoiser.ts';
import { countParameters, type Module } from '../nn/module.ts';
import { UNet, defaultUNetConfig, type UNetConfig } from '../nn/unet.ts';
import { epsFromV, perSample, type PredictionKind } from '../diffusion/parameterization.ts';
import type { Rng } from '../rng.ts';
import type { Schedule } from '../diffusion/schedule.ts';
import { CameraEncoder } from './camera-encoder.ts';
import { PromptEncoder, type PromptEncoderConfig } from './prompt-encoder.ts';

/** What the network predicts (and the training loss regresses). */
export type TeacherPrediction = Extract<PredictionKind, 'eps' | 'v'>;

/** Everything that fixes the shapes of a teacher's weights (stored in its checkpoint manifest). */
export interface UNetDenoiserArchitecture {
  /** The U-Net; `numClasses > 0` means label conditioning. */
  unet: UNetConfig;
  /** Prompt conditioning (null: none). */
  prompt: PromptEncoderConfig | null;
  /** Camera conditioning (src/core/model/camera-encoder.ts); false in manifests written before it existed. */
  camera: boolean;
}

/** An architecture as configs and manifests give it (U-Net defaults and `camera` may be omitted). */
export interface UNetDenoiserArchitectureInput {
  unet: Partial<UNetConfig>;
  prompt: PromptEncoderConfig | null;
  camera?: boolean;
}

/** The conditioning a teacher accepts. */
export type ConditioningKind = 'label' | 'prompt' | 'none';

export function conditioningOf(arch: UNetDenoiserArchitecture): ConditioningKind {
  return arch.prompt ? 'prompt' : arch.unet.numClasses > 0 ? 'label' : 'none';
}

/** Fills in the U-Net defaults. */
export function resolveArchitecture(arch: UNetDenoiserArchitectureInput): UNetDenoiserArchitecture {
  return { unet: { ...defaultUNetConfig, ...arch.unet }, prompt: arch.prompt ? { ...arch.prompt } : null, camera: arch.camera === true };
}

export class UNetDenoiser implements Denoiser, Module {
  readonly net: UNet;
  readonly promptEncoder: PromptEncoder | null;
  readonly cameraEncoder: CameraEncoder | null;
  readonly sampleShape: readonly number[];
  readonly architecture: UNetDenoiserArchitecture;

  constructor(
    architecture: UNetDenoiserArchitectureInput,
    readonly schedule: Schedule,
    readonly prediction: TeacherPrediction,
    rng: Rng,
  ) {
    this.architecture = resolveArchitecture(architecture);
    const { unet, prompt } = this.architecture;
    if (prompt && unet.numClasses > 0) {
      throw new Error('UNetDenoiser: choose label conditioning (unet.numClasses > 0) or prompt conditioning, not both');
    }
    this.net = new UNet(unet, rng);
    this.promptEncoder = prompt ? new PromptEncoder(prompt, this.net.embDim, rng) : null;
    this.cameraEncoder = this.architecture.camera ? new CameraEncoder(this.net.embDim, rng) : null;
    this.sampleShape = [unet.resolution, unet.resolution, unet.inChannels];
  }

  get conditioning(): ConditioningKind {
    return conditioningOf(this.architecture);
  }

  /** Every weight: `unet.<name>`, `prompt.<name>` and `camera.<name>`. */
  parameters(): Record<string, tf.Variable> {
    const out: Record<string, tf.Variable> = {};
    const parts = [['unet', this.net], ['prompt', this.promptEncoder], ['camera', this.cameraEncoder]] as const;
    for (const [prefix, m] of parts) if (m) for (const [k, v] of Object.entries(m.parameters())) out[`${prefix}.${k}`] = v;
    return out;
  }

  get parameterCount(): number {
    return countParameters(this);
  }

  /**
   * The network's raw output (ε̂ or v̂, per `prediction`).
   * @param x [B, H, W, C]
   * @param t [B] in [0, 1]
   * @param cond labels (label teacher) or prompts (prompt teacher), and cameras (camera-conditioned teacher; ignored by
   *   others, which know the view from the prompt alone); null or absent fields = the null condition
   * @returns [B, H, W, C]
   */
  predict(x: tf.Tensor, t: tf.Tensor1D, cond?: Condition | null): tf.Tensor4D {
    const b = x.shape[0];
    if (cond?.labels && this.conditioning !== 'label') {
      throw new Error(`UNetDenoiser: labels given to a ${this.conditioning}-conditioned teacher`);
    }
    if (cond?.prompts && this.conditioning !== 'prompt') {
      throw new Error(`UNetDenoiser: prompts given to a ${this.conditioning}-conditioned teacher`);
    }
    if (cond?.prompts && cond.prompts.length !== b) {
      throw new Error(`UNetDenoiser: ${cond.prompts.length} prompts for a batch of ${b}`);
    }
    if (cond?.labels && cond.labels.length !== b) {
      throw new Error(`UNetDenoiser: ${cond.labels.length} labels for a batch of ${b}`);
    }
    if (cond?.cameras && cond.cameras.length !== 2 * b) {
      throw new Error(`UNetDenoiser: ${cond.cameras.length / 2} cameras for a batch of ${b}`);
    }
    return tf.tidy(() => {
      let extra = this.promptEncoder ? this.promptEncoder.apply(cond?.prompts ?? new Array<string>(b).fill('')) : null;
      if (this.cameraEncoder && cond?.cameras) {
        const cam = this.cameraEncoder.apply(cond.cameras);
        extra = extra ? (tf.add(extra, cam) as tf.Tensor2D) : cam;
      }
      const labels = cond?.labels ? tf.tensor1d(cond.labels, 'int32') : null;
      return this.net.apply(x as tf.Tensor4D, t, labels, extra);
    });
  }

  /**
   * Predicted noise ε̂(x_t, t, cond) (the `Denoiser` contract).
   * @param x [B, H, W, C]
   * @param t [B] in [0, 1]
   * @returns [B, H, W, C]
   */
  eps(x: tf.Tensor, t: tf.Tensor1D, cond?: Condition | null): tf.Tensor {
    return tf.tidy(() => {
      const out = this.predict(x, t, cond);
      if (this.prediction === 'eps') return out;
      const alpha = perSample(this.schedule.alphaT(t), 4);
      const sigma = perSample(this.schedule.sigmaT(t), 4);
      return epsFromV(x, out, alpha, sigma);
    });
  }

  dispose(): void {
    this.net.dispose();
    this.promptEncoder?.dispose();
    this.cameraEncoder?.dispose();
  }
}
