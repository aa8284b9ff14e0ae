/**
 * A fast path for the common event of a training log: `Event {wall_time, step, summary {value {tag, simple_value}…}}`
 * (tensorflow/core/util/event.proto, summary.proto). It walks the wire format once without building field lists,
 * about ten times faster than the general `decodeEvent`, which stays the authority: any event this path does not
 * fully understand (a session log, a tensor value that may hold a scalar or text) is handed to `decodeEvent`.
 * Images and histograms are skipped unread: they are not scalars.
 */
import { decodeEvent } from '../core/log/reader.ts';

export interface ScalarEvent {
  wallTime: number;
  step: number;
  /** `SessionLog.status` when the event is a session log (1 = START). */
  sessionStatus?: number;
  scalars: { tag: string; value: number }[];
}

class Fallback extends Error {}
const FALLBACK = new Fallback('not a plain scalar event');

/** Decodes the scalars (and the session status) of one serialized `Event`. */
export function decodeScalarEvent(data: Uint8Array): ScalarEvent {
  try {
    return scan(data);
  } catch (err) {
    if (!(err instanceof Fallback)) throw err;
    const ev = decodeEvent(data);
    return {
      wallTime: ev.wallTime,
      step: ev.step,
      scalars: ev.scalars,
      ...(ev.sessionStatus !== undefined ? { sessionStatus: ev.sessionStatus } : {}),
    };
  }
}

function scan(data: Uint8Array): ScalarEvent {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const ev: ScalarEvent = { wallTime: 0, step: 0, scalars: [] };
  const r = { pos: 0 };
  while (r.pos < data.length) {
    const key = varint(data, r);
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (field === 1 && wire === 1) {
      ev.wallTime = dv.getFloat64(r.pos, true);
      r.pos += 8;
    } else if (field === 2 && wire === 0) {
      ev.step = varint(data, r);
    } else if (field === 5 && wire === 2) {
      const len = varint(data, r);
      summary(data, dv, r.pos, r.pos + len, ev);
      r.pos += len;
    } else if (field === 6) {
      throw FALLBACK; // session log
    } else skip(data, r, wire);
  }
  if (r.pos !== data.length) throw FALLBACK;
  return ev;
}

function summary(data: Uint8Array, dv: DataView, start: number, end: number, ev: ScalarEvent): void {
  const r = { pos: start };
  while (r.pos < end) {
    const key = varint(data, r);
    if (key === 0x0a) {
      const len = varint(data, r);
      value(data, dv, r.pos, r.pos + len, ev);
      r.pos += len;
    } else skip(data, r, key & 7);
  }
}

function value(data: Uint8Array, dv: DataView, start: number, end: number, ev: ScalarEvent): void {
  const r = { pos: start };
  let tag: string | undefined;
  let nodeName = '';
  let simple: number | undefined;
  let other = false;
  while (r.pos < end) {
    const key = varint(data, r);
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (field === 1 && wire === 2) {
      const len = varint(data, r);
      tag = text(data, r.pos, r.pos + len);
      r.pos += len;
    } else if (field === 7 && wire === 2) {
      const len = varint(data, r);
      nodeName = text(data, r.pos, r.pos + len);
      r.pos += len;
    } else if (field === 2 && wire === 5) {
      simple = dv.getFloat32(r.pos, true);
      r.pos += 4;
    } else if (field === 8) {
      throw FALLBACK; // a tensor: a scalar or text, for decodeEvent to tell
    } else {
      if (field === 4 || field === 5) other = true; // image, histogram
      skip(data, r, wire);
    }
  }
  if (simple !== undefined && !other) ev.scalars.push({ tag: tag ?? nodeName, value: simple });
}

function varint(data: Uint8Array, r: { pos: number }): number {
  let result = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (r.pos >= data.length) throw FALLBACK;
    const b = data[r.pos++]!;
    result += (b & 0x7f) * scale;
    if (b < 0x80) return result;
    scale *= 128;
  }
  throw FALLBACK;
}

function skip(data: Uint8Array, r: { pos: number }, wire: number): void {
  if (wire === 0) varint(data, r);
  else if (wire === 1) r.pos += 8;
  else if (wire === 2) r.pos += varint(data, r);
  else if (wire === 5) r.pos += 4;
  else throw FALLBACK;
  if (r.pos > data.length) throw FALLBACK;
}

const utf8 = new TextDecoder();
const tagCache = new Map<string, string>();

/** A tag's text; ASCII tags (nearly all) are decoded without TextDecoder and interned. */
function text(data: Uint8Array, start: number, end: number): string {
  let ascii = true;
  for (let i = start; i < end; i++) if (data[i]! >= 0x80) ascii = false;
  if (!ascii) return utf8.decode(data.subarray(start, end));
  const s = String.fromCharCode(...data.subarray(start, end));
  let t = tagCache.get(s);
  if (t === undefined) {
    if (tagCache.size > 10_000) tagCache.clear();
    tagCache.set(s, (t = s));
  }
  return t;
}
