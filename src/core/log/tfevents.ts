/**
 * TensorBoard event-file writer: TFRecord framing (tensorflow/core/lib/io/record_writer.cc) of serialized `Event`
 * protos (tensorflow/core/util/event.proto, summary.proto). Records are buffered and appended every `flushSeconds`,
 * on `flush()`/`close()`, and on process exit, SIGINT and SIGTERM, so a killed run keeps its curves.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { encodePng, isOpaque, type RgbaImage } from '../io/png.ts';
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
 * Serializes an `Event {wall_time=1, step=2, file_version=3 | summary=5}`. Like protobuf's own serializers it leaves
 * out a zero step (the proto3 default), so dal's records are byte-identical to TensorFlow's and PyTorch's.
 */
export function encodeEvent(
  wallTime: number,
  step: number,
  what: { fileVersion: string } | { summary: ProtoWriter },
): Uint8Array {
  const ev = new ProtoWriter().double(1, wallTime);
  if (step !== 0) ev.varint(2, step);
  if ('fileVersion' in what) ev.string(3, what.fileVersion);
  else ev.message(5, what.summary);
  return ev.finish();
}

/** An `Event` holding one `Summary.Value` with `tag`, whose value fields `fill` adds. */
export function summaryEvent(wallTime: number, step: number, tag: string, fill: (value: ProtoWriter) => void): Uint8Array {
  const value = new ProtoWriter().string(1, tag);
  fill(value);
  return encodeEvent(wallTime, step, { summary: new ProtoWriter().message(1, value) });
}

/** An `Event` holding a scalar as `simple_value` (float32). */
export function scalarEvent(wallTime: number, step: number, tag: string, value: number): Uint8Array {
  return summaryEvent(wallTime, step, tag, (v) => v.float(2, value));
}

/** Equal-width buckets over [min, max]: right edges (`bucket_limit`) and counts, as PyTorch's writer stores them. */
function bucketize(values: number[], min: number, max: number, bins: number): { limits: number[]; counts: number[] } {
  if (values.length === 0) return { limits: [], counts: [] };
  if (min === max) return { limits: [max], counts: [values.length] };
  const width = (max - min) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.floor((v - min) / width))]++;
  const limits = counts.map((_, i) => (i === bins - 1 ? max : min + (i + 1) * width));
  return { limits, counts };
}

// Writers still open in this process, flushed on exit and on SIGINT/SIGTERM.
const openWriters = new Set<SummaryWriter>();
let fileCounter = 0;

function flushAll(): void {
  for (const w of openWriters) {
    try {
      w.flush();
    } catch {
      // A failing disk must not keep the process from ending; the other writers still get their turn.
    }
  }
}

const SIGNAL_EXIT: Record<'SIGINT' | 'SIGTERM', number> = { SIGINT: 130, SIGTERM: 143 };

function onSignal(sig: 'SIGINT' | 'SIGTERM'): void {
  flushAll();
  // If someone else also listens (e.g. a trainer that checkpoints on Ctrl-C), the signal is theirs to finish.
  if (process.listenerCount(sig) > 1) return;
  uninstallHandlers();
  // Re-raise with the default disposition so the parent sees death by the signal; exit as a fallback.
  process.kill(process.pid, sig);
  setTimeout(() => process.exit(SIGNAL_EXIT[sig]), 1000).unref();
}
const onSigint = () => onSignal('SIGINT');
const onSigterm = () => onSignal('SIGTERM');
let installed = false;

function installHandlers(): void {
  if (installed) return;
  installed = true;
  process.on('exit', flushAll);
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
}

function uninstallHandlers(): void {
  if (!installed) return;
  installed = false;
  process.off('exit', flushAll);
  process.off('SIGINT', onSigint);
  process.off('SIGTERM', onSigterm);
}

export interface SummaryWriterOptions {
  /** Seconds between automatic flushes (default 10). */
  flushSeconds?: number;
  /** Suffix appended to the file name (e.g. ".v2"); default none. */
  filenameSuffix?: string;
}

/** Writes scalars, images, histograms and text to one `events.out.tfevents.*` file in `logDir`. */
export class SummaryWriter {
  /** Path of the event file this writer appends to. */
  readonly path: string;
  private fd: number | null;
  private pending: Uint8Array[] = [];
  private timer: NodeJS.Timeout;

  constructor(logDir: string, opts: SummaryWriterOptions = {}) {
    fs.mkdirSync(logDir, { recursive: true });
    const stamp = Math.floor(Date.now() / 1000);
    const host = os.hostname().replace(/[^A-Za-z0-9._-]/g, '_');
    let p: string;
    do {
      p = path.join(logDir, `events.out.tfevents.${stamp}.${host}.${process.pid}.${fileCounter++}${opts.filenameSuffix ?? ''}`);
    } while (fs.existsSync(p));
    this.path = p;
    this.fd = fs.openSync(p, 'a');
    this.pending.push(frameRecord(encodeEvent(Date.now() / 1000, 0, { fileVersion: 'brain.Event:2' })));
    const seconds = opts.flushSeconds ?? 10;
    this.timer = setInterval(() => this.flush(), Math.max(0.01, seconds) * 1000);
    this.timer.unref();
    openWriters.add(this);
    installHandlers();
    this.flush();
  }

  private push(tag: string, step: number, encode: (wallTime: number) => Uint8Array): void {
    if (this.fd === null) throw new Error(`SummaryWriter for ${this.path} is closed`);
    if (!Number.isInteger(step) || step < 0) throw new Error(`summary '${tag}': step must be a non-negative integer, got ${step}`);
    this.pending.push(frameRecord(encode(Date.now() / 1000)));
  }

  private summary(tag: string, step: number, fill: (value: ProtoWriter) => void): void {
    this.push(tag, step, (wallTime) => summaryEvent(wallTime, step, tag, fill));
  }

  /** Logs a scalar as `Summary.Value.simple_value` (float32). */
  scalar(tag: string, value: number, step: number): void {
    this.push(tag, step, (wallTime) => scalarEvent(wallTime, step, tag, value));
  }

  /** Logs an image as a legacy `Summary.Image` (PNG; colorspace 3 = RGB when opaque, 4 = RGBA). */
  image(tag: string, img: RgbaImage, step: number): void {
    const png = encodePng(img);
    const colorspace = isOpaque(img) ? 3 : 4;
    this.summary(tag, step, (v) =>
      v.message(4, new ProtoWriter().varint(1, img.height).varint(2, img.width).varint(3, colorspace).bytes(4, png)),
    );
  }

  /**
   * Logs a `HistogramProto` of `values` with `bins` equal-width buckets between their min and max (non-finite
   * values are left out).
   */
  histogram(tag: string, values: ArrayLike<number>, step: number, bins = 30): void {
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
    if (finite.length === 0) min = max = 0;
    const { limits, counts } = bucketize(finite, min, max, Math.max(1, Math.floor(bins)));
    const histo = new ProtoWriter()
      .double(1, min)
      .double(2, max)
      .double(3, finite.length)
      .double(4, sum)
      .double(5, sumSquares)
      .packedDoubles(6, limits)
      .packedDoubles(7, counts);
    this.summary(tag, step, (v) => v.message(5, histo));
  }

  /** Logs markdown text for the text plugin: a rank-0 DT_STRING tensor with plugin_name "text". */
  text(tag: string, markdown: string, step: number): void {
    const metadata = new ProtoWriter().message(1, new ProtoWriter().string(1, 'text'));
    const tensor = new ProtoWriter()
      .varint(1, DT_STRING)
      .message(2, new ProtoWriter())
      .string(8, markdown);
    this.summary(tag, step, (v) => v.message(9, metadata).message(8, tensor));
  }

  /** Appends the buffered records to the file and fsyncs it. */
  flush(): void {
    if (this.fd === null || this.pending.length === 0) return;
    const chunks = this.pending;
    this.pending = [];
    for (const c of chunks) {
      let off = 0;
      while (off < c.length) off += fs.writeSync(this.fd, c, off, c.length - off);
    }
    fs.fsyncSync(this.fd);
  }

  /** Flushes and closes the file; further logging throws. Idempotent. */
  close(): void {
    if (this.fd === null) return;
    this.flush();
    clearInterval(this.timer);
    fs.closeSync(this.fd);
    this.fd = null;
    openWriters.delete(this);
    if (openWriters.size === 0) uninstallHandlers();
  }
}
