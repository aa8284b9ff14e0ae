/**
 * Named tensors as one binary blob (raw little-endian float32/int32 — or float16 — values, concatenated in order)
 * with its size and SHA-256, shared by the two formats built on it: training checkpoints (src/core/train/checkpoint.ts)
 * and model directories (src/core/model/model-dir.ts). Reading a blob back checks both against what its manifest
 * recorded and names the file at fault.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { DalError } from '../errors.ts';
import { writeFileAtomic } from './atomic.ts';
import { float16Bits } from './float16.ts';

export type StoredDtype = 'float32' | 'int32';

/** Where one tensor sits in a blob. */
export interface BlobEntry {
  name: string;
  dtype: StoredDtype;
  shape: number[];
  offset: number;
  bytes: number;
}

/** Size and SHA-256 of a stored file, as manifests record them. */
export interface FileRecord {
  bytes: number;
  sha256: string;
}

export function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

/**
 * Concatenates the values of `tensors` (in order) into one blob.
 * @param opts.float16 store float32 tensors as IEEE binary16 (round to nearest even; 2 bytes a value)
 */
export function packTensors(tensors: Record<string, tf.Tensor>, opts: { float16?: boolean } = {}): { blob: Buffer; entries: BlobEntry[] } {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('tensor blobs: big-endian hosts are not supported');
  const entries: BlobEntry[] = [];
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    if (t.dtype !== 'float32' && t.dtype !== 'int32') throw new Error(`tensor "${name}" has dtype ${t.dtype}; only float32 and int32 are stored`);
    const values = t.dataSync() as Float32Array | Int32Array;
    const stored = opts.float16 && values instanceof Float32Array ? float16Bits(values) : values;
    const bytes = new Uint8Array(stored.buffer, stored.byteOffset, stored.byteLength);
    entries.push({ name, dtype: t.dtype, shape: [...t.shape], offset, bytes: bytes.byteLength });
    chunks.push(bytes);
    offset += bytes.byteLength;
  }
  return { blob: Buffer.concat(chunks), entries };
}

/** Writes a blob atomically and returns what a manifest records of it. */
export function writeBlob(path: string, blob: Uint8Array): FileRecord {
  writeFileAtomic(path, blob);
  return { bytes: blob.byteLength, sha256: sha256(blob) };
}

/**
 * Reads a file that a manifest describes and checks its size and SHA-256.
 * @param what what the file belongs to, for messages ("checkpoint", "model")
 * @throws DalError naming the file and the manifest when it is missing, truncated or altered
 */
export function readBlob(path: string, rec: FileRecord, manifestPath: string, what: string): Buffer {
  if (!existsSync(path)) throw new DalError(`${what} data file missing: ${path} (named by ${manifestPath})`);
  const blob = readFileSync(path);
  if (blob.byteLength !== rec.bytes) {
    throw new DalError(`corrupt ${what}: ${path} has ${blob.byteLength} bytes, ${manifestPath} says ${rec.bytes} (truncated or replaced?)`);
  }
  if (sha256(blob) !== rec.sha256) throw new DalError(`corrupt ${what}: ${path} does not match the SHA-256 in ${manifestPath}`);
  return blob;
}

/** The tensors of a blob (float32/int32 entries; each copied into its own aligned memory). The caller disposes them. */
export function unpackTensors(blob: Uint8Array, entries: readonly BlobEntry[]): Record<string, tf.Tensor> {
  const tensors: Record<string, tf.Tensor> = {};
  for (const e of entries) {
    const values = e.dtype === 'int32' ? new Int32Array(e.bytes / 4) : new Float32Array(e.bytes / 4);
    new Uint8Array(values.buffer).set(blob.subarray(e.offset, e.offset + e.bytes));
    tensors[e.name] = tf.tensor(values, e.shape, e.dtype);
  }
  return tensors;
}
