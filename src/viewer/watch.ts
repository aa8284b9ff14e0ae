/**
 * Watches the viewer's root (chokidar: inotify on Linux, FSEvents on macOS) and reports, per run and debounced, what
 * kind of file changed. Files written atomically (temp + rename) show up as an add/change of the final name when the
 * rename lands; the temporary dot files themselves, checkpoints and TensorBoard's own caches are ignored.
 */
import { basename, relative, sep } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';

/** What changed in a run: the page refetches only what it needs. */
export type ChangeKind = 'mesh' | 'turntable' | 'images' | 'scalars' | 'status' | 'outputs';

export interface WatchHandlers {
  /** Files of run `id` changed (ids as given by `runOf`). */
  onRunChange(id: string, kinds: Set<ChangeKind>): void;
  /** A run directory may have appeared or disappeared. */
  onTreeChange(): void;
}

const DEBOUNCE_MS = 100;

/** Which kind of change a file (path relative to its run directory, `/`-separated) stands for, if any. */
export function classify(relInRun: string): ChangeKind | undefined {
  const name = relInRun.split('/').pop() ?? '';
  if (relInRun.startsWith('images/')) return 'images';
  if (relInRun.includes('/')) return undefined;
  if (name === 'mesh.glb' || name === 'mesh.ply') return 'mesh';
  if (name === 'turntable.npy') return 'turntable';
  if (name.startsWith('events.out.tfevents.')) return 'scalars';
  if (name === 'metrics.json' || name === 'run.pid' || name === 'config.yaml') return 'status';
  if (name.endsWith('.npy')) return 'outputs';
  return undefined;
}

export class RunWatcher {
  private readonly watcher: FSWatcher;
  private readonly pending = new Map<string, Set<ChangeKind>>();
  private timer: NodeJS.Timeout | undefined;
  private treeChanged = false;

  /**
   * @param root the viewer's root
   * @param runOf the run id a root-relative path (`/`-separated) belongs to, or undefined
   */
  constructor(
    private readonly root: string,
    private readonly runOf: (rel: string) => { id: string; relInRun: string } | undefined,
    private readonly handlers: WatchHandlers,
  ) {
    this.watcher = watch(root, {
      ignoreInitial: true,
      depth: 5,
      ignored: (p: string) => {
        const rel = relative(root, p);
        if (rel === '') return false;
        const parts = rel.split(sep);
        return parts.some((s) => s.startsWith('.') || s === 'checkpoints' || s === 'node_modules');
      },
    });
    this.watcher.on('all', (event, path) => this.onEvent(event, path));
    this.watcher.on('error', () => {
      /* a directory vanished mid-scan: the next event rescans */
    });
  }

  /** Resolves once the initial scan is done (events before it would be missed). */
  ready(): Promise<void> {
    return new Promise((resolve) => this.watcher.once('ready', () => resolve()));
  }

  close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    return this.watcher.close();
  }

  private onEvent(event: string, path: string): void {
    const rel = relative(this.root, path).split(sep).join('/');
    if (event === 'addDir' || event === 'unlinkDir' || basename(path) === 'config.yaml') this.treeChanged = true;
    const owner = this.runOf(rel);
    if (owner) {
      const kind = classify(owner.relInRun);
      if (kind) {
        let kinds = this.pending.get(owner.id);
        if (!kinds) this.pending.set(owner.id, (kinds = new Set()));
        kinds.add(kind);
      }
    }
    this.timer ??= setTimeout(() => this.flush(), DEBOUNCE_MS);
  }

  private flush(): void {
    this.timer = undefined;
    if (this.treeChanged) {
      this.treeChanged = false;
      this.handlers.onTreeChange();
    }
    const pending = [...this.pending];
    this.pending.clear();
    for (const [id, kinds] of pending) this.handlers.onRunChange(id, kinds);
  }
}
