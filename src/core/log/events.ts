/**
 * Serialized TensorBoard records: TFRecord framing (tensorflow/core/lib/io/record_writer.cc) of `Event` protos
 * (tensorflow/core/util/event.proto, tensorflow/core/framework/summary.proto). Fields are written in field-number
 * order and proto3 defaults (a zero step, zero histogram statistics) are left out, as protobuf's own serializers do,
 * so dal's records are byte-identical to TensorFlow's and PyTorch's for the same content.
 */
import { maskedCrc32c } from './crc32c.ts';
import { ProtoWriter } from './proto.ts';

/** TensorFlow DataType enum values used here. */
export const DT_FLOAT = 1;
export const DT_STRING = 7;

/** Frames one record: uint64 length, masked CRC32C of the length, data, masked CRC32C of the data (all LE). */
export function frameRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length + 4);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, BigInt(data.length), true);
  dv.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  dv.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

/**
 * Serializes an `Event {double wall_time=1; int64 step=2; oneof {string file_version=3; Summary summary=5;
 * SessionLog session_log=6}}`.
 */
export function encodeEvent(
  wallTime: number,
  step: number,
  what: { fileVersion: string } | { summary: ProtoWriter } | { sessionLog: ProtoWriter },
): Uint8Array {
  const ev = new ProtoWriter().double(1, wallTime);
  if (step !== 0) ev.varint(2, step);
  if ('fileVersion' in what) ev.string(3, what.fileVersion);
  else if ('summary' in what) ev.message(5, what.summary);
  else ev.message(6, what.sessionLog);
  return ev.finish();
}

/** The first record of every event file: `file_version: "brain.Event:2"`. */
export function fileVersionEvent(wallTime: number): Uint8Array {
  return encodeEvent(wallTime, 0, { fileVersion: 'brain.Event:2' });
}

/**
 * `SessionLog {status: START}` at `step`: TensorBoard then drops the events of earlier files in the run with
 * step ≥ `step` (they were written after the checkpoint a resumed run restarts from).
 */
export function sessionStartEvent(wallTime: number, step: number): Uint8Array {
  return encodeEvent(wallTime, step, { sessionLog: new ProtoWriter().varint(1, 1) });
}

/** An `Event` holding one `Summary.Value {string tag=1; …}` whose remaining fields `fill` adds in field order. */
export function summaryEvent(wallTime: number, step: number, tag: string, fill: (value: ProtoWriter) => void): Uint8Array {
  const value = new ProtoWriter().string(1, tag);
  fill(value);
  return encodeEvent(wallTime, step, { summary: new ProtoWriter().message(1, value) });
}

/** A scalar as `Summary.Value.simple_value` (field 2, float32). */
export function scalarEvent(wallTime: number, step: number, tag: string, value: number): Uint8Array {
  return summaryEvent(wallTime, step, tag, (v) => v.float(2, value));
}

/** `Summary.Image {int32 height=1; int32 width=2; int32 colorspace=3; bytes encoded_image_string=4}` (field 4). */
export interface ImageSummary {
  height: number;
  width: number;
  /** 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA. */
  colorspace: number;
  png: Uint8Array;
}

export function imageEvent(wallTime: number, step: number, tag: string, img: ImageSummary): Uint8Array {
  const image = new ProtoWriter().varint(1, img.height).varint(2, img.width).varint(3, img.colorspace).bytes(4, img.png);
  return summaryEvent(wallTime, step, tag, (v) => v.message(4, image));
}

/** `HistogramProto` (field 5): statistics, bucket right edges (`bucket_limit`) and counts, both packed doubles. */
export interface HistogramSummary {
  min: number;
  max: number;
  num: number;
  sum: number;
  sumSquares: number;
  bucketLimit: ArrayLike<number>;
  bucket: ArrayLike<number>;
}

export function histogramEvent(wallTime: number, step: number, tag: string, h: HistogramSummary): Uint8Array {
  const histo = new ProtoWriter();
  [h.min, h.max, h.num, h.sum, h.sumSquares].forEach((x, i) => {
    if (x !== 0 || Object.is(x, -0)) histo.double(i + 1, x);
  });
  if (h.bucketLimit.length > 0) histo.packedDoubles(6, h.bucketLimit);
  if (h.bucket.length > 0) histo.packedDoubles(7, h.bucket);
  return summaryEvent(wallTime, step, tag, (v) => v.message(5, histo));
}

/** Markdown for the text plugin: `tensor` (field 8) rank-0 DT_STRING, `metadata` (9) plugin_name "text". */
export function textEvent(wallTime: number, step: number, tag: string, markdown: string): Uint8Array {
  const tensor = new ProtoWriter().varint(1, DT_STRING).message(2, new ProtoWriter()).string(8, markdown);
  const metadata = new ProtoWriter().message(1, new ProtoWriter().string(1, 'text'));
  return summaryEvent(wallTime, step, tag, (v) => v.message(8, tensor).message(9, metadata));
}

/**
 * A histogram of `values` in `bins` equal-width buckets over [min, max] (the last bucket closed), as PyTorch's
 * writer builds them; non-finite values are left out.
 */
export function histogramOf(values: ArrayLike<number>, bins: number): HistogramSummary {
  const finite: number[] = [];
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let sumSquares = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (!Number.isFinite(x)) continue;
    finite.push(x);
    if (x < min) min = x;
    if (x > max) max = x;
    sum += x;
    sumSquares += x * x;
  }
  const num = finite.length;
  if (num === 0) return { min: 0, max: 0, num, sum, sumSquares, bucketLimit: [], bucket: [] };
  if (min === max) return { min, max, num, sum, sumSquares, bucketLimit: [max], bucket: [num] };
  const n = Math.max(1, Math.floor(bins));
  const width = (max - min) / n;
  const bucket = new Array<number>(n).fill(0);
  for (const v of finite) bucket[Math.min(n - 1, Math.floor((v - min) / width))]++;
  const bucketLimit = bucket.map((_, i) => (i === n - 1 ? max : min + (i + 1) * width));
  return { min, max, num, sum, sumSquares, bucketLimit, bucket };
}
