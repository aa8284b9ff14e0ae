/** Spawns the `dal` CLI (bin/dal.js) for tests, every wait bounded. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const DAL = fileURLToPath(new URL('../../bin/dal.js', import.meta.url));

/** Default bound on one `dal` process (below vitest's 120 s test timeout, so the test fails with this message). */
export const DAL_TIMEOUT_MS = 100_000;

export interface DalResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Starts `dal ...args` in the repository root; `done` resolves when it exits. A process still running after
 * `timeoutMs` is killed and `done` rejects, naming the command and its output so far.
 */
export function startDal(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = DAL_TIMEOUT_MS,
): { child: ChildProcess; done: Promise<DalResult> } {
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
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`dal ${args.join(' ')} still running after ${timeoutMs / 1000} s; killed. stderr:\n${stderr.slice(-2000)}`));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, done };
}

export function dal(args: string[], env: Record<string, string> = {}, timeoutMs = DAL_TIMEOUT_MS): Promise<DalResult> {
  return startDal(args, env, timeoutMs).done;
}

/**
 * Polls `condition` every `everyMs` until it holds; throws naming `what` after `timeoutMs`, or as soon as `child`
 * (the process being watched, if any) has exited.
 */
export async function waitFor(
  condition: () => boolean,
  what: string,
  { timeoutMs = 60_000, everyMs = 50, child }: { timeoutMs?: number; everyMs?: number; child?: { child: ChildProcess; done: Promise<DalResult> } } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (child && child.child.exitCode !== null) {
      throw new Error(`waiting for ${what}: the process ended first:\n${(await child.done).stderr.slice(-2000)}`);
    }
    if (Date.now() > deadline) {
      child?.child.kill('SIGKILL');
      throw new Error(`waiting for ${what}: not after ${timeoutMs / 1000} s`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
