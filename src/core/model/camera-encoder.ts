/**
 * Camera conditioning for a teacher (in the spirit of Zero-1-to-3 and MVDream, which add an embedding of the camera to
 * the diffusion model's time embedding): the orbit camera's (azimuth, elevation) → Fourier features → two-layer SiLU
 * MLP → a vector added to the U-Net's time embedding, beside the prompt's.
 *
 * Why: a prompt knows the view only as one of four words ("front" covers 90° of azimuth), so a solid of revolution
 * explains a cube's "front view" renders about as well as the axis-aligned cube does, and SDS may find either. Given
 * the exact angles, the teacher knows whether a face or an edge of the cube is turned to the camera.
 *
 * Features, for azimuth a and elevation e in radians: sin(k·a), cos(k·a) for k = 1, 2, 4, and sin e, cos e. The null
 * camera (azimuth NaN) maps to the zero vector, which is what a teacher trained with camera dropout saw without a
 * camera, so such a teacher also samples from a prompt alone.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../rng.ts';
import { silu } from '../nn/activations.ts';
import { Linear } from '../nn/linear.ts';
import { ModuleBase, type ModuleEntries } from '../nn/module.ts';

/** The azimuth harmonics of the features. */
const HARMONICS = [1, 2, 4];
/** Width of the Fourier features of one camera. */
export const CAMERA_FEATURES = 2 * HARMONICS.length + 2;

/**
 * The features of B cameras and which of them are given.
 * @param cameras [B·2] (azimuth°, elevation°) pairs; NaN azimuth = the null camera
 * @returns features [B·CAMERA_FEATURES] (zero rows for null cameras) and mask [B] (1 = given)
 */
export function cameraFeatures(cameras: Float32Array): { features: Float32Array; mask: Float32Array } {
  if (cameras.length % 2 !== 0) throw new Error(`cameraFeatures: expected (azimuth, elevation) pairs, got ${cameras.length} numbers`);
  const b = cameras.length / 2;
  const features = new Float32Array(b * CAMERA_FEATURES);
  const mask = new Float32Array(b);
  const rad = Math.PI / 180;
  for (let i = 0; i < b; i++) {
    const az = cameras[2 * i];
    const el = cameras[2 * i + 1];
    if (Number.isNaN(az)) continue;
    if (!Number.isFinite(az) || !Number.isFinite(el)) throw new Error(`cameraFeatures: camera ${i} is (${az}°, ${el}°); angles must be finite`);
    mask[i] = 1;
    const o = i * CAMERA_FEATURES;
    HARMONICS.forEach((k, j) => {
      features[o + 2 * j] = Math.sin(k * az * rad);
      features[o + 2 * j + 1] = Math.cos(k * az * rad);
    });
    features[o + CAMERA_FEATURES - 2] = Math.sin(el * rad);
    features[o + CAMERA_FEATURES - 1] = Math.cos(el * rad);
  }
  return { features, mask };
}

export class CameraEncoder extends ModuleBase {
  readonly fc1: Linear;
  readonly fc2: Linear;

  constructor(
    /** width of the output = the U-Net's embedding width */
    readonly outDim: number,
    rng: Rng,
  ) {
    super();
    this.fc1 = new Linear(CAMERA_FEATURES, outDim, rng);
    this.fc2 = new Linear(outDim, outDim, rng);
  }

  protected entries(): ModuleEntries {
    return { fc1: this.fc1, fc2: this.fc2 };
  }

  /**
   * @param cameras [B·2] (azimuth°, elevation°) pairs; NaN azimuth = the null camera
   * @returns [B, outDim], zero rows for null cameras
   */
  apply(cameras: Float32Array): tf.Tensor2D {
    const { features, mask } = cameraFeatures(cameras);
    const b = mask.length;
    return tf.tidy(() => {
      const h = this.fc2.apply(silu(this.fc1.apply(tf.tensor2d(features, [b, CAMERA_FEATURES]))));
      return tf.mul(h, tf.tensor2d(mask, [b, 1])) as tf.Tensor2D;
    });
  }
}
