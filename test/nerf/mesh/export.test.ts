import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { readNpy } from '../../../src/core/io/npy.ts';
import { exportMesh, type MeshField } from '../../../src/nerf/mesh/export.ts';
import { decodeGlb } from '../../../src/nerf/mesh/glb.ts';
import { decodePly } from '../../../src/nerf/mesh/ply.ts';

const dirs: string[] = [];
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'dal-mesh-'));
  dirs.push(d);
  return d;
}
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** σ = (3 + 30·(1 − r/0.5))₊ — σ = 3 at r = 0.5, σ = 15 at r = 0.3 — red, and green above y = 0.3. */
const sphereField: MeshField = {
  density: (p) => tf.tidy(() => tf.relu(tf.add(3, tf.mul(30, tf.sub(1, tf.div(tf.norm(p, 'euclidean', 1), 0.5))))) as tf.Tensor1D),
  albedo: (p) =>
    tf.tidy(() => {
      const top = tf.cast(tf.greater(tf.slice(p, [0, 1], [-1, 1]), 0.3), 'float32'); // [N, 1]
      return tf.concat([tf.sub(1, top), top, tf.zerosLike(top)], 1) as tf.Tensor2D;
    }),
};

describe('exportMesh', () => {
  it('writes density.npy, mesh.ply and mesh.glb that agree, with albedo colours and IoUs, leaking no tensors', async () => {
    const dir = tmp();
    const before = tf.memory().numTensors;
    // σ > 3 is the ball of radius 0.5: the IoU against the true sphere is ~1.
    const res = await exportMesh(dir, sphereField, { resolution: 40, threshold: 3, shape: 'sphere' });
    expect(tf.memory().numTensors).toBe(before);
    expect(res.empty).toBe(false);
    expect(res.closed).toBe(true);
    expect(Math.abs(res.volume - (4 / 3) * Math.PI * 0.125) / ((4 / 3) * Math.PI * 0.125)).toBeLessThan(0.02);
    expect(res.iou!.best).toBe('sphere');
    expect(res.iou!.value).toBeGreaterThan(0.97);
    expect(res.iou!.all.cube).toBeCloseTo(0.726, 1);
    expect(res.maxDensity).toBeGreaterThan(25);

    const npy = readNpy(res.files.density);
    expect(npy.shape).toEqual([42, 42, 42]);
    expect(npy.data).toEqual(res.grid.grid);
    const ply = decodePly(fs.readFileSync(res.files.ply));
    const glb = await decodeGlb(fs.readFileSync(res.files.glb));
    expect(ply.positions.length / 3).toBe(res.vertices);
    expect(ply.indices.length / 3).toBe(res.faces);
    expect(glb.positions).toEqual(ply.positions);
    expect(glb.indices).toEqual(ply.indices);
    expect(glb.colors).toEqual(ply.colors);
    let wrong = 0;
    for (let v = 0; v < res.vertices; v++) {
      const expected = ply.positions[3 * v + 1] > 0.3 ? [0, 255, 0] : [255, 0, 0];
      if (expected.some((c, k) => ply.colors[3 * v + k] !== c)) wrong++;
    }
    expect(wrong).toBe(0);
    // Only the three outputs are left (no temporary files).
    expect(fs.readdirSync(dir).sort()).toEqual(['density.npy', 'mesh.glb', 'mesh.ply']);
  });

  it('cuts at the threshold: σ > 15 is the ball of radius 0.3', async () => {
    const res = await exportMesh(tmp(), sphereField, { resolution: 48, threshold: 15 });
    const exact = (4 / 3) * Math.PI * 0.3 ** 3;
    expect(Math.abs(res.volume - exact) / exact).toBeLessThan(0.05);
    expect(res.iou).toBeUndefined();
  });

  it('handles an empty field: empty files that read back, a message naming the threshold and the largest density', async () => {
    const dir = tmp();
    const empty: MeshField = { density: (p) => tf.fill([p.shape[0]], 0.25) as tf.Tensor1D, albedo: (p) => tf.zeros([p.shape[0], 3]) as tf.Tensor2D };
    const res = await exportMesh(dir, empty, { resolution: 16, threshold: 5, shape: 'cube' });
    expect(res.empty).toBe(true);
    expect(res.vertices).toBe(0);
    expect(res.message).toMatch(/empty mesh: no density above the threshold 5 \(largest density 0\.250\)/);
    expect(res.iou!.value).toBe(0);
    expect(decodePly(fs.readFileSync(res.files.ply)).positions.length).toBe(0);
    expect((await decodeGlb(fs.readFileSync(res.files.glb))).positions.length).toBe(0);
  });

  it('leaves the previous export in place and leaks nothing when the field fails (NaN density, throwing albedo)', async () => {
    const dir = tmp();
    const first = await exportMesh(dir, sphereField, { resolution: 16, threshold: 3 });
    const ply = fs.readFileSync(first.files.ply);
    const before = tf.memory().numTensors;
    const nan: MeshField = { ...sphereField, density: (p) => tf.fill([p.shape[0]], NaN) as tf.Tensor1D };
    await expect(exportMesh(dir, nan, { resolution: 16, threshold: 3 })).rejects.toThrow(/density is NaN/);
    const broken: MeshField = {
      ...sphereField,
      albedo: (p) => {
        tf.zeros([p.shape[0], 3]); // a tensor made before the failure must not leak either
        throw new Error('albedo exploded');
      },
    };
    await expect(exportMesh(dir, broken, { resolution: 16, threshold: 3 })).rejects.toThrow(/albedo exploded/);
    expect(tf.memory().numTensors).toBe(before);
    expect(fs.readFileSync(first.files.ply)).toEqual(ply);
    expect(fs.readdirSync(dir).sort()).toEqual(['density.npy', 'mesh.glb', 'mesh.ply']);
  });

  it('refuses a non-positive threshold and an unknown shape', async () => {
    await expect(exportMesh(tmp(), sphereField, { resolution: 8, threshold: 0 })).rejects.toThrow(/threshold must be a density > 0/);
    await expect(exportMesh(tmp(), sphereField, { resolution: 8, threshold: 1, shape: 'pyramid' as never })).rejects.toThrow(/unknown shape/);
  });
});
