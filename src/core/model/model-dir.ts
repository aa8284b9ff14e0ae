/**
 * The shipped model format of a teacher (`checkpoints/mnist-unet`, …): a directory holding `manifest.json` and
 * `weights.bin`. The manifest records the format version, the kind ('unet-denoiser'), the architecture, the noise
 * schedule, the prediction type, the data it was trained on, the training config, steps and seconds, the measured
 * metrics, a tfjs `weightsManifest` (names, shapes, dtypes; float16 storage as tfjs quantization), and the size and
 * SHA-256 of every weight file. Loading checks all of it and names the offending file when anything is off.
 */
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { DalError } from '../errors.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import { freeze } from '../nn/module.ts';
import { Rng } from '../rng.ts';
import { makeSchedule, type ScheduleConfig } from '../diffusion/schedule.ts';
import { packTensors, readBlob, writeBlob } from '../io/tensor-blob.ts';
import { UNetDenoiser, type TeacherPrediction, type UNetDenoiserArchitecture } from './unet-denoiser.ts';

export const MODEL_MANIFEST = 'manifest.json';
export const WEIGHTS_FILE = 'weights.bin';
const FORMAT = 'dal-model';
const VERSION = 1;
const KIND = 'unet-denoiser';
/** The kinds of model directory: a teacher (a `Denoiser`), or a one-step generator distilled from one (src/distill). */
export const MODEL_KINDS = [KIND, 'onestep-generator'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

/** Storage precision of the weights (float16 halves the size; values are rounded to nearest even). */
export type WeightStorage = 'float32' | 'float16';

/** One entry of a tfjs weights manifest (`tf.io.WeightsManifestEntry`, restricted to what dal writes). */
interface WeightEntry {
  name: string;
  shape: number[];
  dtype: 'float32';
  quantization?: { dtype: 'float16'; original_dtype: 'float32' };
}

export interface ModelManifest {
  format: typeof FORMAT;
  version: number;
  kind: ModelKind;
  architecture: UNetDenoiserArchitecture;
  parameters: number;
  sampleShape: number[];
  schedule: ScheduleConfig;
  prediction: TeacherPrediction;
  /** What the model was trained on; samples live in `range` (map to [0, 1] images with (x − lo)/(hi − lo)). */
  data: { name: string; range: [number, number] };
  training: { steps: number; seconds: number; config?: unknown };
  /** Measured figures (accuracy, FID, …), filled in by `dal eval --write`. */
  metrics: Record<string, number | string>;
  /** The classifier-free guidance scale the teacher was evaluated at (see `evaluatedGuidance`). */
  guidance?: number;
  createdAt: string;
  weightsManifest: { paths: string[]; weights: WeightEntry[] }[];
  files: { path: string; bytes: number; sha256: string }[];
}

export interface SaveModelOptions {
  /** Weights to store instead of the model's own (e.g. the EMA), by the model's parameter names. */
  weights?: Record<string, tf.Tensor>;
  storage?: WeightStorage;
  data: ModelManifest['data'];
  training: ModelManifest['training'];
  metrics?: ModelManifest['metrics'];
}

/** Writes `model` (or `opts.weights` in its layout) as a model directory `dir` (created if needed). */
export function saveDenoiser(dir: string, model: UNetDenoiser, opts: SaveModelOptions): ModelManifest {
  const storage = opts.storage ?? 'float32';
  const tensors: Record<string, tf.Tensor> = {};
  for (const [name, v] of Object.entries(model.parameters())) {
    const t = opts.weights ? opts.weights[name] : v;
    if (!t || t.shape.join() !== v.shape.join() || t.dtype !== 'float32') {
      throw new Error(`saveDenoiser: weight ${name} must be float32 [${v.shape}], got ${t ? `${t.dtype} [${t.shape}]` : 'nothing'}`);
    }
    tensors[name] = t;
  }
  const { blob, entries: packed } = packTensors(tensors, { float16: storage === 'float16' });
  const entries = packed.map(({ name, shape }): WeightEntry =>
    storage === 'float16' ? { name, shape, dtype: 'float32', quantization: { dtype: 'float16', original_dtype: 'float32' } } : { name, shape, dtype: 'float32' },
  );
  mkdirSync(dir, { recursive: true });
  const rec = writeBlob(join(dir, WEIGHTS_FILE), blob);
  const manifest: ModelManifest = {
    format: FORMAT,
    version: VERSION,
    kind: KIND,
    architecture: model.architecture,
    parameters: model.parameterCount,
    sampleShape: [...model.sampleShape],
    schedule: model.schedule.config,
    prediction: model.prediction,
    data: opts.data,
    training: opts.training,
    metrics: opts.metrics ?? {},
    createdAt: new Date().toISOString(),
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: entries }],
    files: [{ path: WEIGHTS_FILE, ...rec }],
  };
  writeManifest(dir, manifest);
  return manifest;
}

/**
 * Rewrites the manifest's `metrics` (merged with the existing ones); the weights are untouched. `guidance`, the scale
 * the metrics were measured at, becomes the manifest's `guidance` unless it has one (the first evaluation defines it).
 */
export function updateModelMetrics(dir: string, metrics: ModelManifest['metrics'], guidance?: number, kind: ModelKind = KIND): ModelManifest {
  const m = readModelManifest(dir, kind);
  m.metrics = { ...m.metrics, ...metrics };
  if (m.guidance === undefined && guidance !== undefined) m.guidance = guidance;
  writeManifest(dir, m);
  return m;
}

/**
 * The guidance scale `dal sample` and `dal eval` use when `--guidance` is not given: the manifest's `guidance`, else
 * the one scale its recorded metrics were measured at (keys `<sampler><steps>_cfg<G>/…`, as `dal eval --write`
 * writes them), else 1 (the conditional model alone).
 */
export function evaluatedGuidance(m: Pick<ModelManifest, 'guidance' | 'metrics'>): number {
  if (typeof m.guidance === 'number' && Number.isFinite(m.guidance)) return m.guidance;
  const scales = new Set<number>();
  for (const key of Object.keys(m.metrics ?? {})) {
    const match = /^[a-z]+\d+_cfg([0-9.]+)\//.exec(key);
    if (match) scales.add(Number(match[1]));
  }
  return scales.size === 1 ? [...scales][0] : 1;
}

/**
 * Reads and validates a model directory's manifest (not the weights).
 * @throws DalError naming the manifest when it is missing, unparsable or not a dal unet-denoiser manifest
 */
export function readModelManifest(dir: string, kind: ModelKind = KIND): ModelManifest {
  const path = join(dir, MODEL_MANIFEST);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new DalError(`no model directory at ${dir}`);
  if (!existsSync(path)) throw new DalError(`${dir} is not a dal model: ${path} does not exist`);
  let m: ModelManifest;
  try {
    m = JSON.parse(readFileSync(path, 'utf8')) as ModelManifest;
  } catch (e) {
    throw new DalError(`corrupt model manifest ${path}: ${(e as Error).message}`);
  }
  if (m?.format !== FORMAT || m.kind !== kind) {
    const other = m?.format === FORMAT && (MODEL_KINDS as readonly string[]).includes(m.kind) ? ` (it is a ${m.kind})` : '';
    throw new DalError(`${path} is not a dal ${kind} manifest (expected format "${FORMAT}", kind "${kind}")${other}`);
  }
  if (m.version !== VERSION) {
    throw new DalError(`${path} has format version ${m.version}; this dal reads version ${VERSION}`);
  }
  if (!Array.isArray(m.weightsManifest) || !Array.isArray(m.files) || !m.architecture || !m.schedule) {
    throw new DalError(`${path} is incomplete (needs architecture, schedule, weightsManifest and files)`);
  }
  return m;
}

/** A loaded teacher and its manifest. */
export interface LoadedModel {
  denoiser: UNetDenoiser;
  manifest: ModelManifest;
}

/** Options of `loadModel`. */
export interface LoadModelOptions {
  /**
   * Leave the weights trainable (e.g. to initialize a model that is trained further, such as DMD's fake score).
   * Default false: the loaded model is frozen (`freeze`), so no optimizer moves it.
   */
  trainable?: boolean;
  /** The kind the directory must be (default: a teacher, 'unet-denoiser'). */
  kind?: ModelKind;
}

/**
 * Loads a model directory, checking that the manifest describes the weights the architecture needs, and the size and
 * SHA-256 of every weight file. The model comes frozen (non-trainable variables) unless `opts.trainable`. The caller
 * disposes `denoiser`.
 * @throws DalError naming the file at fault (manifest or weight file)
 */
export function loadModel(dir: string, opts: LoadModelOptions = {}): LoadedModel {
  const m = readModelManifest(dir, opts.kind ?? KIND);
  const manifestPath = join(dir, MODEL_MANIFEST);
  let denoiser: UNetDenoiser;
  try {
    const schedule = makeSchedule(m.schedule);
    if (m.prediction !== 'eps' && m.prediction !== 'v') throw new Error(`unknown prediction "${String(m.prediction)}"`);
    denoiser = new UNetDenoiser(m.architecture, schedule, m.prediction, new Rng(0));
  } catch (e) {
    if (e instanceof DalError) throw e;
    throw new DalError(`${manifestPath}: invalid architecture or schedule (${(e as Error).message})`);
  }
  try {
    const weights = readWeights(dir, m, manifestPath);
    const params = denoiser.parameters();
    tf.tidy(() => {
      for (const [name, v] of Object.entries(params)) v.assign(weights[name]);
    });
    tf.dispose(Object.values(weights));
  } catch (e) {
    denoiser.dispose();
    throw e;
  }
  return { denoiser: freeze(denoiser, opts.trainable ?? false), manifest: m };

  function readWeights(dir: string, m: ModelManifest, manifestPath: string): tf.NamedTensorMap {
    const expected = denoiser.parameters();
    const entries = m.weightsManifest.flatMap((g) => g.weights);
    const given = new Map(entries.map((e) => [e.name, e]));
    for (const [name, v] of Object.entries(expected)) {
      const e = given.get(name);
      if (!e) throw new DalError(`${manifestPath} does not match its architecture: weight ${name} [${v.shape}] is missing`);
      if (e.shape.join() !== v.shape.join()) {
        throw new DalError(`${manifestPath} does not match its architecture: weight ${name} is [${e.shape}], the architecture needs [${v.shape}]`);
      }
    }
    const extra = entries.find((e) => !(e.name in expected));
    if (extra || entries.length !== Object.keys(expected).length) {
      throw new DalError(`${manifestPath} does not match its architecture: unexpected weight ${extra?.name ?? '(duplicate entry)'}`);
    }
    const buffers: Uint8Array[] = [];
    for (const group of m.weightsManifest) {
      for (const p of group.paths) {
        const rec = m.files.find((f) => f.path === p);
        if (!rec) throw new DalError(`${manifestPath} lists no SHA-256 for weight file ${p}`);
        buffers.push(readBlob(join(dir, p), rec, manifestPath, 'model'));
      }
    }
    const blob = Buffer.concat(buffers);
    const need = entries.reduce((s, e) => s + e.shape.reduce((a, b) => a * b, 1) * (e.quantization ? 2 : 4), 0);
    if (blob.byteLength !== need) {
      throw new DalError(`${manifestPath}: its weights need ${need} bytes but the weight files hold ${blob.byteLength}`);
    }
    const ab = blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength) as ArrayBuffer;
    return tf.io.decodeWeights(ab, entries as tf.io.WeightsManifestEntry[]);
  }
}

/** Loads a model directory as a (frozen, unless `opts.trainable`) `Denoiser` (see `loadModel`). */
export function loadDenoiser(dir: string, opts: LoadModelOptions = {}): UNetDenoiser {
  return loadModel(dir, opts).denoiser;
}

/** True when `dir` looks like a model directory (has a manifest). */
export function isModelDir(dir: string): boolean {
  return existsSync(join(dir, MODEL_MANIFEST));
}

/** Writes a model directory's manifest (atomically). */
export function writeManifest(dir: string, m: ModelManifest): void {
  writeFileAtomic(join(dir, MODEL_MANIFEST), `${JSON.stringify(m, null, 1)}\n`);
}
