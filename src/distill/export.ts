/**
 * The exported one-step generator: a model directory (`src/core/model/model-dir.ts`) of kind `onestep-generator` —
 * the teacher's manifest layout (architecture, schedule, prediction, weights with SHA-256), plus the generator's time
 * input and range, the source teacher (path and weight SHA-256) and the real score's guidance. `dal sample
 * --sampler onestep` and `dal eval` load it with `loadGenerator`.
 */

import { DalError } from '../core/errors.ts';
import { loadModel, readModelManifest, saveDenoiser, writeManifest, type ModelManifest, type WeightStorage } from '../core/model/model-dir.ts';
import { OneStepGenerator, type GeneratorSpec } from './generator.ts';

export const GENERATOR_KIND = 'onestep-generator';

/** A generator's manifest: the teacher's fields plus `generator` and `source`. */
export interface GeneratorManifest extends ModelManifest {
  generator: GeneratorSpec & { cfgScale: number };
  source: { teacher: string; sha256: string; prediction: string };
}

export interface ExportGeneratorOptions {
  storage: WeightStorage;
  teacher: { path: string; manifest: ModelManifest };
  cfgScale: number;
  training: ModelManifest['training'];
  metrics?: ModelManifest['metrics'];
}

/** Writes `g` as a model directory `dir`. */
export function exportGenerator(dir: string, g: OneStepGenerator, o: ExportGeneratorOptions): GeneratorManifest {
  const base = saveDenoiser(dir, g.net, { storage: o.storage, data: o.teacher.manifest.data, training: o.training, metrics: o.metrics });
  const m: GeneratorManifest = {
    ...base,
    kind: GENERATOR_KIND,
    generator: { ...g.spec, cfgScale: o.cfgScale },
    source: { teacher: o.teacher.path, sha256: o.teacher.manifest.files[0]?.sha256 ?? '', prediction: o.teacher.manifest.prediction },
  };
  writeManifest(dir, m);
  return m;
}

/** A loaded generator and its manifest; the caller disposes `generator`. */
export function loadGenerator(dir: string): { generator: OneStepGenerator; manifest: GeneratorManifest } {
  const manifest = readModelManifest(dir, GENERATOR_KIND) as GeneratorManifest;
  if (!manifest.generator || !(manifest.generator.tGen > 0)) throw new DalError(`${dir}/manifest.json: a onestep-generator manifest needs generator.tGen`);
  const { denoiser } = loadModel(dir, { kind: GENERATOR_KIND });
  try {
    return { generator: new OneStepGenerator(denoiser, { tGen: manifest.generator.tGen, range: manifest.generator.range }), manifest };
  } catch (e) {
    denoiser.dispose();
    throw new DalError(`${dir}/manifest.json: ${(e as Error).message}`);
  }
}

/** True when the model directory's manifest is a generator's. */
export function isGeneratorDir(dir: string): boolean {
  try {
    readModelManifest(dir, GENERATOR_KIND);
    return true;
  } catch {
    return false;
  }
}

