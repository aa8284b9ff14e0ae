import { describe, expect, it } from 'vitest';
import { occupancy, occupancyGrid, SHAPES } from '../../../src/core/data/shapes/primitives.ts';
import type { Bounds, Vec3 } from '../../../src/nerf/mesh/grid.ts';
import { iouAgainstAll, occupancyIoU } from '../../../src/nerf/mesh/iou.ts';

/** The indicator of primitive `shape` (1 inside, 0 outside) on an n³ lattice over bounds. */
function indicator(shape: number, n: number, bounds: Bounds): Float32Array {
  const g = new Float32Array(n ** 3);
  const h = (bounds.max[0] - bounds.min[0]) / (n - 1);
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < n; j++) {
      for (let i = 0; i < n; i++) g[i + n * (j + n * k)] = occupancy(shape, [bounds.min[0] + i * h, bounds.min[1] + j * h, bounds.min[2] + k * h]) ? 1 : 0;
    }
  }
  return g;
}

const SCENE: Bounds = { min: [-0.75, -0.75, -0.75], max: [0.75, 0.75, 0.75] };
const N = 128; // h = 1.5/127 keeps the samples off the primitives’ faces (at ±0.4, ±0.45), which would bias the counts
const DIMS: Vec3 = [N, N, N];

// Continuum IoUs worked out by hand (volumes in world units³):
// sphere r = 0.5 ∩ cube half 0.4 = ball minus six disjoint caps of height 0.1: 4π/3·0.125 − 6·π·0.1²·(1.5 − 0.1)/3.
const ball = (4 / 3) * Math.PI * 0.125;
const cube = 0.8 ** 3;
const sphereCubeI = ball - 6 * ((Math.PI * 0.01 * (1.5 - 0.1)) / 3);
// cylinder r 0.4, half-height 0.45 ∩ cube: the cylinder cut to |y| ≤ 0.4.
const cylinder = Math.PI * 0.16 * 0.9;
const cylCubeI = Math.PI * 0.16 * 0.8;
// cone (base r 0.5 at y = −0.45, apex y = 0.45) ∩ cylinder r 0.4: the cone above y = −0.27 (where its radius is 0.4)
// plus the cylinder slab −0.45 ≤ y ≤ −0.27.
const cone = (Math.PI / 3) * 0.25 * 0.9;
const coneCylI = (Math.PI / 3) * 0.16 * 0.72 + Math.PI * 0.16 * 0.18;
const HAND = {
  sphereCube: sphereCubeI / (ball + cube - sphereCubeI), // 0.7261
  cylinderCube: cylCubeI / (cylinder + cube - cylCubeI), // 0.7152
  coneCylinder: coneCylI / (cone + cylinder - coneCylI), // 0.4427
};

describe('occupancy IoU', () => {
  it('is 1 for every primitive against its own indicator, and each indicator matches best with itself', () => {
    for (let s = 0; s < SHAPES.length; s++) {
      const g = indicator(s, 49, SCENE);
      const all = iouAgainstAll(g, [49, 49, 49], SCENE, 0.5);
      expect(all[SHAPES[s]]).toBe(1);
      for (const other of SHAPES) if (other !== SHAPES[s]) expect(all[other]).toBeLessThan(0.8);
    }
  });

  it('matches the hand-computed IoUs of sphere–cube, cylinder–cube and cone–cylinder to within 0.005', () => {
    expect(HAND.sphereCube).toBeCloseTo(0.7261, 3);
    expect(HAND.cylinderCube).toBeCloseTo(0.7152, 3);
    expect(HAND.coneCylinder).toBeCloseTo(0.4427, 3);
    const sphere = indicator(0, N, SCENE);
    const cyl = indicator(2, N, SCENE);
    expect(occupancyIoU(sphere, DIMS, SCENE, 0.5, 'cube')).toBeCloseTo(HAND.sphereCube, 2);
    expect(occupancyIoU(cyl, DIMS, SCENE, 0.5, 'cube')).toBeCloseTo(HAND.cylinderCube, 2);
    expect(occupancyIoU(cyl, DIMS, SCENE, 0.5, 'cone')).toBeCloseTo(HAND.coneCylinder, 2);
  });

  it('uses the same cells as the shapes data’s occupancyGrid when the lattice is its cell centres', () => {
    // occupancyGrid(shape, res, extent) samples cell centres −e + (i + ½)·2e/res: a lattice from −e + e/res to e − e/res.
    const res = 32;
    const e = 0.75;
    const bounds: Bounds = { min: [-e + e / res, -e + e / res, -e + e / res], max: [e - e / res, e - e / res, e - e / res] };
    const truth = Float32Array.from(occupancyGrid(3, res, e));
    expect(occupancyIoU(truth, [res, res, res], bounds, 0.5, 'cone')).toBe(1);
    expect(occupancyIoU(truth, [res, res, res], bounds, 0.5, 'torus')).toBeLessThan(0.5);
  });

  it('supersampling a smooth density changes the IoU by well under 1%', () => {
    const n = 49;
    const g = new Float32Array(n ** 3);
    const h = 1.5 / (n - 1);
    for (let k = 0; k < n; k++) {
      for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) g[i + n * (j + n * k)] = 10 * (1 - Math.hypot(-0.75 + i * h, -0.75 + j * h, -0.75 + k * h) / 0.5);
    }
    const coarse = occupancyIoU(g, [n, n, n], SCENE, 0, 'cube');
    const fine = occupancyIoU(g, [n, n, n], SCENE, 0, 'cube', { supersample: 2 });
    expect(Math.abs(coarse - HAND.sphereCube)).toBeLessThan(0.01);
    expect(Math.abs(fine - HAND.sphereCube)).toBeLessThan(0.01);
    expect(Math.abs(fine - coarse)).toBeLessThan(0.01);
    expect(occupancyIoU(g, [n, n, n], SCENE, 0, 'sphere', { supersample: 2 })).toBeGreaterThan(0.99);
  });

  it('names the known shapes when given an unknown one', () => {
    const g = new Float32Array(8);
    expect(() => occupancyIoU(g, [2, 2, 2], SCENE, 0.5, 'pyramid' as never)).toThrow(/unknown shape "pyramid"; known shapes: sphere, cube, cylinder, cone, torus/);
  });
});
