/**
 * The small common interface of dal's image datasets, and a resumable, epoch-shuffled batch iterator over one.
 *
 * Images are NHWC float32 in [0, 1]; labels int32. The iterator draws one permutation per epoch from its `Rng`, so its
 * whole future is fixed by (Rng state at the start of the epoch, position in the epoch): `state()` captures exactly
 * that and `BatchIterator.fromState` resumes a run after a crash on the very next batch.
 */
import { Rng, type RngState } from '../rng.ts';
import { DalError } from '../errors.ts';

/** An in-memory labelled image dataset. */
export interface ImageDataset {
  readonly name: string;
  /** [H, W, C] of one image. */
  readonly shape: [number, number, number];
  readonly numClasses: number;
  readonly size: number;
  /** [size, H, W, C] in [0, 1]. */
  readonly images: Float32Array;
  /** [size] in [0, numClasses). */
  readonly labels: Int32Array;
}

/** One batch: `images` [B, H, W, C], `labels` [B], and the dataset indices they came from. */
export interface Batch {
  images: Float32Array;
  labels: Int32Array;
  indices: Int32Array;
}

/** Everything needed to resume a `BatchIterator` on the batch it would have produced next. */
export interface BatchIteratorState {
  /** Rng state just before the current epoch's permutation was drawn. */
  epochRngState: RngState;
  epoch: number;
  /** Position of the next batch in the current epoch's permutation. */
  cursor: number;
}

/**
 * Epoch-shuffled batches of a fixed size; the last incomplete batch of an epoch is dropped (every batch has exactly
 * `batchSize` examples). The iterator owns `rng` and advances it once per epoch.
 */
export class BatchIterator {
  private perm: Int32Array;
  private epochRngState: RngState;
  private cursor = 0;
  private epochIndex = 0;

  constructor(
    readonly dataset: ImageDataset,
    readonly batchSize: number,
    private readonly rng: Rng,
  ) {
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > dataset.size) {
      throw new DalError(
        `batch size ${batchSize} is invalid for dataset '${dataset.name}' of ${dataset.size} examples; use an integer in [1, ${dataset.size}]`,
      );
    }
    this.epochRngState = rng.state();
    this.perm = rng.permutation(dataset.size);
  }

  /** Resume an iterator from `state()` (the dataset and batch size must be the same as when it was saved). */
  static fromState(dataset: ImageDataset, batchSize: number, state: BatchIteratorState): BatchIterator {
    const it = new BatchIterator(dataset, batchSize, Rng.fromState(state.epochRngState));
    it.epochIndex = state.epoch;
    it.cursor = state.cursor;
    return it;
  }

  state(): BatchIteratorState {
    return { epochRngState: [...this.epochRngState], epoch: this.epochIndex, cursor: this.cursor };
  }

  /** Number of completed epochs. */
  get epoch(): number {
    return this.epochIndex;
  }

  /** Full batches per epoch. */
  get batchesPerEpoch(): number {
    return Math.floor(this.dataset.size / this.batchSize);
  }

  /** The next batch (starting a new, freshly shuffled epoch when the current one has no full batch left). */
  next(): Batch {
    const { dataset, batchSize } = this;
    if (this.cursor + batchSize > dataset.size) {
      this.epochIndex++;
      this.cursor = 0;
      this.epochRngState = this.rng.state();
      this.perm = this.rng.permutation(dataset.size);
    }
    const indices = this.perm.slice(this.cursor, this.cursor + batchSize);
    this.cursor += batchSize;
    return { ...gather(dataset, indices), indices };
  }
}

/** Epoch-shuffled batches of `ds`, deterministic for the state of `rng` (which the iterator consumes). */
export function batchIterator(ds: ImageDataset, batchSize: number, rng: Rng): BatchIterator {
  return new BatchIterator(ds, batchSize, rng);
}

/**
 * Copy the examples at `indices` out of `ds`.
 * @returns images [indices.length, H, W, C], labels [indices.length]
 */
export function gather(ds: ImageDataset, indices: ArrayLike<number>): { images: Float32Array; labels: Int32Array } {
  const per = ds.shape[0] * ds.shape[1] * ds.shape[2];
  const images = new Float32Array(indices.length * per);
  const labels = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i];
    images.set(ds.images.subarray(j * per, (j + 1) * per), i * per);
    labels[i] = ds.labels[j];
  }
  return { images, labels };
}
