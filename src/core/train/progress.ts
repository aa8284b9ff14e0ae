/**
 * Progress of long work: a cli-progress bar (step, rate, ETA, latest losses) on a terminal, plain periodic lines
 * otherwise (logs, CI, a parent process reading stdout).
 */
import { SingleBar } from 'cli-progress';

export interface Progress {
  /** Reports that `done` of `total` units are complete; `terms` are the latest named losses. */
  update(done: number, terms?: Record<string, number>): void;
  /** Prints a line without breaking the bar. */
  log(line: string): void;
  stop(): void;
}

export interface ProgressOptions {
  total: number;
  /** Units already done (a resumed run). */
  start?: number;
  label?: string;
  /** Force the bar (true) or plain lines (false); default: bar iff stderr is a TTY. */
  tty?: boolean;
  /** Plain mode: print at most every this many ms (besides the first and last update). Default 2000. */
  intervalMs?: number;
  stream?: NodeJS.WriteStream;
}

export function createProgress(opts: ProgressOptions): Progress {
  const stream = opts.stream ?? process.stderr;
  const tty = opts.tty ?? Boolean(stream.isTTY);
  return tty ? new BarProgress(opts, stream) : new LineProgress(opts, stream);
}

/** `loss=0.0123 tMax=0.5` */
export function formatTerms(terms: Record<string, number> | undefined): string {
  if (!terms) return '';
  return Object.entries(terms)
    .map(([k, v]) => `${k}=${formatNumber(v)}`)
    .join(' ');
}

export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  // Counts (vertices, steps) print exactly; rounding 10,226 to 10230 would misstate them.
  if (Number.isInteger(v) && a < 1e9) return String(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : Number(v.toPrecision(4)).toString();
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** Rate and ETA from the units done since construction (a resumed run's earlier steps do not count). */
class Clock {
  private readonly t0 = Date.now();
  constructor(private readonly start: number) {}
  rate(done: number): number {
    const dt = (Date.now() - this.t0) / 1000;
    return dt > 0 ? (done - this.start) / dt : 0;
  }
  eta(done: number, total: number): number {
    const r = this.rate(done);
    return r > 0 ? (total - done) / r : Infinity;
  }
}

class BarProgress implements Progress {
  private readonly bar: SingleBar;
  private readonly clock: Clock;

  constructor(
    private readonly opts: ProgressOptions,
    private readonly stream: NodeJS.WriteStream,
  ) {
    this.clock = new Clock(opts.start ?? 0);
    this.bar = new SingleBar({
      format: `${opts.label ?? 'step'} {bar} {value}/{total} | {rate}/s | ETA {etaText} | {terms}`,
      stream,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
      fps: 10,
      barsize: 24,
    });
    this.bar.start(opts.total, opts.start ?? 0, { rate: '0', etaText: '?', terms: '' });
  }

  update(done: number, terms?: Record<string, number>): void {
    this.bar.update(done, {
      rate: formatNumber(this.clock.rate(done)),
      etaText: formatDuration(this.clock.eta(done, this.opts.total)),
      terms: formatTerms(terms),
    });
  }

  log(line: string): void {
    // cli-progress redraws on the next update; clearing the line first keeps the message readable.
    this.stream.write(`\r\x1b[K${line}\n`);
  }

  stop(): void {
    this.bar.stop();
  }
}

class LineProgress implements Progress {
  private readonly clock: Clock;
  private last = 0;
  private lastDone = -1;

  constructor(private readonly opts: ProgressOptions, private readonly stream: NodeJS.WriteStream) {
    this.clock = new Clock(opts.start ?? 0);
  }

  update(done: number, terms?: Record<string, number>): void {
    const now = Date.now();
    const first = this.lastDone < 0;
    const final = done >= this.opts.total;
    if (!first && !final && now - this.last < (this.opts.intervalMs ?? 2000)) return;
    this.last = now;
    this.lastDone = done;
    const pct = ((100 * done) / this.opts.total).toFixed(0);
    const rate = formatNumber(this.clock.rate(done));
    const eta = formatDuration(this.clock.eta(done, this.opts.total));
    this.stream.write(`${this.opts.label ?? 'step'} ${done}/${this.opts.total} (${pct}%) ${rate}/s ETA ${eta} ${formatTerms(terms)}\n`);
  }

  log(line: string): void {
    this.stream.write(`${line}\n`);
  }

  stop(): void {}
}
