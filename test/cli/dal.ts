/** Spawns the `dal` CLI (bin/dal.js) for tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const DAL = fileURLToPath(new URL('../../bin/dal.js', import.meta.url));

export interface DalResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts `dal ...args` in the repository root; `done` resolves when it exits. */
export function startDal(args: string[], env: Record<string, string> = {}): { child: ChildProcess; done: Promise<DalResult> } {
  // The child is a plain `dal` process, as a user runs it: none of vitest's environment.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST')));
  const child = spawn(process.execPath, [DAL, ...args], {
    cwd: ROOT,
    env: { ...inherited, DAL_DEBUG: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<DalResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

export function dal(args: string[], env: Record<string, string> = {}): Promise<DalResult> {
  return startDal(args, env).done;
}
