/**
 * Training checkpoints: everything a run needs to continue exactly where it stopped — named parameter tensors,
 * optimizer state, RNG states, the step — as `tensors-<step>.bin` (raw little-endian float32/int32, concatenated) plus
 * `manifest.json` (index, SHA-256 of the data file, RNG states, extra JSON). Both are written atomically; the manifest
 * is written last and is the commit point, so a crash at any moment leaves either the previous checkpoint or the new
 * one, never a mix. The checkpoint before the latest is kept as well (`manifest.previous.json` and its data file), so
 * that a latest checkpoint corrupted after the fact (a bad disk, a hand edit) does not lose the run: `resumeCheckpoint`
 * falls back to it with a warning naming the bad file.
 */
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { DalError } from '../errors.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import { packTensors, readBlob, unpackTensors, writeBlob, type BlobEntry } from '../io/tensor-blob.ts';
import type { Module } from '../nn/module.ts';
import type { RngState } from '../rng.ts';

export const MANIFEST = 'manifest.json';
/** The manifest of the checkpoint before the latest one. */
export const PREVIOUS_MANIFEST = 'manifest.previous.json';
const FORMAT = 'dal-checkpoint';
const VERSION = 1;

/** What a checkpoint holds. Tensor names must be unique; their order is preserved. */
export interface CheckpointData {
  /** The next step to run (= number of steps completed). */
  step: number;
  tensors: Record<string, tf.Tensor>;
  rngs: Record<string, RngState>;
  /** Any further JSON the system needs (counters, small arrays). */
  extra?: unknown;
}

interface Manifest {
  format: typeof FORMAT;
  version: number;
  step: number;
  savedAt: string;
  data: string;
  sha256: string;
  tensors: BlobEntry[];
  rngs: Record<string, RngState>;
  extra?: unknown;
}

/**
 * Writes a checkpoint into `dir` (created if needed). The one it replaces becomes the previous checkpoint (older ones
 * are deleted), unless `keepPrevious` is false (a one-off save, e.g. a classifier's).
 */
export function saveCheckpoint(dir: string, ckpt: CheckpointData, { keepPrevious = true } = {}): void {
  const { blob, entries } = packTensors(ckpt.tensors);
  const data = `tensors-${String(ckpt.step).padStart(8, '0')}.bin`;
  const rec = writeBlob(join(dir, data), blob);
  const manifest: Manifest = {
    format: FORMAT,
    version: VERSION,
    step: ckpt.step,
    savedAt: new Date().toISOString(),
    data,
    sha256: rec.sha256,
    tensors: entries,
    rngs: ckpt.rngs,
    extra: ckpt.extra,
  };
  const latest = join(dir, MANIFEST);
  const previous = join(dir, PREVIOUS_MANIFEST);
  // The current latest becomes the previous (its data file stays), written after the new latest commits: a crash
  // between the two writes leaves the new latest and the older previous — still two distinct checkpoints, both of
  // whose data files are kept until the clean-up below.
  const replaced = keepPrevious && existsSync(latest) ? readFileSync(latest) : null;
  writeFileAtomic(latest, `${JSON.stringify(manifest, null, 1)}\n`);
  if (replaced) writeFileAtomic(previous, replaced);
  else rmSync(previous, { force: true });
  // The new manifest is durable: data files neither manifest names (and temp files of interrupted writes) can go.
  const keep = new Set([data, keepPrevious ? dataFileOf(previous) : undefined]);
  for (const f of readdirSync(dir)) {
    if ((f.startsWith('tensors-') && !keep.has(f)) || f.endsWith('.tmp')) rmSync(join(dir, f), { force: true });
  }
}

/** The data file a manifest names, or undefined when it is missing or unreadable. */
function dataFileOf(manifestPath: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest).data;
  } catch {
    return undefined;
  }
}

/** True when `dir` holds a checkpoint manifest (the latest, or the previous one). */
export function hasCheckpoint(dir: string): boolean {
  return existsSync(join(dir, MANIFEST)) || existsSync(join(dir, PREVIOUS_MANIFEST));
}

/**
 * Reads the latest checkpoint in `dir` (or, with `manifest` = PREVIOUS_MANIFEST, the one before). The caller owns
 * (and disposes) the returned tensors.
 * @throws DalError naming the file when the manifest or data file is missing, unreadable, truncated or altered
 */
export function loadCheckpoint(dir: string, manifest = MANIFEST): CheckpointData {
  const manifestPath = join(dir, manifest);
  if (!existsSync(manifestPath)) throw new DalError(`no checkpoint: ${manifestPath} does not exist`);
  let m: Manifest;
  try {
    m = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
  } catch (e) {
    throw new DalError(`corrupt checkpoint manifest ${manifestPath}: ${(e as Error).message}`);
  }
  if (m?.format !== FORMAT || m.version !== VERSION || !Array.isArray(m.tensors) || typeof m.data !== 'string') {
    throw new DalError(`${manifestPath} is not a dal checkpoint manifest (format ${FORMAT} v${VERSION})`);
  }
  const bytes = m.tensors.reduce((a, e) => a + e.bytes, 0);
  const blob = readBlob(join(dir, m.data), { bytes, sha256: m.sha256 }, manifestPath, 'checkpoint');
  const tensors = unpackTensors(blob, m.tensors);
  return { step: m.step, tensors, rngs: m.rngs, extra: m.extra };
}

/**
 * The checkpoint to resume from: the latest, or — when it is missing or corrupt — the previous one, after `warn`
 * names the bad file and the step resumed from.
 * @throws DalError when neither is usable (naming both problems)
 */
export function resumeCheckpoint(dir: string, warn: (msg: string) => void): CheckpointData {
  try {
    return loadCheckpoint(dir);
  } catch (latestError) {
    if (!(latestError instanceof DalError) || !existsSync(join(dir, PREVIOUS_MANIFEST))) throw latestError;
    let ckpt: CheckpointData;
    try {
      ckpt = loadCheckpoint(dir, PREVIOUS_MANIFEST);
    } catch (previousError) {
      throw new DalError(`${latestError.message}; and the previous checkpoint is unusable too: ${(previousError as Error).message}`);
    }
    // The previous checkpoint becomes the latest again (so the next save keeps it as the previous); the bad manifest
    // is moved aside, not deleted.
    const latest = join(dir, MANIFEST);
    const bad = `${latest}.bad`;
    if (existsSync(latest)) renameSync(latest, bad);
    writeFileAtomic(latest, readFileSync(join(dir, PREVIOUS_MANIFEST)));
    warn(
      `warning: the latest checkpoint is unusable (${latestError.message}); ` +
        `resuming from the previous one (step ${ckpt.step}, ${join(dir, PREVIOUS_MANIFEST)})` +
        (existsSync(bad) ? `; the bad manifest is kept as ${bad}` : ''),
    );
    return ckpt;
  }
}

/** Modification time of the checkpoint in `dir` (ms), or 0 when there is none (tests wait on it). */
export function checkpointMtime(dir: string): number {
  const p = join(dir, MANIFEST);
  return existsSync(p) ? statSync(p).mtimeMs : 0;
}

/** A module, or variables by name (e.g. an EMA's shadow weights), as `moduleTensors` / `loadModule` take them. */
export type VariableSet = Module | Record<string, tf.Variable>;

function variablesOf(m: VariableSet): Record<string, tf.Variable> {
  return typeof (m as Module).parameters === 'function' ? (m as Module).parameters() : (m as Record<string, tf.Variable>);
}

/**
 * A module's weights as named copies `<prefix>/<name>`, for `CheckpointData.tensors` (the caller — the trainer —
 * disposes them). A system with several modules saves them under distinct prefixes (`generator`, `fakeScore`, …).
 */
export function moduleTensors(prefix: string, m: VariableSet): Record<string, tf.Tensor> {
  return Object.fromEntries(Object.entries(variablesOf(m)).map(([k, v]) => [`${prefix}/${k}`, v.clone()]));
}

/**
 * Assigns the checkpoint tensors `<prefix>/<name>` to the module's variables (what `moduleTensors` saved).
 * @throws DalError naming the first missing or mis-shaped tensor
 */
export function loadModule(prefix: string, m: VariableSet, tensors: Record<string, tf.Tensor>): void {
  for (const [k, v] of Object.entries(variablesOf(m))) loadTensor(`${prefix}/${k}`, v, tensors);
}

/**
 * Assigns checkpoint tensor `name` to one variable (particles, a single weight), shape-checked.
 * @throws DalError naming the tensor when it is missing or its shape differs
 */
export function loadTensor(name: string, v: tf.Variable, tensors: Record<string, tf.Tensor>): void {
  const t = tensors[name];
  if (!t || t.shape.join() !== v.shape.join()) {
    throw new DalError(
      `checkpoint does not match the config: tensor ${name} is ${t ? `[${t.shape}]` : 'missing'}, the config needs [${v.shape}]`,
    );
  }
  v.assign(t);
}

/** Adam's bias-correction accumulators (β₁ᵗ, β₂ᵗ): tfjs recomputes them with pow() on setWeights, which differs from
 * the running product in the last float32 bit, so they are saved and restored verbatim. */
interface AdamAccumulators {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
}

function adamAccumulators(opt: tf.Optimizer): AdamAccumulators | null {
  const o = opt as unknown as Partial<AdamAccumulators>;
  return o.accBeta1 instanceof tf.Variable && o.accBeta2 instanceof tf.Variable ? (o as AdamAccumulators) : null;
}

/**
 * An optimizer's full state as named tensors (`<prefix>/<weight name>`, in `getWeights()` order). The caller disposes
 * the returned tensors (they are copies).
 */
export async function optimizerTensors(opt: tf.Optimizer, prefix = 'optimizer'): Promise<Record<string, tf.Tensor>> {
  const out: Record<string, tf.Tensor> = {};
  const weights = await opt.getWeights();
  for (const w of weights) out[`${prefix}/${w.name}`] = w.name === 'iter' ? w.tensor : w.tensor.clone();
  const acc = adamAccumulators(opt);
  if (acc) {
    out[`${prefix}#accBeta1`] = acc.accBeta1.clone();
    out[`${prefix}#accBeta2`] = acc.accBeta2.clone();
  }
  return out;
}

/** Restores what `optimizerTensors` saved (takes the tensors of `ckpt` whose names start with `prefix`). */
export async function restoreOptimizer(opt: tf.Optimizer, tensors: Record<string, tf.Tensor>, prefix = 'optimizer'): Promise<void> {
  const weights = Object.entries(tensors)
    .filter(([name]) => name.startsWith(`${prefix}/`))
    .map(([name, tensor]) => ({ name: name.slice(prefix.length + 1), tensor }));
  await opt.setWeights(weights);
  const acc = adamAccumulators(opt);
  const b1 = tensors[`${prefix}#accBeta1`];
  const b2 = tensors[`${prefix}#accBeta2`];
  if (acc && b1 && b2) {
    acc.accBeta1.assign(b1);
    acc.accBeta2.assign(b2);
  }
}
