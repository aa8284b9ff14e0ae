import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { camera, project } from '../../src/core/camera.ts';
import { renderShape } from '../../src/core/data/shapes/renderer.ts';
import { ModuleBase, type ModuleEntries } from '../../src/core/nn/module.ts';
import { Rng } from '../../src/core/rng.ts';
import { cameraRays, sampleCamera, turntableCameras, viewName, viewPrompt } from '../../src/nerf/camera.ts';
import { cameraConfig } from '../../src/nerf/camera.ts';
import type { Field, FieldOutput } from '../../src/nerf/field.ts';
import { blobDensity } from '../../src/nerf/field.ts';
import { densityNormals } from '../../src/nerf/normals.ts';
import { promptProblem } from '../../src/nerf/prompt.ts';
import { renderViews } from '../../src/nerf/render.ts';
import { compositeValues, compositeWeights, opacityOf } from '../../src/nerf/renderer.ts';
import { sphereSamples } from '../../src/nerf/sampler.ts';

/** An analytic field: density `sigma` inside the sphere |p − c| < r, 0 outside; albedo = a constant colour. */
class BallField extends ModuleBase implements Field {
  constructor(
    readonly sigma: number,
    readonly r: number,
    readonly centre: [number, number, number] = [0, 0, 0],
    readonly colour: [number, number, number] = [1, 0, 0],
    /** width of the smooth step at the surface; 0: a hard step */
    readonly width = 0.02,
  ) {
    super();
  }
  protected entries(): ModuleEntries {
    return {};
  }
  density(p: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => {
      const d = tf.sqrt(tf.sum(tf.square(tf.sub(p, tf.tensor1d(this.centre))), 1));
      // A smooth step at radius r (so that finite differences see a gradient), or a hard one.
      const inside = this.width > 0 ? tf.sigmoid(tf.div(tf.sub(this.r, d), this.width)) : tf.cast(tf.less(d, this.r), 'float32');
      return tf.mul(inside, this.sigma) as tf.Tensor1D;
    });
  }
  albedo(p: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.tile(tf.tensor2d([this.colour]), [p.shape[0], 1]) as tf.Tensor2D);
  }
  query(p: tf.Tensor): FieldOutput {
    return tf.tidy(() => {
      const flat = tf.reshape(p, [-1, 3]) as tf.Tensor2D;
      return { density: tf.reshape(this.density(flat), p.shape.slice(0, -1)), rgb: tf.reshape(this.albedo(flat), p.shape) };
    });
  }
}

describe('compositing', () => {
  it('one opaque sample takes all the weight; its depth and any value composite to its own', () => {
    tf.tidy(() => {
      const z = tf.tensor2d([[1, 2, 3]]);
      const w = compositeWeights(tf.tensor2d([[0, 1e4, 0]]), z, 4);
      expect(Array.from(w.dataSync())).toEqual([0, 1, 0].map((v) => expect.closeTo(v, 5)));
      expect(compositeValues(w, z).dataSync()[0]).toBeCloseTo(2, 4);
      const normals = tf.tensor3d([[[1, 0, 0], [0, 0.6, 0.8], [0, 0, 1]]]);
      expect(Array.from(compositeValues(w, normals).dataSync())).toEqual([0, 0.6, 0.8].map((v) => expect.closeTo(v, 4)));
    });
  });

  it("a uniform medium's transmittance is exp(−σL), the last interval running to the far end (not 1e10)", () => {
    tf.tidy(() => {
      // σ = 0.7 on [1, 3] sampled at 1, 1.5, 2, 2.5; far = 3, so L = 2 and the opacity is 1 − e^{−1.4}.
      const z = tf.tensor2d([[1, 1.5, 2, 2.5]]);
      const w = compositeWeights(tf.fill([1, 4], 0.7) as tf.Tensor2D, z, 3);
      expect(opacityOf(w).dataSync()[0]).toBeCloseTo(1 - Math.exp(-0.7 * 2), 5);
      // Each sample holds e^{−σ·0.5 i}(1 − e^{−σ·0.5}).
      w.dataSync().forEach((v, i) => expect(v).toBeCloseTo(Math.exp(-0.35 * i) * (1 - Math.exp(-0.35)), 5));
      // Per-ray far ends: the second ray is half as long.
      const w2 = compositeWeights(tf.fill([2, 4], 0.7) as tf.Tensor2D, tf.tensor2d([[1, 1.5, 2, 2.5], [1, 1.25, 1.5, 1.75]]), tf.tensor1d([3, 2]));
      const op = opacityOf(w2).dataSync();
      expect(op[1]).toBeCloseTo(1 - Math.exp(-0.7), 5);
    });
  });

  it('samples rays only on their chord through the bounding sphere', () => {
    tf.tidy(() => {
      const rays = { origins: tf.tensor2d([[0, 0, 2.5], [0, 2, 2.5]]), directions: tf.tensor2d([[0, 0, -1], [0, 0, -1]]) };
      const { z, far } = sphereSamples(rays, 1, 4, null);
      expect(Array.from(z.dataSync().slice(0, 4))).toEqual([1.75, 2.25, 2.75, 3.25].map((v) => expect.closeTo(v, 5)));
      expect(far.dataSync()[0]).toBeCloseTo(3.5, 5);
      // The second ray misses: an empty interval, so nothing is composited.
      const w = compositeWeights(tf.fill([2, 4], 100) as tf.Tensor2D, z, far);
      expect(opacityOf(w).dataSync()[1]).toBe(0);
    });
  });
});

describe('cameras', () => {
  it("look at the origin: the image centre's ray passes through it", () => {
    const cam = camera(57, 23);
    tf.tidy(() => {
      const { origins, directions } = cameraRays([cam], 2);
      // The optical axis lies between the four pixels of a 2×2 image: their mean direction is −origin/|origin|.
      const d = tf.mean(directions, 0).dataSync();
      const n = Math.hypot(d[0], d[1], d[2]);
      cam.origin.forEach((o, k) => expect(d[k] / n).toBeCloseTo(-o / 2.5, 5));
      expect(Array.from(origins.dataSync().slice(0, 3))).toEqual(cam.origin.map((v) => expect.closeTo(v, 5)));
    });
  });

  it("render a small ball where the shapes renderer's projection puts its centre", () => {
    const centre: [number, number, number] = [0.3, -0.2, 0.1];
    const cam = camera(40, 20);
    const field = new BallField(200, 0.08, centre, [1, 0, 0], 0);
    const r = renderViews(field, [cam], { size: 32, numSamples: 64, radius: 1, rng: null });
    const opacity = r.opacity.dataSync();
    let [su, sv, sw] = [0, 0, 0];
    for (let i = 0; i < 32; i++) for (let j = 0; j < 32; j++) (su += opacity[i * 32 + j] * (j + 0.5)), (sv += opacity[i * 32 + j] * (i + 0.5)), (sw += opacity[i * 32 + j]);
    const [u, v] = project(cam, centre, 32, 32)!;
    expect(su / sw).toBeCloseTo(u, 0);
    expect(sv / sw).toBeCloseTo(v, 0);
    tf.dispose([r.image, r.opacity, r.depth]);
  });

  it("see the true sphere where the shapes renderer does (silhouettes agree)", () => {
    const cam = camera(200, 35);
    const field = new BallField(500, 0.5, [0, 0, 0], [1, 0, 0], 0);
    const r = renderViews(field, [cam], { size: 32, numSamples: 96, radius: 1, rng: null });
    const opacity = r.opacity.dataSync();
    const truth = renderShape({ shape: 0, color: 0, azimuth: 200, elevation: 35 }, 32, { samplesPerPixel: 1 });
    let disagree = 0;
    for (let p = 0; p < 32 * 32; p++) if (opacity[p] > 0.5 !== truth[3 * p + 1] < 0.99) disagree++;
    expect(disagree).toBeLessThan(0.02 * 32 * 32);
    tf.dispose([r.image, r.opacity, r.depth]);
  });

  it('jitter distance and field of view within their ranges', () => {
    const cfg = cameraConfig.parse({ distanceJitter: 0.1, fovJitterDeg: 5 });
    const rng = new Rng(4);
    for (let i = 0; i < 50; i++) {
      const c = sampleCamera(cfg, rng);
      expect(c.distance).toBeGreaterThanOrEqual(2.25);
      expect(c.distance).toBeLessThanOrEqual(2.75);
      expect(c.fovDeg).toBeGreaterThanOrEqual(35);
      expect(c.fovDeg).toBeLessThanOrEqual(45);
      expect(c.elevationDeg).toBeGreaterThanOrEqual(-10);
      expect(c.elevationDeg).toBeLessThanOrEqual(60);
    }
    expect(turntableCameras().map((c) => c.azimuthDeg)).toEqual(Array.from({ length: 16 }, (_, i) => 22.5 * i));
  });
});

describe('view prompts', () => {
  it("follow the data's thresholds: front |az| < 45°, back |az| > 135°, overhead above 45° elevation", () => {
    const at = (azimuthDeg: number, elevationDeg = 0) => viewName({ azimuthDeg, elevationDeg });
    expect([at(0), at(44.9), at(45), at(315.1), at(314.9)]).toEqual(['front', 'front', 'side', 'front', 'side']);
    expect([at(135), at(135.1), at(180), at(224.9), at(225)]).toEqual(['side', 'back', 'back', 'back', 'side']);
    expect([at(0, 45), at(0, 45.1), at(180, 60)]).toEqual(['front', 'overhead', 'overhead']);
    expect(viewPrompt('a red cube', { azimuthDeg: 90, elevationDeg: 10 })).toBe('a red cube, side view');
  });

  it('refuse unknown words, naming them and the known ones', () => {
    expect(promptProblem('a red cube')).toBeNull();
    expect(promptProblem('a crimson cube')).toMatch(/unknown word "crimson".*known shapes: sphere, cube, cylinder, cone, torus; colours: red, green, blue, yellow, purple/);
    expect(promptProblem('a red cube, side view')).toMatch(/without a view/);
  });
});

describe('normals', () => {
  it("of a sphere's density point outward, along p/|p|", () => {
    tf.tidy(() => {
      const field = new BallField(10, 0.5);
      const rng = new Rng(5);
      const p = rng.normalTensor([20, 3]);
      const onSurface = tf.mul(tf.div(p, tf.norm(p, 'euclidean', 1, true)), 0.5) as tf.Tensor2D;
      const n = densityNormals((x) => field.density(x), onSurface);
      const cos = tf.sum(tf.mul(n, tf.div(onSurface, 0.5)), 1).dataSync();
      for (const c of cos) expect(c).toBeGreaterThan(0.999);
      // The blob's density (DreamFusion's init) too.
      const nb = densityNormals((x) => blobDensity(x, { density: 10, radius: 0.5 }), onSurface);
      for (const c of tf.sum(tf.mul(nb, tf.div(onSurface, 0.5)), 1).dataSync()) expect(c).toBeGreaterThan(0.999);
    });
  });
});
