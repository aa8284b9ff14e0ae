/**
 * Run directories as `dal run` writes them (README, "What a run writes"), summarized for the viewer: the system and
 * step, the status decided from the files, the headline metrics, and the files the page shows (mesh, turntable,
 * images, outputs).
 *
 * Status: `metrics.json` ⇒ finished. Otherwise `run.pid` names the training process: alive on this host ⇒ running;
 * dead ⇒ failed (killed). Without `run.pid` (the session ended: an error, Ctrl-C, or a run written before the marker
 * existed) the run is failed, unless a file changed in the last `RECENT_MS` (a writer without the marker).
 */
import * as fs from 'node:fs';
import { hostname } from 'node:os';
import { join, relative, sep } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CONFIG_FILE, METRICS_FILE, PID_FILE, type RunPid } from '../core/train/run.ts';
import { RunScalars } from './scalars.ts';

export type RunStatus = 'running' | 'finished' | 'failed';

/** A file the page can fetch: its path relative to the viewer's root (URL-ready, `/`-separated) and its mtime. */
export interface FileRef {
  path: string;
  mtime: number;
  size: number;
}

export interface RunFiles {
  mesh?: FileRef & { format: 'glb' | 'ply' };
  turntable?: FileRef;
  images: FileRef[];
  outputs: FileRef[];
}

export interface RunSummary {
  /** Path relative to the viewer's root, `/`-separated; `.` when the root is itself the run. */
  id: string;
  name: string;
  system: string;
  status: RunStatus;
  /** Steps done (from the event files; all of them once finished). */
  step: number;
  /** `trainer.steps` of the config, or null if it has none. */
  steps: number | null;
  /** Seconds left at the logged rate, for a running run. */
  eta: number | null;
  metrics: Record<string, number>;
  /** Latest mtime (ms) of the run's files. */
  updated: number;
  error?: string;
}

/** A file written in the last 60 s counts as a sign of life for a run without `run.pid`. */
export const RECENT_MS = 60_000;
const MAX_DEPTH = 3;
const IMAGE_EXT = /\.(png|jpe?g)$/i;

/** Finds run directories (holding `config.yaml`) at `root` or up to three levels below; ids sorted. */
export function findRuns(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (fs.existsSync(join(dir, CONFIG_FILE))) {
      out.push(toId(root, dir));
      return;
    }
    if (depth >= MAX_DEPTH) return;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules') walk(join(dir, e.name), depth + 1);
    }
  };
  walk(root, 0);
  return out.sort();
}

function toId(root: string, dir: string): string {
  const rel = relative(root, dir);
  return rel === '' ? '.' : rel.split(sep).join('/');
}

/** One run directory, with its scalars cached between refreshes. */
export class Run {
  readonly scalars: RunScalars;
  private config: { mtime: number; name: string; system: string; steps: number | null } | undefined;

  constructor(
    readonly root: string,
    readonly id: string,
    readonly dir: string,
  ) {
    this.scalars = new RunScalars(dir);
  }

  /** The run's summary for the run list; reads the event files only if the run has not finished. */
  summary(now = Date.now()): RunSummary {
    const cfg = this.readConfig();
    const metrics = readMetrics(join(this.dir, METRICS_FILE));
    const updated = this.latestMtime();
    const status: RunStatus = metrics ? 'finished' : this.liveness(updated, now);
    let step = 0;
    let eta: number | null = null;
    let error: string | undefined;
    if (metrics && cfg.steps !== null) {
      step = cfg.steps;
    } else {
      this.scalars.refresh();
      const s = this.scalars.json();
      step = s.lastStep;
      error = s.error;
      if (status === 'running' && cfg.steps !== null && s.stepsPerSecond) {
        eta = Math.max(0, (cfg.steps - step) / s.stepsPerSecond);
      }
    }
    return {
      id: this.id,
      name: cfg.name,
      system: cfg.system,
      status,
      step,
      steps: cfg.steps,
      eta,
      metrics: metrics ?? {},
      updated,
      ...(error ? { error } : {}),
    };
  }

  /** The files the page shows. */
  files(): RunFiles {
    const ref = (abs: string): FileRef | undefined => {
      try {
        const st = fs.statSync(abs);
        return st.isFile() ? { path: toId(this.root, abs), mtime: st.mtimeMs, size: st.size } : undefined;
      } catch {
        return undefined;
      }
    };
    const glb = ref(join(this.dir, 'mesh.glb'));
    const turntable = ref(join(this.dir, 'turntable.npy'));
    const ply = glb ? undefined : ref(join(this.dir, 'mesh.ply'));
    const list = (dir: string, keep: (n: string) => boolean) =>
      readNames(dir)
        .filter((n) => !n.startsWith('.') && keep(n))
        .sort()
        .map((n) => ref(join(dir, n)))
        .filter((f): f is FileRef => f !== undefined);
    return {
      ...(glb ? { mesh: { ...glb, format: 'glb' as const } } : ply ? { mesh: { ...ply, format: 'ply' as const } } : {}),
      ...(turntable ? { turntable } : {}),
      images: list(join(this.dir, 'images'), (n) => IMAGE_EXT.test(n)),
      outputs: list(this.dir, (n) => n.endsWith('.npy') || n === 'mesh.ply' || n === 'mesh.glb'),
    };
  }

  private readConfig(): { name: string; system: string; steps: number | null } {
    const file = join(this.dir, CONFIG_FILE);
    let mtime = 0;
    try {
      mtime = fs.statSync(file).mtimeMs;
    } catch {
      /* removed: keep the last reading */
    }
    if (this.config && this.config.mtime === mtime) return this.config;
    let doc: any = {};
    try {
      doc = parseYaml(fs.readFileSync(file, 'utf8')) ?? {};
    } catch {
      doc = {};
    }
    const steps = doc?.trainer?.steps;
    this.config = {
      mtime,
      name: typeof doc?.name === 'string' ? doc.name : this.id,
      system: typeof doc?.system?.type === 'string' ? doc.system.type : '?',
      steps: typeof steps === 'number' && Number.isFinite(steps) ? steps : null,
    };
    return this.config;
  }

  private liveness(updated: number, now: number): RunStatus {
    let mark: RunPid | undefined;
    try {
      mark = JSON.parse(fs.readFileSync(join(this.dir, PID_FILE), 'utf8')) as RunPid;
    } catch {
      mark = undefined;
    }
    if (mark && typeof mark.pid === 'number') {
      if (mark.host !== hostname()) return now - updated < RECENT_MS ? 'running' : 'failed';
      return processAlive(mark.pid) ? 'running' : 'failed';
    }
    return now - updated < RECENT_MS ? 'running' : 'failed';
  }

  /** Latest mtime of the files at the top of the run directory and in images/. */
  private latestMtime(): number {
    let latest = 0;
    for (const dir of [this.dir, join(this.dir, 'images')]) {
      for (const n of readNames(dir)) {
        try {
          const m = fs.statSync(join(dir, n)).mtimeMs;
          if (m > latest) latest = m;
        } catch {
          /* gone meanwhile */
        }
      }
    }
    return latest;
  }
}

function readNames(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

function readMetrics(file: string): Record<string, number> | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const obj = JSON.parse(text) as Record<string, unknown>;
    return Object.fromEntries(Object.entries(obj).filter(([, v]) => typeof v === 'number')) as Record<string, number>;
  } catch {
    return {}; // present but unreadable: still finished (metrics.json is written atomically, so this is rare)
  }
}

/** Whether a process with this pid exists (EPERM: it exists, owned by someone else). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
