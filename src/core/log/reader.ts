/**
 * TensorBoard event-file reader: checks every TFRecord's length and data CRCs and decodes the `Event`/`Summary`
 * fields dal writes and reads (scalars as simple_value or rank-0 float tensors, legacy images and histograms, text).
 */
import * as fs from 'node:fs';
import { DalError } from '../errors.ts';
import { maskedCrc32c } from './crc32c.ts';
import {
  asDouble,
  asFloat,
  asString,
  decodeMessage,
  lastField,
  ProtoError,
  repeatedDoubles,
  repeatedFloats,
  type ProtoField,
} from './proto.ts';

export interface DecodedEvent {
  wallTime: number;
  step: number;
  fileVersion?: string;
  /** `SessionLog.status` when the event is a session log (1 = START, which purges later steps of earlier files). */
  sessionStatus?: number;
  scalars: { tag: string; value: number }[];
  images: { tag: string; width: number; height: number; colorspace: number; png: Uint8Array }[];
  histograms: {
    tag: string;
    min: number;
    max: number;
    num: number;
    sum: number;
    sumSquares: number;
    bucketLimit: number[];
    bucket: number[];
  }[];
  texts: { tag: string; text: string }[];
}

const DT_FLOAT = 1;
const DT_DOUBLE = 2;
const DT_STRING = 7;

/** Splits a TFRecord file into its records' data, verifying both CRCs of each. */
export function readRecords(bytes: Uint8Array, file: string): { offset: number; data: Uint8Array }[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: { offset: number; data: Uint8Array }[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    if (pos + 12 > bytes.length) {
      throw new DalError(`${file}: truncated record header at byte offset ${pos} (${bytes.length - pos} bytes left)`);
    }
    const length = dv.getBigUint64(pos, true);
    if (dv.getUint32(pos + 8, true) !== maskedCrc32c(bytes.subarray(pos, pos + 8))) {
      throw new DalError(`${file}: bad length CRC in the record at byte offset ${pos}; the file is corrupt`);
    }
    const end = pos + 12 + Number(length) + 4;
    if (end > bytes.length) {
      throw new DalError(`${file}: truncated record at byte offset ${pos} (needs ${length} data bytes; the file ends first)`);
    }
    const data = bytes.subarray(pos + 12, end - 4);
    if (dv.getUint32(end - 4, true) !== maskedCrc32c(data)) {
      throw new DalError(`${file}: bad data CRC in the record at byte offset ${pos}; the file is corrupt`);
    }
    out.push({ offset: pos, data });
    pos = end;
  }
  return out;
}

/** The scalar of a rank-0 DT_FLOAT/DT_DOUBLE TensorProto, or undefined for any other tensor. */
function tensorScalar(tensor: ProtoField[]): number | undefined {
  const dtype = lastField(tensor, 1)?.varint ?? 0;
  const shape = lastField(tensor, 2);
  if (shape && decodeMessage(shape.bytes).some((f) => f.field === 2)) {
    // Allow shape [1] as well as rank 0: both hold a single value.
    const dims = decodeMessage(shape.bytes).filter((f) => f.field === 2);
    const sizes = dims.map((d) => lastField(decodeMessage(d.bytes), 1)?.varint ?? 0);
    if (sizes.reduce((a, b) => a * b, 1) !== 1) return undefined;
  }
  const content = lastField(tensor, 4)?.bytes;
  const dv = content ? new DataView(content.buffer, content.byteOffset, content.byteLength) : undefined;
  if (dtype === DT_FLOAT) {
    if (dv && dv.byteLength >= 4) return dv.getFloat32(0, true);
    return repeatedFloats(tensor, 5)[0];
  }
  if (dtype === DT_DOUBLE) {
    if (dv && dv.byteLength >= 8) return dv.getFloat64(0, true);
    return repeatedDoubles(tensor, 6)[0];
  }
  return undefined;
}

function decodeValue(value: ProtoField[], ev: DecodedEvent): void {
  const tagField = lastField(value, 1) ?? lastField(value, 7);
  const tag = tagField ? asString(tagField) : '';
  const metadata = lastField(value, 9);
  let plugin = '';
  if (metadata) {
    const pluginData = lastField(decodeMessage(metadata.bytes), 1);
    const name = pluginData && lastField(decodeMessage(pluginData.bytes), 1);
    if (name) plugin = asString(name);
  }
  const simple = lastField(value, 2);
  if (simple) {
    ev.scalars.push({ tag, value: asFloat(simple) });
    return;
  }
  const image = lastField(value, 4);
  if (image) {
    const f = decodeMessage(image.bytes);
    const png = lastField(f, 4)?.bytes;
    ev.images.push({
      tag,
      height: lastField(f, 1)?.varint ?? 0,
      width: lastField(f, 2)?.varint ?? 0,
      colorspace: lastField(f, 3)?.varint ?? 0,
      png: png ? Uint8Array.from(png) : new Uint8Array(0),
    });
    return;
  }
  const histo = lastField(value, 5);
  if (histo) {
    const f = decodeMessage(histo.bytes);
    const d = (n: number) => {
      const x = lastField(f, n);
      return x ? asDouble(x) : 0;
    };
    ev.histograms.push({
      tag,
      min: d(1),
      max: d(2),
      num: d(3),
      sum: d(4),
      sumSquares: d(5),
      bucketLimit: repeatedDoubles(f, 6),
      bucket: repeatedDoubles(f, 7),
    });
    return;
  }
  const tensorField = lastField(value, 8);
  if (tensorField) {
    const tensor = decodeMessage(tensorField.bytes);
    const dtype = lastField(tensor, 1)?.varint ?? 0;
    if (dtype === DT_STRING && (plugin === 'text' || plugin === '')) {
      const strings = tensor.filter((t) => t.field === 8).map(asString);
      ev.texts.push({ tag, text: strings.join('\n') });
    } else if (plugin === 'scalars' || plugin === '') {
      const x = tensorScalar(tensor);
      if (x !== undefined) ev.scalars.push({ tag, value: x });
    }
  }
}

/** Decodes one serialized `Event`. */
export function decodeEvent(data: Uint8Array): DecodedEvent {
  const fields = decodeMessage(data);
  const ev: DecodedEvent = { wallTime: 0, step: 0, scalars: [], images: [], histograms: [], texts: [] };
  const wall = lastField(fields, 1);
  if (wall) ev.wallTime = asDouble(wall);
  ev.step = lastField(fields, 2)?.varint ?? 0;
  const version = lastField(fields, 3);
  if (version) ev.fileVersion = asString(version);
  const sessionLog = lastField(fields, 6);
  if (sessionLog) ev.sessionStatus = lastField(decodeMessage(sessionLog.bytes), 1)?.varint ?? 0;
  const summary = lastField(fields, 5);
  if (summary) {
    for (const v of decodeMessage(summary.bytes)) if (v.field === 1) decodeValue(decodeMessage(v.bytes), ev);
  }
  return ev;
}

/**
 * Reads every event of a TensorBoard event file.
 * @throws DalError naming the file and byte offset on a bad CRC, a truncated record or an undecodable Event
 */
export function readEventFile(path: string): DecodedEvent[] {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(path);
  } catch (err) {
    throw new DalError(`cannot read event file ${path}: ${(err as Error).message}`);
  }
  return readRecords(bytes, path).map(({ offset, data }) => {
    try {
      return decodeEvent(data);
    } catch (err) {
      if (err instanceof ProtoError) {
        throw new DalError(`${path}: undecodable Event in the record at byte offset ${offset}: ${err.message}`);
      }
      throw err;
    }
  });
}
