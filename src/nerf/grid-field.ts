/**
 * A grid field (in the spirit of Instant-NGP, Müller et al. 2022, without the hashing — DVGO/Plenoxels-style dense
 * grids at a few resolutions): learned feature grids over the scene's box [−b, b]³, each read by trilinear
 * interpolation, concatenated, and decoded by a tiny MLP into (density, albedo) as the PE-MLP field decodes its
 * output: σ = softplus(out₀ + densityBias + blob(p)), c = sigmoid(out₁..₃). A point costs 8 gathers per level and a
 * [F → hidden → 4] MLP instead of the PE-MLP's 64-wide layers.
 */
import * as tf from '@tensorflow/tfjs-core';
import { MLP } from '../core/nn/mlp.ts';
import type { ModuleEntries } from '../core/nn/module.ts';
import type { Rng } from '../core/rng.ts';
import { DecodedField, type DensityBlob } from './field.ts';

export interface GridFieldConfig {
  /** samples per axis of each level's grid, e.g. [16, 64] */
  resolutions: number[];
  /** features per grid vertex, per level */
  features: number;
  /** half-width b of the box the grids cover (points outside are clamped to it) */
  bound: number;
  /** width of the decoder's hidden layer */
  hiddenWidth: number;
  /** std of the grids' initial values */
  initStd: number;
  densityBias: number;
  blob: DensityBlob | null;
}

export class GridField extends DecodedField {
  readonly grids: tf.Variable[];
  readonly mlp: MLP;

  constructor(
    readonly config: GridFieldConfig,
    rng: Rng,
  ) {
    super();
    const { resolutions, features, hiddenWidth, initStd } = config;
    if (resolutions.some((r) => !Number.isInteger(r) || r < 2)) throw new Error(`GridField: resolutions must be integers ≥ 2, got [${resolutions}]`);
    this.grids = resolutions.map((r) => tf.variable(tf.mul(rng.normalTensor([r * r * r, features]), initStd), true));
    this.mlp = new MLP({ widths: [resolutions.length * features, hiddenWidth, 4], activation: 'relu' }, rng);
  }

  protected entries(): ModuleEntries {
    return { ...Object.fromEntries(this.grids.map((g, i) => [`grid${i}`, g])), mlp: this.mlp };
  }

  protected raw(points: tf.Tensor2D): tf.Tensor2D {
    const feats = this.config.resolutions.map((r, i) => trilinear(this.grids[i], r, points, this.config.bound));
    return this.mlp.apply(feats.length === 1 ? feats[0] : tf.concat(feats, 1)) as tf.Tensor2D;
  }
}

/**
 * Trilinear interpolation of a grid of r³ vertices spanning [−b, b]³ (vertex (i, j, k) at −b + 2b·(i, j, k)/(r − 1),
 * stored x fastest) at points [N, 3] (clamped into the box). Differentiable in the grid only (the points' gradient is
 * not needed: normals come from finite differences). Both passes are plain loops over the host arrays — 8 corners ×
 * F features per point, and the transposed scatter-add for the gradient — which beats tfjs's generic gather and
 * its segment-sum gradient by a wide margin on the CPU.
 * @param grid [r³, F]
 * @returns [N, F]
 */
export function trilinear(grid: tf.Tensor2D | tf.Variable, r: number, points: tf.Tensor2D, b: number): tf.Tensor2D {
  const n = points.shape[0];
  const f = grid.shape[1]!;
  const { idx, w } = cornerWeights(points.dataSync() as Float32Array, n, r, b);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [g, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const gv = g.dataSync() as Float32Array;
    const out = new Float32Array(n * f);
    for (let p = 0; p < n; p++) {
      for (let c = 0; c < 8; c++) {
        const k = 8 * p + c;
        const wk = w[k];
        const src = idx[k] * f;
        for (let j = 0; j < f; j++) out[p * f + j] += wk * gv[src + j];
      }
    }
    save([]);
    return {
      value: tf.tensor2d(out, [n, f]),
      gradFunc: (dy: tf.Tensor) => {
        const d = dy.dataSync() as Float32Array;
        const dg = new Float32Array(r * r * r * f);
        for (let p = 0; p < n; p++) {
          for (let c = 0; c < 8; c++) {
            const k = 8 * p + c;
            const wk = w[k];
            const dst = idx[k] * f;
            for (let j = 0; j < f; j++) dg[dst + j] += wk * d[p * f + j];
          }
        }
        return tf.tensor2d(dg, [r * r * r, f]);
      },
    };
  });
  return op(grid) as tf.Tensor2D;
}

/** The 8 corner indices and trilinear weights of each point: corner c = dx + 2dy + 4dz has weight Π (d ? f : 1 − f). */
function cornerWeights(pts: Float32Array, n: number, r: number, b: number): { idx: Int32Array; w: Float32Array } {
  const idx = new Int32Array(8 * n);
  const w = new Float32Array(8 * n);
  const scale = (r - 1) / (2 * b);
  const hi = r - 1 - 1e-4;
  const i = [0, 0, 0];
  const t = [0, 0, 0];
  for (let p = 0; p < n; p++) {
    for (let a = 0; a < 3; a++) {
      const u = Math.min(hi, Math.max(0, (pts[3 * p + a] + b) * scale));
      i[a] = Math.floor(u);
      t[a] = u - i[a];
    }
    for (let c = 0; c < 8; c++) {
      const dx = c & 1;
      const dy = (c >> 1) & 1;
      const dz = (c >> 2) & 1;
      idx[8 * p + c] = i[0] + dx + r * (i[1] + dy + r * (i[2] + dz));
      w[8 * p + c] = (dx ? t[0] : 1 - t[0]) * (dy ? t[1] : 1 - t[1]) * (dz ? t[2] : 1 - t[2]);
    }
  }
  return { idx, w };
}
