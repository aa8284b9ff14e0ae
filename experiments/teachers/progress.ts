/**
 * Progress of the teachers table on stderr: the current cell and the whole run, each with an ETA. Work is counted in
 * U-Net image evaluations (`cellCost`), so cells of different samplers, n and CFG scales add up. On a terminal two
 * cli-progress bars; otherwise (a log file) one line every `intervalMs`:
 *   [3/12] mnist-unet DDIM 25 CFG 3 n=1000: 45% ETA 1m20s | run 28% ETA 25m10s
 * Before the run has timed anything, ETAs come from the seconds per evaluation of cells in the results file.
 */
import { MultiBar, type SingleBar } from 'cli-progress';
import { formatDuration } from '../../src/core/train/progress.ts';

export interface TableProgressOptions {
  /** U-Net evaluations of all cells of the run */
  totalUnits: number;
  cells: number;
  /** seconds per evaluation from earlier runs, if known */
  priorSecondsPerUnit?: number;
  tty?: boolean;
  intervalMs?: number;
  stream?: NodeJS.WriteStream;
}

export class TableProgress {
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;
  private readonly t0 = Date.now();
  /** evaluations computed by this run in finished cells, and resumed (computed by an earlier run) in all cells */
  private workBefore = 0;
  private resumed = 0;
  private cellUnits = 0;
  private cellDone = 0;
  private cellStart = 0;
  private cellT0 = Date.now();
  private cellLabel = '';
  private cellIndex = 0;
  private lastLine = 0;
  private multi?: MultiBar;
  private bars?: [SingleBar, SingleBar];

  constructor(private readonly opts: TableProgressOptions) {
    this.stream = opts.stream ?? process.stderr;
    this.tty = opts.tty ?? Boolean(this.stream.isTTY);
    if (this.tty) {
      this.multi = new MultiBar({ stream: this.stream, hideCursor: true, clearOnComplete: false, fps: 5, barsize: 24, format: '{name} {bar} {percentage}% | ETA {etaText} | {text}' });
      this.bars = [
        this.multi.create(1, 0, { name: 'cell', etaText: '?', text: '' }),
        this.multi.create(Math.max(1, opts.totalUnits), 0, { name: 'run ', etaText: '?', text: `${opts.cells} cells` }),
      ];
    }
  }

  /** Seconds per evaluation: this run's rate once it has done some work, else the prior. */
  private secondsPerUnit(): number | undefined {
    const work = this.workBefore + this.cellDone - this.cellStart;
    if (work > 0) return (Date.now() - this.t0) / 1000 / work;
    return this.opts.priorSecondsPerUnit;
  }

  /** Starts cell `index` (1-based) of `units` evaluations, of which `resumed` were done by an earlier run. */
  startCell(index: number, label: string, units: number, resumed = 0): void {
    this.cellIndex = index;
    this.cellLabel = label;
    this.cellUnits = Math.max(1, units);
    this.cellDone = this.cellStart = resumed;
    this.resumed += resumed;
    this.cellT0 = Date.now();
    this.lastLine = 0;
    const spu = this.secondsPerUnit();
    const left = units - resumed;
    this.log(
      `[${index}/${this.opts.cells}] ${label}: ${units.toLocaleString('en-US')} U-Net evaluations` +
        (resumed ? ` (resumed: ${resumed.toLocaleString('en-US')} done)` : '') +
        (spu ? `, about ${formatDuration(spu * left)}` : ''),
    );
    this.bars?.[0].setTotal(this.cellUnits);
    this.update(resumed);
  }

  /** `done` evaluations of the current cell are complete (counting resumed ones). */
  update(done: number): void {
    this.cellDone = done;
    const work = done - this.cellStart;
    const cellRate = work > 0 ? (Date.now() - this.cellT0) / 1000 / work : this.secondsPerUnit();
    const cellEta = cellRate === undefined ? Infinity : cellRate * (this.cellUnits - done);
    const runDone = this.workBefore + this.resumed - this.cellStart + done;
    const spu = this.secondsPerUnit();
    const runEta = spu === undefined ? Infinity : spu * (this.opts.totalUnits - runDone);
    if (this.bars) {
      this.bars[0].update(done, { etaText: formatDuration(cellEta), text: `[${this.cellIndex}/${this.opts.cells}] ${this.cellLabel}` });
      this.bars[1].update(runDone, { etaText: formatDuration(runEta) });
      return;
    }
    const now = Date.now();
    if (done !== this.cellStart && done < this.cellUnits && now - this.lastLine < (this.opts.intervalMs ?? 10_000)) return;
    this.lastLine = now;
    const cellPct = ((100 * done) / this.cellUnits).toFixed(0);
    const runPct = ((100 * runDone) / Math.max(1, this.opts.totalUnits)).toFixed(0);
    this.stream.write(
      `[${this.cellIndex}/${this.opts.cells}] ${this.cellLabel}: ${cellPct}% ETA ${formatDuration(cellEta)} | run ${runPct}% ETA ${formatDuration(runEta)}\n`,
    );
  }

  /** The current cell is complete (its evaluations count as done). */
  endCell(): void {
    this.workBefore += this.cellUnits - this.cellStart;
    this.cellDone = this.cellStart = 0;
  }

  /** Prints a line above the bars. */
  log(line: string): void {
    if (this.multi) this.multi.log(`${line}\n`);
    else this.stream.write(`${line}\n`);
  }

  stop(): void {
    this.multi?.stop();
  }
}
