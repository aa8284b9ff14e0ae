import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { faceComponents, removeSmallComponents } from '../../../src/nerf/mesh/components.ts';
import { exportMesh } from '../../../src/nerf/mesh/export.ts';
import { marchingCubes } from '../../../src/nerf/mesh/marching-cubes.ts';
import { isClosedAndOriented, meshVolume } from '../../../src/nerf/mesh/mesh.ts';
import { decodePly } from '../../../src/nerf/mesh/ply.ts';

/** A sphere of radius 0.4 at the origin and a speck of radius 0.08 at (0.6, 0.6, 0.6). */
const twoBlobs = (x: number, y: number, z: number) =>
  Math.max(0.4 - Math.hypot(x, y, z), 0.08 - Math.hypot(x - 0.6, y - 0.6, z - 0.6));

describe('mesh components', () => {
  const n = 40;
  const h = 1.6 / (n - 1);
  const g = new Float32Array(n ** 3);
  for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) g[i + n * (j + n * k)] = twoBlobs(-0.8 + i * h, -0.8 + j * h, -0.8 + k * h);
  const mesh = marchingCubes(g, [n, n, n], { min: [-0.8, -0.8, -0.8], max: [0.8, 0.8, 0.8] }, 0);

  it('finds the two spheres, the larger first, and drops the speck keeping a closed mesh of the big one', () => {
    const { labels, sizes } = faceComponents(mesh);
    expect(sizes).toHaveLength(2);
    expect(sizes[0]).toBeGreaterThan(10 * sizes[1]);
    expect(labels.length).toBe(mesh.indices.length / 3);
    const { mesh: kept, vertexMap } = removeSmallComponents(mesh, 0.1);
    expect(kept.indices.length / 3).toBe(sizes[0]);
    expect(isClosedAndOriented(kept)).toBe(true);
    const big = (4 / 3) * Math.PI * 0.4 ** 3;
    expect(Math.abs(meshVolume(kept) - big) / big).toBeLessThan(0.02);
    for (let i = 0; i < vertexMap.length; i++) {
      expect(kept.positions.subarray(3 * i, 3 * i + 3)).toEqual(mesh.positions.subarray(3 * vertexMap[i], 3 * vertexMap[i] + 3));
    }
    // A fraction of 0 keeps everything.
    expect(removeSmallComponents(mesh, 0).mesh.indices).toEqual(mesh.indices);
  });

  it('lets exportMesh drop floaters on request and reports the count', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dal-mesh-'));
    try {
      const field = {
        density: (p: tf.Tensor2D) =>
          tf.tidy(() => {
            const [x, y, z] = tf.unstack(p, 1);
            const r0 = tf.sqrt(tf.addN([tf.square(x), tf.square(y), tf.square(z)]));
            const r1 = tf.sqrt(tf.addN([tf.square(tf.sub(x, 0.6)), tf.square(tf.sub(y, 0.6)), tf.square(tf.sub(z, 0.6))]));
            return tf.mul(20, tf.maximum(tf.sub(0.4, r0), tf.sub(0.08, r1))) as tf.Tensor1D;
          }),
        albedo: (p: tf.Tensor2D) => tf.onesLike(p) as tf.Tensor2D,
      };
      const all = await exportMesh(dir, field, { resolution: 40, threshold: 0.01 });
      expect(all.components).toBe(2);
      expect(all.componentsRemoved).toBe(0);
      const clean = await exportMesh(dir, field, { resolution: 40, threshold: 0.01, minComponentFraction: 0.1 });
      expect(clean.components).toBe(1);
      expect(clean.componentsRemoved).toBe(1);
      expect(clean.closed).toBe(true);
      expect(clean.message).toMatch(/1 component \(1 small one removed\)/);
      expect(decodePly(fs.readFileSync(clean.files.ply)).indices.length / 3).toBe(clean.faces);
      await expect(exportMesh(dir, field, { resolution: 8, threshold: 1, minComponentFraction: 2 })).rejects.toThrow(/minComponentFraction/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
