/**
 * A run directory (DESIGN.md, "Interfaces"): `config.yaml` (the resolved config), TensorBoard event files,
 * `metrics.json` (final figures; written last, so its presence means "finished"), `checkpoints/`, `images/`, and the
 * run's outputs as `.npy` files. While a session trains, `run.pid` holds its process id and host (removed when the
 * session ends, however it ends short of SIGKILL), so a viewer can tell "running" from "failed".
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { DalError } from '../errors.ts';
import { writeFileAtomic } from '../io/atomic.ts';

export const CONFIG_FILE = 'config.yaml';
export const METRICS_FILE = 'metrics.json';
export const PID_FILE = 'run.pid';

/** What `run.pid` holds: the training process and the host it runs on. */
export interface RunPid {
  pid: number;
  host: string;
}

/** Final figures of a run: one flat object of numbers. */
export type Metrics = Record<string, number>;

export class RunDir {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /** `runs/<name>-<YYYYMMDD-HHMMSS>` (UTC) under `base`. */
  static defaultPath(name: string, now = new Date(), base = 'runs'): string {
    const p = (n: number) => String(n).padStart(2, '0');
    const stamp =
      `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}-` +
      `${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
    return join(base, `${name}-${stamp}`);
  }

  /**
   * Creates a fresh run directory holding the resolved config.
   * @throws DalError if `root` exists and is not empty (a run there would mix with another's files)
   */
  static create(root: string, configYaml: string): RunDir {
    const run = new RunDir(root);
    if (existsSync(run.root) && readdirSync(run.root).length > 0) {
      throw new DalError(`${root} already exists and is not empty: pass --resume to continue the run there, or another --out`);
    }
    mkdirSync(run.checkpoints, { recursive: true });
    mkdirSync(run.images, { recursive: true });
    writeFileAtomic(run.path(CONFIG_FILE), configYaml);
    return run;
  }

  /**
   * Opens an existing run directory for `--resume`.
   * @throws DalError if it holds no config.yaml
   */
  static open(root: string): RunDir {
    const run = new RunDir(root);
    if (!existsSync(run.path(CONFIG_FILE))) {
      throw new DalError(`${root} is not a run directory (no ${CONFIG_FILE} in it)`);
    }
    mkdirSync(run.checkpoints, { recursive: true });
    mkdirSync(run.images, { recursive: true });
    return run;
  }

  path(...parts: string[]): string {
    return join(this.root, ...parts);
  }

  get checkpoints(): string {
    return this.path('checkpoints');
  }

  get images(): string {
    return this.path('images');
  }

  get configFile(): string {
    return this.path(CONFIG_FILE);
  }

  get finished(): boolean {
    return existsSync(this.path(METRICS_FILE));
  }

  /** Writes `metrics.json` atomically; call once, at the very end of a run. */
  writeMetrics(metrics: Metrics): void {
    for (const [k, v] of Object.entries(metrics)) {
      if (typeof v !== 'number') throw new Error(`metrics.${k} is ${typeof v}, not a number`);
    }
    writeFileAtomic(this.path(METRICS_FILE), `${JSON.stringify(metrics, null, 2)}\n`);
  }

  /** Writes `run.pid` for this process; the returned function removes it (call it when the session ends). */
  markRunning(): () => void {
    const file = this.path(PID_FILE);
    const mark: RunPid = { pid: process.pid, host: hostname() };
    writeFileAtomic(file, `${JSON.stringify(mark)}\n`);
    return () => rmSync(file, { force: true });
  }

  readMetrics(): Metrics {
    return JSON.parse(readFileSync(this.path(METRICS_FILE), 'utf8')) as Metrics;
  }
}
