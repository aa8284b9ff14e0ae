/**
 * Rendering a field from cameras: rays (camera.ts) → stratified samples in the scene's bounding sphere (sampler.ts)
 * → the field → compositing (renderer.ts) → deferred shading (shading.ts) over a background. One function from
 * cameras to images; the DreamFusion system, the turntable and the export all render through it.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Camera } from '../core/camera.ts';
import type { Rng } from '../core/rng.ts';
import { cameraRays } from './camera.ts';
import type { Field } from './field.ts';
import { densityNormals } from './normals.ts';
import { compositeValues, compositeWeights, opacityOf, overBackground } from './renderer.ts';
import { sphereSamples } from './sampler.ts';
import type { ViewShading } from './shading.ts';

export interface RenderOptions {
  /** output images are size×size */
  size: number;
  /** render at size·supersample and area-downsample (1 = none) */
  supersample?: number;
  /** stratified samples per ray */
  numSamples: number;
  /** radius of the scene's bounding sphere about the origin */
  radius: number;
  /** per view; default albedo for every view */
  shading?: readonly ViewShading[];
  /** ambient term of the shaded kinds (default 0.4) */
  ambient?: number;
  /** background colour per view [V, 3], or one [3] for all (default white) */
  background?: readonly (readonly number[])[] | readonly number[];
  /** stratification jitter; null: bin midpoints */
  rng: Rng | null;
  /** finite-difference step of the normals (default 0.01) */
  normalStep?: number;
  /** also compute the orientation term (needs the normals even for albedo views) */
  orientation?: boolean;
}

export interface RenderResult {
  /** [V, size, size, 3] */
  image: tf.Tensor4D;
  /** Σ w [V, size, size] */
  opacity: tf.Tensor3D;
  /** expected depth Σ w z (unnormalized: 0 where nothing is hit) [V, size, size] */
  depth: tf.Tensor3D;
  /**
   * Per view, DreamFusion's orientation penalty (§3.1, eq. in Appendix A.2) at the expected surface point of each
   * ray: mean over rays of O·max(0, n·d)² (d the ray direction: a normal facing away from the camera costs) [V];
   * only with `orientation`.
   */
  orientation?: tf.Tensor1D;
}

/** Renders `cams` (all at once: every tensor op is batched over V·size² rays). */
export function renderViews(field: Field, cams: readonly Camera[], opts: RenderOptions): RenderResult {
  const v = cams.length;
  const ss = opts.supersample ?? 1;
  const px = opts.size * ss;
  const per = px * px;
  const shading = opts.shading ?? cams.map(() => ({ shading: 'albedo' as const, light: [0, 0, 0] as [number, number, number] }));
  const needNormals = opts.orientation === true || shading.some((s) => s.shading !== 'albedo');
  const rays = cameraRays(cams, px);
  try {
    return tf.tidy((): RenderResult & tf.TensorContainerObject => {
      const { z, points, far } = sphereSamples(rays, opts.radius, opts.numSamples, opts.rng);
      const r = v * per;
      const s = opts.numSamples;
      const { density, rgb } = field.query(tf.reshape(points, [r * s, 3]));
      const weights = compositeWeights(tf.reshape(density, [r, s]) as tf.Tensor2D, z, far);
      const albedo = compositeValues(weights, tf.reshape(rgb, [r, s, 3]) as tf.Tensor3D); // [R, 3], premultiplied
      const opacity = opacityOf(weights);
      const depth = compositeValues(weights, z);
      let color = albedo;
      let orientation: tf.Tensor1D | undefined;
      if (needNormals) {
        // The expected surface point of each ray (its depth normalized by the opacity).
        const zs = tf.div(depth, tf.add(opacity, 1e-6));
        const surface = tf.add(rays.origins, tf.mul(rays.directions, tf.reshape(zs, [r, 1]))) as tf.Tensor2D;
        const normals = densityNormals((p) => field.density(p), surface, opts.normalStep ?? 1e-2);
        if (opts.orientation) {
          const facing = tf.relu(tf.sum(tf.mul(normals, rays.directions), 1));
          orientation = tf.mean(tf.reshape(tf.mul(opacity, tf.square(facing)), [v, per]), 1) as tf.Tensor1D;
        }
        color = shade(albedo, opacity, normals, surface, shading, per, opts.ambient ?? 0.4);
      }
      const bg = backgroundTensor(opts.background, v, per);
      let image = tf.reshape(overBackground(color, opacity, bg), [v, px, px, 3]) as tf.Tensor4D;
      let op = tf.reshape(opacity, [v, px, px, 1]) as tf.Tensor4D;
      let dp = tf.reshape(depth, [v, px, px, 1]) as tf.Tensor4D;
      if (ss > 1) [image, op, dp] = [image, op, dp].map((t) => tf.avgPool(t, ss, ss, 'valid') as tf.Tensor4D);
      const out: RenderResult & tf.TensorContainerObject = {
        image,
        opacity: tf.reshape(op, [v, opts.size, opts.size]) as tf.Tensor3D,
        depth: tf.reshape(dp, [v, opts.size, opts.size]) as tf.Tensor3D,
      };
      if (orientation) out.orientation = orientation;
      return out;
    });
  } finally {
    tf.dispose([rays.origins, rays.directions]);
  }
}

/**
 * Renders many views without gradients, `chunk` views at a time (the turntable, the export).
 * @returns images [V, size, size, 3] as host data
 */
export function renderImages(field: Field, cams: readonly Camera[], opts: Omit<RenderOptions, 'rng'>, chunk = 4): Float32Array {
  const per = opts.size * opts.size * 3;
  const out = new Float32Array(cams.length * per);
  for (let i = 0; i < cams.length; i += chunk) {
    const part = cams.slice(i, i + chunk);
    const res = renderViews(field, part, {
      ...opts,
      rng: null,
      shading: opts.shading?.slice(i, i + chunk),
      background: Array.isArray(opts.background?.[0]) ? (opts.background as number[][]).slice(i, i + chunk) : opts.background,
    });
    out.set(res.image.dataSync(), i * per);
    tf.dispose([res.image, res.opacity, res.depth, res.orientation ?? []].flat());
  }
  return out;
}

/** Per-ray colour of each view's shading kind (deferred, see shading.ts). */
function shade(
  albedo: tf.Tensor2D,
  opacity: tf.Tensor1D,
  normals: tf.Tensor2D,
  surface: tf.Tensor2D,
  shading: readonly ViewShading[],
  per: number,
  ambient: number,
): tf.Tensor2D {
  return tf.tidy(() => {
    const v = shading.length;
    const lights = tf.tensor3d(shading.flatMap((s) => s.light), [v, 1, 3]);
    const toLight = tf.sub(lights, tf.reshape(surface, [v, per, 3]));
    const l = tf.div(toLight, tf.norm(toLight, 'euclidean', 2, true));
    const diffuse = tf.relu(tf.sum(tf.mul(tf.reshape(normals, [v, per, 3]), l), 2, true)); // [V, per, 1]
    const intensity = tf.add(ambient, tf.mul(1 - ambient, diffuse));
    const a = tf.reshape(albedo, [v, per, 3]);
    const white = tf.tile(tf.reshape(opacity, [v, per, 1]), [1, 1, 3]); // the premultiplied white albedo
    // Per view: albedo, albedo·I, or white·I, selected by two masks [V, 1, 1].
    const isShaded = tf.tensor3d(shading.map((s) => (s.shading === 'albedo' ? 0 : 1)), [v, 1, 1]);
    const isTextureless = tf.tensor3d(shading.map((s) => (s.shading === 'textureless' ? 1 : 0)), [v, 1, 1]);
    const base = tf.add(tf.mul(a, tf.sub(1, isTextureless)), tf.mul(white, isTextureless));
    const lit = tf.mul(base, tf.add(tf.sub(1, isShaded), tf.mul(isShaded, intensity)));
    return tf.reshape(lit, [v * per, 3]) as tf.Tensor2D;
  });
}

function backgroundTensor(bg: RenderOptions['background'], v: number, per: number): tf.Tensor {
  if (bg === undefined) return tf.ones([3]);
  if (Array.isArray(bg[0])) {
    const rows = bg as readonly (readonly number[])[];
    return tf.reshape(tf.tile(tf.reshape(tf.tensor2d(rows.flat() as number[], [v, 3]), [v, 1, 3]), [1, per, 1]), [v * per, 3]);
  }
  return tf.tensor1d(bg as number[]);
}
