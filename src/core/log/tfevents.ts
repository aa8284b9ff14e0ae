/**
 * TensorBoard event-file writer (records encoded by events.ts). Records are buffered and appended every
 * `flushSeconds`, on `flush()`/`close()`, and on process exit, SIGINT and SIGTERM, so a killed run keeps its curves.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DalError } from '../errors.ts';
import { encodePng, isOpaque, type RgbaImage } from '../io/png.ts';
import {
  fileVersionEvent,
  frameRecord,
  histogramEvent,
  histogramOf,
  imageEvent,
  scalarEvent,
  sessionStartEvent,
  textEvent,
} from './events.ts';

function checkStep(what: string, step: number): void {
  if (!Number.isSafeInteger(step) || step < 0) throw new Error(`${what}: step must be a non-negative integer, got ${step}`);
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
  /**
   * On `--resume` from a checkpoint at step k, pass k: the file then starts with `SessionLog START` at k, and
   * TensorBoard discards the events with step ≥ k that the killed run wrote after that checkpoint.
   */
  purgeStep?: number;
}

/** Writes scalars, images, histograms and text to one `events.out.tfevents.*` file in `logDir`. */
export class SummaryWriter {
  /** Path of the event file this writer appends to. */
  readonly path: string;
  private fd: number | null;
  private pending: Uint8Array[] = [];
  private timer: NodeJS.Timeout;

  /** @throws DalError when the directory or file cannot be created */
  constructor(logDir: string, opts: SummaryWriterOptions = {}) {
    const stamp = Math.floor(Date.now() / 1000);
    const host = os.hostname().replace(/[^A-Za-z0-9._-]/g, '_');
    let p: string;
    try {
      fs.mkdirSync(logDir, { recursive: true });
      do {
        p = path.join(logDir, `events.out.tfevents.${stamp}.${host}.${process.pid}.${fileCounter++}${opts.filenameSuffix ?? ''}`);
      } while (fs.existsSync(p));
      this.fd = fs.openSync(p, 'a');
    } catch (err) {
      throw new DalError(`cannot create a TensorBoard event file in ${logDir}: ${(err as Error).message}`);
    }
    this.path = p;
    this.pending.push(frameRecord(fileVersionEvent(Date.now() / 1000)));
    if (opts.purgeStep !== undefined) {
      checkStep('purgeStep', opts.purgeStep);
      this.pending.push(frameRecord(sessionStartEvent(Date.now() / 1000, opts.purgeStep)));
    }
    const seconds = opts.flushSeconds ?? 10;
    this.timer = setInterval(() => this.flush(), Math.max(0.01, seconds) * 1000);
    this.timer.unref();
    openWriters.add(this);
    installHandlers();
    this.flush();
  }

  private push(tag: string, step: number, encode: (wallTime: number) => Uint8Array): void {
    if (this.fd === null) throw new Error(`SummaryWriter for ${this.path} is closed`);
    checkStep(tag, step);
    this.pending.push(frameRecord(encode(Date.now() / 1000)));
  }

  /** Logs a scalar as `Summary.Value.simple_value` (float32). */
  scalar(tag: string, value: number, step: number): void {
    this.push(tag, step, (t) => scalarEvent(t, step, tag, value));
  }

  /** Logs an image as a legacy `Summary.Image` (PNG; colorspace 3 = RGB when opaque, 4 = RGBA). */
  image(tag: string, img: RgbaImage, step: number): void {
    const summary = { height: img.height, width: img.width, colorspace: isOpaque(img) ? 3 : 4, png: encodePng(img) };
    this.push(tag, step, (t) => imageEvent(t, step, tag, summary));
  }

  /**
   * Logs a `HistogramProto` of `values` with `bins` equal-width buckets between their min and max (non-finite
   * values are left out).
   */
  histogram(tag: string, values: ArrayLike<number>, step: number, bins = 30): void {
    const h = histogramOf(values, bins);
    this.push(tag, step, (t) => histogramEvent(t, step, tag, h));
  }

  /** Logs markdown text for the text plugin: a rank-0 DT_STRING tensor with plugin_name "text". */
  text(tag: string, markdown: string, step: number): void {
    this.push(tag, step, (t) => textEvent(t, step, tag, markdown));
  }

  /** Appends the buffered records to the file and fsyncs it (also done by the timer, on exit and on signals). */
  flush(): void {
    if (this.fd === null || this.pending.length === 0) return;
    // One write call for the whole batch: a process killed (even by SIGKILL) during a write(2) to a regular file
    // does not leave half of it, so the file always ends on a record boundary.
    const batch = Buffer.concat(this.pending);
    this.pending = [];
    let off = 0;
    while (off < batch.length) off += fs.writeSync(this.fd, batch, off, batch.length - off);
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
