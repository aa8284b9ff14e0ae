/**
 * The teachers' training data and conditions: MNIST (label-conditioned, epoch-shuffled batches of the 9,000 training
 * digits) or the procedural multi-view shapes (prompt-conditioned, rendered on the fly), both mapped to [−1, 1]; and
 * the fixed, balanced sets of conditions that sample grids and evaluations use.
 */
import { BatchIterator, type BatchIteratorState } from './dataset.ts';
import { loadMnist } from './mnist.ts';
import { COLORS, SHAPES, SHAPES_PROMPT_WORDS, VIEWS, shapesBatch } from './shapes/dataset.ts';
import { DalError } from '../errors.ts';
import { Rng, type RngState } from '../rng.ts';

export type TeacherDataConfig = { type: 'mnist' } | { type: 'shapes'; size: number };

/** One training batch: images in [−1, 1] and their condition. */
export interface TeacherBatch {
  /** [B, H, W, C] in [−1, 1] */
  x0: Float32Array;
  labels?: Int32Array;
  prompts?: string[];
  /** [B·2] (azimuth°, elevation°) of each example's camera (the shapes). */
  cameras?: Float32Array;
}

/** A resumable stream of training batches. */
export interface TeacherData {
  readonly name: string;
  /** [H, W, C] */
  readonly sampleShape: [number, number, number];
  readonly conditioning: 'label' | 'prompt';
  /** Number of labels (label conditioning), else 0. */
  readonly numClasses: number;
  next(): TeacherBatch;
  state(): { rng: RngState; iterator?: BatchIteratorState };
  load(state: { rng: RngState; iterator?: BatchIteratorState }): void;
}

/**
 * The words of the prompts a teacher's training data (by its name, a manifest's `data.name`) uses, or undefined when
 * the data has no prompts. Check prompts for such a teacher with `checkPromptWords` (src/core/text/tokenizer.ts).
 */
export function promptVocabulary(dataName: string): readonly string[] | undefined {
  return dataName === 'shapes' ? SHAPES_PROMPT_WORDS : undefined;
}

/** The data stream of a config; `rng` is owned (and advanced) by the stream. */
export function makeTeacherData(cfg: TeacherDataConfig, batchSize: number, rng: Rng): TeacherData {
  return cfg.type === 'mnist' ? new MnistData(batchSize, rng) : new ShapesData(cfg.size, batchSize, rng);
}

/** [0, 1] → [−1, 1], in place. */
function toSigned(a: Float32Array): Float32Array {
  for (let i = 0; i < a.length; i++) a[i] = 2 * a[i] - 1;
  return a;
}

class MnistData implements TeacherData {
  readonly name = 'mnist';
  readonly sampleShape: [number, number, number] = [32, 32, 1];
  readonly conditioning = 'label';
  readonly numClasses = 10;
  private it: BatchIterator;

  constructor(
    private readonly batchSize: number,
    rng: Rng,
  ) {
    this.it = new BatchIterator(loadMnist('train'), batchSize, rng);
  }

  next(): TeacherBatch {
    const b = this.it.next();
    return { x0: toSigned(b.images), labels: b.labels };
  }

  state() {
    const s = this.it.state();
    return { rng: s.epochRngState, iterator: s };
  }

  load(state: { rng: RngState; iterator?: BatchIteratorState }): void {
    if (!state.iterator) throw new DalError('checkpoint has no MNIST iterator state; it was not written by an MNIST teacher run');
    this.it = BatchIterator.fromState(loadMnist('train'), this.batchSize, state.iterator);
  }
}

class ShapesData implements TeacherData {
  readonly name = 'shapes';
  readonly sampleShape: [number, number, number];
  readonly conditioning = 'prompt';
  readonly numClasses = 0;

  constructor(
    private readonly size: number,
    private readonly batchSize: number,
    private rng: Rng,
  ) {
    this.sampleShape = [size, size, 3];
  }

  next(): TeacherBatch {
    const b = shapesBatch(this.rng, this.batchSize, this.size);
    const cameras = Float32Array.from(b.samples.flatMap((s) => [s.azimuth, s.elevation]));
    return { x0: toSigned(b.images), prompts: b.prompts, cameras };
  }

  state() {
    return { rng: this.rng.state() };
  }

  load(state: { rng: RngState }): void {
    this.rng = Rng.fromState(state.rng);
  }
}

/**
 * n balanced conditions: labels i mod numClasses (MNIST), or prompts cycling through every shape × colour with the
 * views in turn ("a red sphere, front view", …).
 */
export function balancedConditions(conditioning: 'label' | 'prompt', n: number, numClasses = 10): { labels?: Int32Array; prompts?: string[] } {
  if (conditioning === 'label') return { labels: Int32Array.from({ length: n }, (_, i) => i % numClasses) };
  const k = SHAPES.length * COLORS.length;
  const prompts = Array.from({ length: n }, (_, i) => {
    const cls = i % k;
    const view = VIEWS[Math.floor(i / k) % VIEWS.length];
    return `a ${COLORS[cls % COLORS.length]} ${SHAPES[Math.floor(cls / COLORS.length)]}, ${view} view`;
  });
  return { prompts };
}
