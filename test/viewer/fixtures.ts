/**
 * Test runs for the viewer: a torus mesh written as GLB with @gltf-transform/core (vertex and face counts known by
 * construction), a turntable of an analytically shaded sphere, and TensorBoard scalars written by dal's own writer.
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { Document, NodeIO } from '@gltf-transform/core';
import { SummaryWriter } from '../../src/core/log/tfevents.ts';
import { encodeNpy } from '../../src/core/io/npy.ts';
import { writeFileAtomic } from '../../src/core/io/atomic.ts';
import { writePng } from '../../src/core/io/png.ts';

/** A torus of `rings × sides` quads: `rings · sides` vertices (no seam duplicates), `2 · rings · sides` triangles. */
export function torus(rings: number, sides: number, R = 1, r = 0.38) {
  const n = rings * sides;
  const position = new Float32Array(3 * n);
  const normal = new Float32Array(3 * n);
  const color = new Float32Array(4 * n);
  for (let i = 0; i < rings; i++) {
    const u = (2 * Math.PI * i) / rings;
    for (let j = 0; j < sides; j++) {
      const v = (2 * Math.PI * j) / sides;
      const k = i * sides + j;
      const nx = Math.cos(v) * Math.cos(u);
      const ny = Math.sin(v);
      const nz = Math.cos(v) * Math.sin(u);
      position.set([(R + r * Math.cos(v)) * Math.cos(u), r * ny, (R + r * Math.cos(v)) * Math.sin(u)], 3 * k);
      normal.set([nx, ny, nz], 3 * k);
      // A hue that turns once around the ring, darker on the inside.
      const shade = 0.65 + 0.35 * Math.cos(v);
      color.set([shade * (0.5 + 0.5 * Math.cos(u)), shade * (0.5 + 0.5 * Math.cos(u - 2.1)), shade * (0.5 + 0.5 * Math.cos(u + 2.1)), 1], 4 * k);
    }
  }
  const index = new Uint32Array(6 * n);
  let t = 0;
  for (let i = 0; i < rings; i++) {
    for (let j = 0; j < sides; j++) {
      const a = i * sides + j;
      const b = ((i + 1) % rings) * sides + j;
      const c = ((i + 1) % rings) * sides + ((j + 1) % sides);
      const d = i * sides + ((j + 1) % sides);
      index.set([a, d, b, b, d, c], t);
      t += 6;
    }
  }
  return { position, normal, color, index, vertices: n, faces: 2 * n };
}

/** Writes a torus as a GLB (temp + rename, as dal's exporters do); returns its vertex and face counts. */
export async function writeTorusGlb(file: string, rings: number, sides: number): Promise<{ vertices: number; faces: number }> {
  const m = torus(rings, sides);
  const doc = new Document();
  const buffer = doc.createBuffer();
  const prim = doc
    .createPrimitive()
    .setAttribute('POSITION', doc.createAccessor().setType('VEC3').setArray(m.position).setBuffer(buffer))
    .setAttribute('NORMAL', doc.createAccessor().setType('VEC3').setArray(m.normal).setBuffer(buffer))
    .setAttribute('COLOR_0', doc.createAccessor().setType('VEC4').setArray(m.color).setBuffer(buffer))
    .setIndices(doc.createAccessor().setType('SCALAR').setArray(m.index).setBuffer(buffer))
    .setMaterial(doc.createMaterial('surface').setRoughnessFactor(0.9).setMetallicFactor(0));
  const mesh = doc.createMesh('torus').addPrimitive(prim);
  doc.createScene('scene').addChild(doc.createNode('torus').setMesh(mesh));
  const bytes = await new NodeIO().writeBinary(doc);
  writeFileAtomic(file, bytes);
  return { vertices: m.vertices, faces: m.faces };
}

/** `frames` views [frames, size, size, 3] in [0, 1] of a sphere with colour bands turning about the vertical axis. */
export function turntable(frames: number, size: number): Float32Array {
  const out = new Float32Array(frames * size * size * 3);
  for (let f = 0; f < frames; f++) {
    const phi = (2 * Math.PI * f) / frames;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const px = ((x + 0.5) / size) * 2 - 1;
        const py = 1 - ((y + 0.5) / size) * 2;
        const rr = px * px + py * py;
        const o = 3 * ((f * size + y) * size + x);
        if (rr > 0.72) {
          out.set([0.06, 0.07, 0.09], o);
          continue;
        }
        const pz = Math.sqrt(0.72 - rr);
        const lon = Math.atan2(px, pz) + phi;
        const light = Math.max(0.15, (0.4 * px + 0.5 * py + 0.77 * pz) / Math.sqrt(0.72));
        out.set([light * (0.5 + 0.5 * Math.cos(lon)), light * (0.5 + 0.5 * Math.cos(lon - 2.1)), light * (0.5 + 0.5 * Math.cos(lon + 2.1))], o);
      }
    }
  }
  return out;
}

/**
 * A run directory like `dal run` writes: config.yaml, an event file with `tags` scalar curves of `points` points
 * each, optionally metrics.json (finished), a mesh and a turntable.
 */
export async function writeRun(
  dir: string,
  opts: { tags?: string[]; points?: number; steps?: number; finished?: boolean; mesh?: [number, number]; turntable?: boolean; system?: string } = {},
): Promise<{ vertices?: number; faces?: number }> {
  const tags = opts.tags ?? ['loss/sds', 'sds/gradNorm'];
  const points = opts.points ?? 20;
  const steps = opts.steps ?? points;
  fs.mkdirSync(join(dir, 'images'), { recursive: true });
  fs.mkdirSync(join(dir, 'checkpoints'), { recursive: true });
  fs.writeFileSync(
    join(dir, 'config.yaml'),
    `name: ${dir.split('/').pop()}\nseed: 0\nsystem:\n  type: ${opts.system ?? 'dreamfusion'}\ntrainer:\n  steps: ${steps}\n  logEvery: 1\n`,
  );
  const w = new SummaryWriter(dir, { flushSeconds: 3600 });
  for (let i = 1; i <= points; i++) {
    const step = Math.round((i * steps) / points);
    tags.forEach((tag, k) => w.scalar(tag, Math.exp(-step / steps) * (1 + k) + 0.05 * Math.sin(step / 7 + k), step));
  }
  w.close();
  const out: { vertices?: number; faces?: number } = {};
  if (opts.mesh) Object.assign(out, await writeTorusGlb(join(dir, 'mesh.glb'), ...opts.mesh));
  if (opts.turntable) {
    const frames = turntable(16, 32);
    fs.writeFileSync(join(dir, 'turntable.npy'), encodeNpy(frames, [16, 32, 32, 3]));
    writePng(join(dir, 'images', 'turntable.png'), stripImage(frames, 16, 32));
  }
  if (opts.finished ?? true) fs.writeFileSync(join(dir, 'metrics.json'), `${JSON.stringify({ clipScore: 0.271, psnr: 24.3 })}\n`);
  return out;
}

/** The frames side by side as one RGBA image [size, frames · size]. */
function stripImage(frames: Float32Array, n: number, size: number) {
  const width = n * size;
  const data = new Uint8Array(width * size * 4);
  for (let f = 0; f < n; f++) {
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const src = 3 * ((f * size + y) * size + x);
        const dst = 4 * (y * width + f * size + x);
        for (let k = 0; k < 3; k++) data[dst + k] = Math.round(255 * frames[src + k]!);
        data[dst + 3] = 255;
      }
    }
  }
  return { width, height: size, data };
}
