/**
 * The scalars of a run's TensorBoard event files, read incrementally: each file is re-read only from the end of its
 * last complete record, so a run that appends a few events costs a few hundred bytes per refresh, not the whole file.
 * A record still being written (its length or data not all there yet) is left for the next refresh. CRCs are checked
 * as dal's reader checks them; events are decoded by `decodeScalarEvent` (a fast path that defers to dal's
 * `decodeEvent` for anything but plain scalars).
 *
 * A resumed run writes a new file that starts with `SessionLog START` at the resume step; as in TensorBoard, the
 * points of earlier files at or after that step are dropped (they were logged after the checkpoint resumed from).
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { maskedCrc32c } from '../core/log/crc32c.ts';
import { decodeScalarEvent } from './scalar-events.ts';

/** One tag's points, in the order logged. */
export interface Series {
  step: number[];
  value: number[];
}

/** What the page gets: every tag's series, plus the run's progress as logged. */
export interface ScalarsJson {
  tags: Record<string, Series>;
  /** Largest step of any scalar event (0 if none). */
  lastStep: number;
  /** Steps per second over the latest session's scalar events, or null when there are too few to tell. */
  stepsPerSecond: number | null;
  /** Wall time (s since the epoch) of the latest scalar event, or null. */
  lastWallTime: number | null;
  /** A problem reading the files (e.g. a corrupt record), shown on the page; the points before it are kept. */
  error?: string;
}

const EVENT_FILE = /^events\.out\.tfevents\./;

/** Incremental reader of one event file. */
class EventFileTail {
  private offset = 0;
  readonly tags = new Map<string, Series>();
  purgeStep: number | undefined;
  first: { step: number; wall: number } | undefined;
  last: { step: number; wall: number } | undefined;
  error: string | undefined;

  constructor(readonly path: string) {}

  /** Reads the records appended since the last call; returns whether any scalar was added. */
  update(): boolean {
    if (this.error) return false;
    let fd: number;
    try {
      fd = fs.openSync(this.path, 'r');
    } catch {
      return false; // removed meanwhile
    }
    let bytes: Buffer;
    try {
      const size = fs.fstatSync(fd).size;
      if (size < this.offset) this.reset(); // replaced by a shorter file: start over
      if (size === this.offset) return false;
      bytes = Buffer.allocUnsafe(size - this.offset);
      let got = 0;
      while (got < bytes.length) {
        const n = fs.readSync(fd, bytes, got, bytes.length - got, this.offset + got);
        if (n === 0) break;
        got += n;
      }
      bytes = bytes.subarray(0, got);
    } finally {
      fs.closeSync(fd);
    }
    return this.parse(bytes);
  }

  private reset(): void {
    this.offset = 0;
    this.tags.clear();
    this.purgeStep = this.first = this.last = undefined;
  }

  private parse(bytes: Buffer): boolean {
    let pos = 0;
    let added = false;
    while (pos + 12 <= bytes.length) {
      const length = Number(bytes.readBigUInt64LE(pos));
      if (bytes.readUInt32LE(pos + 8) !== maskedCrc32c(bytes.subarray(pos, pos + 8))) {
        this.error = `${this.path}: bad length CRC at byte offset ${this.offset + pos}; later points are not shown`;
        break;
      }
      const end = pos + 12 + length + 4;
      if (end > bytes.length) break; // still being written
      const data = bytes.subarray(pos + 12, end - 4);
      if (bytes.readUInt32LE(end - 4) !== maskedCrc32c(data)) {
        this.error = `${this.path}: bad data CRC at byte offset ${this.offset + pos}; later points are not shown`;
        break;
      }
      let ev;
      try {
        ev = decodeScalarEvent(data);
      } catch (err) {
        this.error = `${this.path}: undecodable event at byte offset ${this.offset + pos}: ${(err as Error).message}`;
        break;
      }
      if (ev.sessionStatus === 1 && this.purgeStep === undefined) this.purgeStep = ev.step;
      for (const { tag, value } of ev.scalars) {
        let s = this.tags.get(tag);
        if (!s) this.tags.set(tag, (s = { step: [], value: [] }));
        s.step.push(ev.step);
        s.value.push(round7(value));
        added = true;
      }
      if (ev.scalars.length) {
        const point = { step: ev.step, wall: ev.wallTime };
        this.first ??= point;
        this.last = point;
      }
      pos = end;
    }
    this.offset += pos;
    return added;
  }
}

/** The scalars of one run directory (its top-level event files). */
export class RunScalars {
  private readonly files = new Map<string, EventFileTail>();
  private merged: ScalarsJson | undefined;
  private text: string | undefined;

  constructor(readonly root: string) {}

  /** Picks up new event files and new records; returns whether anything changed. */
  refresh(): boolean {
    let names: string[];
    try {
      names = fs.readdirSync(this.root).filter((n) => EVENT_FILE.test(n));
    } catch {
      names = [];
    }
    let changed = false;
    for (const name of names) {
      if (!this.files.has(name)) {
        this.files.set(name, new EventFileTail(join(this.root, name)));
        changed = true;
      }
    }
    for (const [name, tail] of this.files) {
      if (!names.includes(name)) {
        this.files.delete(name);
        changed = true;
      } else if (tail.update()) changed = true;
    }
    if (changed) this.merged = this.text = undefined;
    return changed;
  }

  /** `json()` serialized (cached until the next change). */
  jsonText(): string {
    return (this.text ??= JSON.stringify(this.json()));
  }

  /** Every tag's points, merged over the files in the order written (file names carry their creation time). */
  json(): ScalarsJson {
    if (this.merged) return this.merged;
    const tails = [...this.files.entries()].sort(([a], [b]) => compareEventFiles(a, b)).map(([, t]) => t);
    const tags: Record<string, Series> = {};
    if (tails.length === 1) {
      // One session (the usual case): its arrays as they are, no copy.
      for (const [tag, series] of tails[0]!.tags) tags[tag] = series;
    } else {
      for (const tail of tails) {
        const purge = tail.purgeStep;
        if (purge !== undefined) {
          for (const s of Object.values(tags)) {
            let n = s.step.length;
            while (n > 0 && s.step[n - 1]! >= purge) n--;
            s.step.length = n;
            s.value.length = n;
          }
        }
        for (const [tag, s] of tail.tags) {
          const into = (tags[tag] ??= { step: [], value: [] });
          for (let i = 0; i < s.step.length; i++) {
            into.step.push(s.step[i]!);
            into.value.push(s.value[i]!);
          }
        }
      }
    }
    let lastStep = 0;
    for (const s of Object.values(tags)) for (const st of s.step) if (st > lastStep) lastStep = st;
    const latest = [...tails].reverse().find((t) => t.last !== undefined);
    let stepsPerSecond: number | null = null;
    if (latest?.first && latest.last && latest.last.wall > latest.first.wall && latest.last.step > latest.first.step) {
      stepsPerSecond = (latest.last.step - latest.first.step) / (latest.last.wall - latest.first.wall);
    }
    const error = tails.map((t) => t.error).find((e) => e !== undefined);
    this.merged = {
      tags,
      lastStep,
      stepsPerSecond,
      lastWallTime: latest?.last?.wall ?? null,
      ...(error ? { error } : {}),
    };
    return this.merged;
  }
}

/** `events.out.tfevents.<seconds>.<host>.<pid>.<n>`: by time, then by name. */
function compareEventFiles(a: string, b: string): number {
  const t = (n: string) => Number(n.split('.')[3] ?? 0);
  return t(a) - t(b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** Scalars are float32: 7 significant digits hold them, and keep the JSON short. */
function round7(x: number): number {
  return Number.isFinite(x) ? Number(x.toPrecision(7)) : x;
}
