/**
 * Partial cells of the teachers table: the samples of a cell's finished chunks, the random generator's state after
 * them and the time spent so far (`experiments/teachers/partial/<cell>.json` + `.f32`, written atomically after every
 * chunk), so a killed run continues a long cell (DDPM 1000) where it stopped instead of from the start. Removed when
 * the cell is complete; ignored when the checkpoints or the chunk size differ.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../src/core/io/atomic.ts';
import type { RngState } from '../../src/core/rng.ts';
import type { TeacherSamplingState } from '../../src/core/metrics/evaluate-model.ts';
import { cellId, type CellKey, type Fingerprints } from './results.ts';

export interface PartialCell {
  state: TeacherSamplingState;
  /** sampling seconds (wall) and process CPU seconds spent on the finished chunks */
  sampleSeconds: number;
  cpuSeconds: number;
}

interface PartialMeta extends Fingerprints {
  id: string;
  chunk: number;
  done: number;
  rng: RngState;
  sampleSeconds: number;
  cpuSeconds: number;
}

function paths(dir: string, key: CellKey): { meta: string; data: string } {
  const base = join(dir, cellId(key).replaceAll('/', '-'));
  return { meta: `${base}.json`, data: `${base}.f32` };
}

/** The partial cell of `key` for these checkpoints and chunk size, if a complete one is stored. */
export function readPartial(dir: string, key: CellKey, fp: Fingerprints, chunk: number): PartialCell | undefined {
  const p = paths(dir, key);
  if (!existsSync(p.meta) || !existsSync(p.data)) return undefined;
  let m: PartialMeta;
  try {
    m = JSON.parse(readFileSync(p.meta, 'utf8')) as PartialMeta;
  } catch {
    return undefined;
  }
  if (m.id !== cellId(key) || m.checkpoint !== fp.checkpoint || m.classifier !== fp.classifier || m.chunk !== chunk) return undefined;
  const bytes = readFileSync(p.data);
  const images = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return { state: { done: m.done, images, rng: m.rng }, sampleSeconds: m.sampleSeconds, cpuSeconds: m.cpuSeconds };
}

/** Stores a cell's progress: the images first, then the metadata that points at them (each atomically). */
export function writePartial(dir: string, key: CellKey, fp: Fingerprints, chunk: number, p: PartialCell): void {
  const { meta, data } = paths(dir, key);
  const img = p.state.images;
  writeFileAtomic(data, new Uint8Array(img.buffer, img.byteOffset, img.byteLength));
  const m: PartialMeta = { id: cellId(key), ...fp, chunk, done: p.state.done, rng: p.state.rng, sampleSeconds: p.sampleSeconds, cpuSeconds: p.cpuSeconds };
  writeFileAtomic(meta, `${JSON.stringify(m)}\n`);
}

export function removePartial(dir: string, key: CellKey): void {
  const { meta, data } = paths(dir, key);
  rmSync(meta, { force: true });
  rmSync(data, { force: true });
}
