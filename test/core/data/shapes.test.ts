import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/rng.ts';
import { camera, focalPixels, project, rays } from '../../../src/core/camera.ts';
import { CUBE_HALF, intersectShape, occupancy, occupancyGrid, SHAPES, SPHERE_RADIUS } from '../../../src/core/data/shapes/primitives.ts';
import { TORUS_R, TORUS_TUBE } from '../../../src/core/data/shapes/torus.ts';
import { ALBEDO, AMBIENT, DIFFUSE, LIGHT_DIR } from '../../../src/core/data/shapes/shading.ts';
import { renderShape } from '../../../src/core/data/shapes/renderer.ts';
import {
  classId,
  parsePrompt,
  promptFor,
  shapesBatch,
  shapesDataset,
  viewIndex,
  VIEWS,
  COLORS,
  wrapAzimuth,
} from '../../../src/core/data/shapes/dataset.ts';

const D = 2.5;
const SPHERE = 0;
const CUBE = 1;
const CONE = 3;
const TORUS = 4;

function px(img: Float32Array, size: number, i: number, j: number): [number, number, number] {
  const o = (i * size + j) * 3;
  return [img[o], img[o + 1], img[o + 2]];
}

describe('camera', () => {
  it('puts azimuth 0 on +z looking along −z, azimuth 90 on +x, with a right-handed y-up basis', () => {
    const c = camera(0, 0);
    expect(c.origin[2]).toBeCloseTo(D, 12);
    [0, 0, -1].forEach((v, a) => expect(c.forward[a]).toBeCloseTo(v, 12));
    expect(c.right[0]).toBeCloseTo(1, 12);
    expect(c.up[1]).toBeCloseTo(1, 12);
    const c90 = camera(90, 0);
    expect(c90.origin[0]).toBeCloseTo(D, 12);
    expect(c90.origin[2]).toBeCloseTo(0, 12);
    const c30 = camera(0, 30);
    expect(c30.origin[1]).toBeCloseTo(D * 0.5, 12);
    expect(c30.up[1]).toBeGreaterThan(0);
    expect(camera(0, 90).right[0]).toBeCloseTo(1, 12); // pole: basis still defined
  });

  it('projects the hit point of each pixel ray back onto that pixel centre', () => {
    const cam = camera(123, 37);
    const { origins, directions } = rays(cam, 8, 8);
    for (const [i, j] of [[0, 0], [3, 5], [7, 2]]) {
      const k = (i * 8 + j) * 3;
      const p: [number, number, number] = [0, 1, 2].map((a) => origins[k + a] + 2.2 * directions[k + a]) as [number, number, number];
      const uv = project(cam, p, 8, 8)!;
      expect(uv[0]).toBeCloseTo(j + 0.5, 4);
      expect(uv[1]).toBeCloseTo(i + 0.5, 4);
    }
  });
});

describe('rays', () => {
  it('gives unit directions, jittered inside their own stratum when asked', () => {
    const cam = camera(0, 0);
    const size = 4;
    const f = focalPixels(size);
    const { directions } = rays(cam, size, size, { samplesPerAxis: 2, jitter: new Rng(9) });
    for (let k = 0; k < directions.length / 3; k++) {
      const [x, y, z] = [directions[3 * k], directions[3 * k + 1], directions[3 * k + 2]];
      expect(Math.hypot(x, y, z)).toBeCloseTo(1, 6);
      // Camera at +z looking along −z: right = +x, up = +y, forward = −z.
      const u = size / 2 + (f * x) / -z;
      const v = size / 2 - (f * y) / -z;
      const pixel = Math.floor(k / 4);
      const [si, sj] = [Math.floor((k % 4) / 2), k % 2];
      const [i, j] = [Math.floor(pixel / size), pixel % size];
      expect(u).toBeGreaterThanOrEqual(j + sj / 2 - 1e-5);
      expect(u).toBeLessThanOrEqual(j + (sj + 1) / 2 + 1e-5);
      expect(v).toBeGreaterThanOrEqual(i + si / 2 - 1e-5);
      expect(v).toBeLessThanOrEqual(i + (si + 1) / 2 + 1e-5);
    }
  });
});

describe('primitives', () => {
  it('ray hits agree with occupancy: inside just after the hit, outside before it, and misses stay outside', () => {
    const rng = new Rng(11);
    const nrm = new Float64Array(3);
    for (let shape = 0; shape < SHAPES.length; shape++) {
      let hits = 0;
      for (let n = 0; n < 400; n++) {
        const cam = camera(360 * rng.uniform(), -10 + 70 * rng.uniform());
        // Aim near the object: a random direction within ~16° of the optical axis.
        const d = [cam.forward[0] + 0.3 * (rng.uniform() - 0.5), cam.forward[1] + 0.3 * (rng.uniform() - 0.5), cam.forward[2] + 0.3 * (rng.uniform() - 0.5)];
        const len = Math.hypot(d[0], d[1], d[2]);
        const [dx, dy, dz] = [d[0] / len, d[1] / len, d[2] / len];
        const [ox, oy, oz] = cam.origin;
        const at = (t: number): [number, number, number] => [ox + t * dx, oy + t * dy, oz + t * dz];
        const t = intersectShape(shape, ox, oy, oz, dx, dy, dz, nrm);
        if (t === Infinity) {
          let anyInside = false;
          for (let s = 0; s <= 400; s++) anyInside ||= occupancy(shape, at(1.5 + s * 0.005));
          expect(anyInside).toBe(false);
          continue;
        }
        hits++;
        expect(occupancy(shape, at(t - 1e-4))).toBe(false);
        // Entering: inside just past the hit (grazing hits may exit within 1e-4; accept the hit point on the surface).
        expect(occupancy(shape, at(t + 1e-6)) || occupancy(shape, at(t))).toBe(true);
        let insideBefore = false;
        for (let s = 0; s < 50; s++) insideBefore ||= occupancy(shape, at(t * (s / 50)));
        expect(insideBefore).toBe(false);
        expect(Math.hypot(nrm[0], nrm[1], nrm[2])).toBeCloseTo(1, 9);
        expect(nrm[0] * dx + nrm[1] * dy + nrm[2] * dz).toBeLessThanOrEqual(1e-9); // faces the ray
      }
      expect(hits).toBeGreaterThan(100);
    }
  });

  it('samples occupancy grids whose volumes match the closed-form volumes', () => {
    const res = 64;
    const cellVolume = (1.5 / res) ** 3;
    const volumes = [
      (4 / 3) * Math.PI * 0.5 ** 3, // sphere
      0.8 ** 3, // cube
      Math.PI * 0.4 ** 2 * 0.9, // cylinder
      (Math.PI * 0.5 ** 2 * 0.9) / 3, // cone
      2 * Math.PI ** 2 * TORUS_R * TORUS_TUBE ** 2, // torus (Pappus)
    ];
    for (let shape = 0; shape < SHAPES.length; shape++) {
      const grid = occupancyGrid(shape, res);
      const v = grid.reduce((a, b) => a + b, 0) * cellVolume;
      expect(Math.abs(v - volumes[shape]) / volumes[shape]).toBeLessThan(0.03);
    }
    // Layout: x fastest. The cone is wider at the bottom (low y) than at the top.
    const cone = occupancyGrid(CONE, 16);
    const rowSum = (iy: number): number => {
      let n = 0;
      for (let iz = 0; iz < 16; iz++) for (let ix = 0; ix < 16; ix++) n += cone[(iz * 16 + iy) * 16 + ix];
      return n;
    };
    expect(rowSum(3)).toBeGreaterThan(rowSum(12));
  });

  it('finds exact torus hits: the point is on the surface and the normal points away from the core circle', () => {
    const rng = new Rng(5);
    const nrm = new Float64Array(3);
    let hits = 0;
    for (let n = 0; n < 2000; n++) {
      const cam = camera(360 * rng.uniform(), -10 + 100 * rng.uniform());
      const d = [cam.forward[0] + 0.5 * (rng.uniform() - 0.5), cam.forward[1] + 0.5 * (rng.uniform() - 0.5), cam.forward[2] + 0.5 * (rng.uniform() - 0.5)];
      const len = Math.hypot(d[0], d[1], d[2]);
      const t = intersectShape(TORUS, ...cam.origin, d[0] / len, d[1] / len, d[2] / len, nrm);
      if (t === Infinity) continue;
      hits++;
      const p = [0, 1, 2].map((a) => cam.origin[a] + (t * d[a]) / len);
      const rho = Math.hypot(p[0], p[2]);
      expect(Math.abs(Math.hypot(rho - TORUS_R, p[1]) - TORUS_TUBE)).toBeLessThan(1e-7);
      const core = [(TORUS_R * p[0]) / rho, 0, (TORUS_R * p[2]) / rho];
      const g = [p[0] - core[0], p[1], p[2] - core[2]].map((v) => v / TORUS_TUBE);
      for (let a = 0; a < 3; a++) expect(nrm[a]).toBeCloseTo(g[a], 5);
    }
    expect(hits).toBeGreaterThan(300);
  });
});

describe('renderShape', () => {
  it("draws a sphere's silhouette with radius f·r/√(d² − r²) pixels (pixel-centre rays)", () => {
    for (const [size, az, el] of [[64, 0, 0], [32, 200, 40]]) {
      const img = renderShape({ shape: SPHERE, color: 2, azimuth: az, elevation: el }, size, { samplesPerPixel: 1 });
      // The rays tangent to the sphere form a cone about the optical axis with sin θ = r/d, which meets the image plane
      // (at focal length f pixels) in a circle of radius f·tan θ = f·r/√(d² − r²), centred on the image centre.
      const rPx = (focalPixels(size) * SPHERE_RADIUS) / Math.sqrt(D * D - SPHERE_RADIUS * SPHERE_RADIUS);
      let checked = 0;
      for (let i = 0; i < size; i++) {
        for (let j = 0; j < size; j++) {
          const dist = Math.hypot(j + 0.5 - size / 2, i + 0.5 - size / 2);
          if (Math.abs(dist - rPx) < 1e-3) continue;
          const isBackground = px(img, size, i, j).every((v) => v === 1);
          expect(isBackground).toBe(dist > rPx);
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(size * size - 4);
    }
  });

  it('anti-aliases the sphere edge: the 4×4 sub-sample coverage decides white / strictly between / object', () => {
    const size = 32;
    const img = renderShape({ shape: SPHERE, color: 0, azimuth: 10, elevation: 0 }, size);
    const rPx = (focalPixels(size) * SPHERE_RADIUS) / Math.sqrt(D * D - SPHERE_RADIUS * SPHERE_RADIUS);
    let edge = 0;
    for (let i = 0; i < size; i++) {
      for (let j = 0; j < size; j++) {
        let inside = 0;
        let nearEdge = false;
        for (let si = 0; si < 4; si++) {
          for (let sj = 0; sj < 4; sj++) {
            const r = Math.hypot(j + (sj + 0.5) / 4 - size / 2, i + (si + 0.5) / 4 - size / 2);
            if (Math.abs(r - rPx) < 1e-3) nearEdge = true;
            if (r < rPx) inside++;
          }
        }
        if (nearEdge) continue;
        const [r, g, b] = px(img, size, i, j);
        if (inside === 0) expect([r, g, b]).toEqual([1, 1, 1]);
        else if (inside < 16) {
          edge++;
          // Red albedo: green and blue drop below 1 in proportion to coverage, but stay above the object's value.
          expect(g).toBeLessThan(1);
          expect(g).toBeGreaterThan(0);
          expect(g).toBeGreaterThanOrEqual(1 - inside / 16 - 1e-6);
          expect(g).toBeLessThanOrEqual(1 - (inside / 16) * (1 - ALBEDO[0][1]) + 1e-6);
        } else {
          expect(g).toBeLessThanOrEqual(ALBEDO[0][1] + 1e-6);
        }
      }
    }
    expect(edge).toBeGreaterThan(20);
  });

  it('shades a cube face as albedo · (ambient + diffuse · n·l) for its known normal', () => {
    const size = 32;
    const c = 16;
    const cases: [number, number, number][] = [
      [0, 0, LIGHT_DIR[2]], // +z face
      [90, 0, LIGHT_DIR[0]], // +x face
      [0, 60, LIGHT_DIR[1]], // top face: the central ray enters through y = 0.4 at z ≈ 0.23
    ];
    for (const [az, el, ndotl] of cases) {
      for (let color = 0; color < COLORS.length; color++) {
        const img = renderShape({ shape: CUBE, color, azimuth: az, elevation: el }, size);
        const expected = ALBEDO[color].map((a) => a * (AMBIENT + DIFFUSE * Math.max(0, ndotl)));
        const got = px(img, size, c, c);
        for (let k = 0; k < 3; k++) expect(got[k]).toBeCloseTo(expected[k], 6);
      }
    }
    // The back (−z) face faces away from the light: ambient only.
    const back = renderShape({ shape: CUBE, color: 3, azimuth: 180, elevation: 0 }, size);
    expect(LIGHT_DIR[2]).toBeGreaterThan(0);
    for (let k = 0; k < 3; k++) expect(px(back, size, c, c)[k]).toBeCloseTo(ALBEDO[3][k] * AMBIENT, 6);
  });

  it("draws the cube head-on as its front face: a square of half-width f·0.4/(2.5 − 0.4) pixels", () => {
    const size = 64;
    const img = renderShape({ shape: CUBE, color: 1, azimuth: 0, elevation: 0 }, size, { samplesPerPixel: 1 });
    const half = (focalPixels(size) * CUBE_HALF) / (D - CUBE_HALF);
    for (let i = 0; i < size; i++) {
      for (let j = 0; j < size; j++) {
        const m = Math.max(Math.abs(j + 0.5 - size / 2), Math.abs(i + 0.5 - size / 2));
        if (Math.abs(m - half) < 1e-3) continue;
        expect(px(img, size, i, j).every((v) => v === 1)).toBe(m > half);
      }
    }
  });

  it('renders 64×64 at 2×2 samples as the 32×32 4×4 render refined (same sub-sample positions)', () => {
    for (let shape = 0; shape < SHAPES.length; shape++) {
      const s = { shape, color: shape, azimuth: 33 + 50 * shape, elevation: 5 + 10 * shape };
      const small = renderShape(s, 32);
      const large = renderShape(s, 64, { samplesPerPixel: 4 });
      let maxErr = 0;
      for (let i = 0; i < 32; i++) {
        for (let j = 0; j < 32; j++) {
          for (let c = 0; c < 3; c++) {
            let m = 0;
            for (const [a, b] of [[0, 0], [0, 1], [1, 0], [1, 1]]) m += large[((2 * i + a) * 64 + 2 * j + b) * 3 + c] / 4;
            maxErr = Math.max(maxErr, Math.abs(m - small[(i * 32 + j) * 3 + c]));
          }
        }
      }
      expect(maxErr).toBeLessThan(1e-5);
    }
  });

  it('leaves background pixels exactly white', () => {
    for (let shape = 0; shape < SHAPES.length; shape++) {
      const img = renderShape({ shape, color: 4, azimuth: 77, elevation: 20 }, 32);
      for (const [i, j] of [[0, 0], [0, 31], [31, 0], [31, 31], [16, 0], [0, 16]]) expect(px(img, 32, i, j)).toEqual([1, 1, 1]);
      expect(img.every((v) => v >= 0 && v <= 1)).toBe(true);
    }
  });

  it('shows the torus hole from overhead and the tube from the side', () => {
    for (const el of [60, 90]) {
      const img = renderShape({ shape: TORUS, color: 0, azimuth: 30, elevation: el }, 32);
      expect(px(img, 32, 16, 16)).toEqual([1, 1, 1]); // through the hole
      expect(px(img, 32, 15, 15)).toEqual([1, 1, 1]);
      // The tube itself, at the projection of a point on the core circle nearest the camera.
      const cam = camera(30, el);
      const near: [number, number, number] = [TORUS_R * Math.sin(Math.PI / 6), TORUS_TUBE, TORUS_R * Math.cos(Math.PI / 6)];
      const [u, v] = project(cam, near, 32, 32)!;
      expect(px(img, 32, Math.floor(v), Math.floor(u))[1]).toBeLessThan(ALBEDO[0][1] + 1e-6);
    }
    const side = renderShape({ shape: TORUS, color: 0, azimuth: 0, elevation: 0 }, 32);
    expect(px(side, 32, 16, 16)[1]).toBeLessThan(0.5); // side view: the far and near tube cover the centre
  });

  it('draws the cone apex up: nothing above the apex, a narrow top, widening downwards', () => {
    const size = 64;
    const img = renderShape({ shape: CONE, color: 1, azimuth: 0, elevation: 0 }, size, { samplesPerPixel: 1 });
    const widths: number[] = [];
    for (let i = 0; i < size; i++) {
      let w = 0;
      for (let j = 0; j < size; j++) if (!px(img, size, i, j).every((v) => v === 1)) w++;
      widths.push(w);
    }
    const rows = widths.map((w, i) => (w > 0 ? i : -1)).filter((i) => i >= 0);
    const top = rows[0];
    const bottom = rows[rows.length - 1];
    const cam = camera(0, 0);
    const vApex = project(cam, [0, 0.45, 0], size, size)![1];
    expect(top + 0.5).toBeGreaterThan(vApex); // no pixel centre above the apex is covered
    expect(top + 0.5).toBeLessThan(vApex + 2);
    expect(widths[top]).toBeLessThanOrEqual(2);
    // Widest at the base rim: between the projections of the rim points x = ±0.5 and of the rim's tangent rays.
    const widest = widths.indexOf(Math.max(...widths));
    const f = focalPixels(size);
    expect(widths[widest]).toBeGreaterThanOrEqual((2 * f * 0.5) / D - 1);
    expect(widths[widest]).toBeLessThanOrEqual((2 * f * 0.5) / Math.sqrt(D * D - 0.25) + 1);
    expect(widest).toBeGreaterThan(project(cam, [0, -0.45, 0], size, size)![1] - 2);
    expect(bottom - widest).toBeLessThan(4); // below the rim only the near half of the base ellipse
    for (let i = top; i < widest; i++) expect(widths[i + 1]).toBeGreaterThanOrEqual(widths[i]);
  });
});

describe('prompts and views', () => {
  it('names views at the boundary azimuths and elevations (overhead takes precedence)', () => {
    const name = (az: number, el: number): string => VIEWS[viewIndex(az, el)];
    expect(name(0, 0)).toBe('front');
    expect(name(44.9, 0)).toBe('front');
    expect(name(45, 0)).toBe('side');
    expect(name(135, 0)).toBe('side');
    expect(name(135.1, 0)).toBe('back');
    expect(name(180, 0)).toBe('back');
    expect(name(225, 0)).toBe('side'); // −135
    expect(name(225.1, 0)).toBe('side');
    expect(name(224.9, 0)).toBe('back');
    expect(name(315, 0)).toBe('side'); // −45
    expect(name(315.1, 0)).toBe('front');
    expect(name(359.9, 45)).toBe('front');
    expect(name(180, 45.1)).toBe('overhead');
    expect(wrapAzimuth(180)).toBe(180);
    expect(wrapAzimuth(540)).toBe(180);
    expect(wrapAzimuth(-180)).toBe(180);
  });

  it('writes and parses prompts for every shape, colour and view', () => {
    expect(promptFor({ shape: 1, color: 0, azimuth: 90, elevation: 10 })).toBe('a red cube, side view');
    for (let shape = 0; shape < 5; shape++) {
      for (let color = 0; color < 5; color++) {
        for (const [az, el, view] of [[0, 0, 0], [90, 0, 1], [180, 0, 2], [0, 50, 3]]) {
          const s = { shape, color, azimuth: az, elevation: el };
          expect(parsePrompt(promptFor(s))).toEqual({ shape, color, view });
          expect(classId(s)).toBe(shape * 5 + color);
        }
      }
    }
    expect(parsePrompt('A Blue Sphere, Front View.')).toEqual({ shape: 0, color: 2, view: 0 });
    expect(parsePrompt('a blue sphere')).toEqual({ shape: 0, color: 2, view: -1 });
    expect(parsePrompt('a blue dodecahedron, side view')).toBeNull();
    expect(parsePrompt('')).toBeNull();
  });
});

describe('shapesBatch', () => {
  it('is deterministic for a seed and labels every image', () => {
    const a = shapesBatch(new Rng(3), 6, 16);
    const b = shapesBatch(new Rng(3), 6, 16);
    const c = shapesBatch(new Rng(4), 6, 16);
    expect(a.images).toEqual(b.images);
    expect(a.prompts).toEqual(b.prompts);
    expect(a.images).not.toEqual(c.images);
    expect(a.images.length).toBe(6 * 16 * 16 * 3);
    a.samples.forEach((s, i) => {
      expect(a.labels[i]).toBe(s.shape * 5 + s.color);
      expect(a.views[i]).toBe(viewIndex(s.azimuth, s.elevation));
      expect(s.elevation).toBeGreaterThanOrEqual(-10);
      expect(s.elevation).toBeLessThanOrEqual(60);
      expect(s.azimuth).toBeGreaterThanOrEqual(0);
      expect(s.azimuth).toBeLessThan(360);
      expect(a.prompts[i]).toBe(promptFor(s));
      expect(a.images.subarray(i * 768, (i + 1) * 768)).toEqual(renderShape(s, 16));
    });
  });

  it('gives fixed, distinct train and test sets', () => {
    const test1 = shapesDataset('test', 4);
    const test2 = shapesDataset('test', 4);
    const train = shapesDataset('train', 4);
    expect(test1.images).toEqual(test2.images);
    expect(test1.numClasses).toBe(25);
    expect(test1.shape).toEqual([32, 32, 3]);
    expect(train.samples[0]).not.toEqual(test1.samples[0]);
  });
});
