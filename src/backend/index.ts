/**
 * Backend selection for dal. `initBackend()` picks `native` (the C++ addon, see native.ts) when the addon loaded,
 * else the pure-JS `cpu` backend with a one-line warning that says why and how to fix it. `tensorflow` and
 * `tensorflow-gpu` use @tensorflow/tfjs-node(-gpu) when the user installed it (it is never a dependency).
 *
 * Environment:
 * - `DAL_NUM_THREADS=n` — threads of the native backend's pool (default: all cores). Read once, when the first
 *   native kernel runs; set it before starting dal.
 * - `DAL_NATIVE_ADDON=path` — load another build of the addon (see addon.ts).
 * - `DAL_POOL_MB=n` — memory (MB, default 2048) the native backend may keep in disposed outputs for reuse (pool.ts).
 */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { DalError } from '../core/errors.ts';
import { registerGradients } from '../core/nn/gradients.ts';
import { addonLoadError, loadAddon } from './addon.ts';
import { missingAddonFunctions } from './kernels/util.ts';
import { registerNativeBackend } from './native.ts';
import { silenceTfjsNodeGreeting } from './quiet.ts';

silenceTfjsNodeGreeting();

export type BackendName = 'native' | 'cpu' | 'tensorflow' | 'tensorflow-gpu';

export const BACKEND_NAMES: readonly BackendName[] = ['native', 'cpu', 'tensorflow', 'tensorflow-gpu'];

const TFJS_NODE: Record<'tensorflow' | 'tensorflow-gpu', string> = {
  tensorflow: '@tensorflow/tfjs-node',
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
};

const REBUILD_FIX = 'rebuild it with `npm rebuild` or `node scripts/build-native.js` (needs g++, make and python3)';

let nativeState: { ok: true } | { ok: false; reason: string } | undefined;

/** Registers the native backend if the addon is usable; returns why not otherwise. Cached. */
function ensureNative(): { ok: true } | { ok: false; reason: string } {
  if (nativeState) return nativeState;
  checkThreadsEnv();
  const addon = loadAddon();
  if (!addon) {
    nativeState = { ok: false, reason: addonLoadError() ?? 'the native addon is unavailable' };
    return nativeState;
  }
  const missing = missingAddonFunctions(addon);
  if (missing.length > 0) {
    nativeState = { ok: false, reason: `the native addon is out of date (no ${missing.join(', ')}); ${REBUILD_FIX}` };
    return nativeState;
  }
  registerNativeBackend(addon);
  nativeState = { ok: true };
  return nativeState;
}

function checkThreadsEnv(): void {
  const v = process.env.DAL_NUM_THREADS;
  if (v !== undefined && v !== '' && !(Number.isInteger(Number(v)) && Number(v) > 0)) {
    throw new DalError(`DAL_NUM_THREADS=${v} is not a positive integer; set it to the number of threads (e.g. 2)`);
  }
}

function isInstalled(pkg: string): boolean {
  try {
    createRequire(import.meta.url).resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

/** True when the native addon loaded and its backend is registered. */
export function nativeAvailable(): boolean {
  return ensureNative().ok;
}

/** Why the native backend is unavailable (with the fix), or null when it is available. */
export function nativeUnavailableReason(): string | null {
  const s = ensureNative();
  return s.ok ? null : s.reason;
}

/** The backends that can be selected in this installation. */
export function availableBackends(): BackendName[] {
  return BACKEND_NAMES.filter((name) => {
    if (name === 'native') return nativeAvailable();
    if (name === 'cpu') return true;
    return isInstalled(TFJS_NODE[name]);
  });
}

/**
 * Selects the tfjs backend dal computes on (and registers tfjs-core's gradients, so training works).
 * @param name a backend; default `native` when the addon loaded, else `cpu` (with a one-line warning)
 * @returns the name of the active backend
 * @throws DalError when the requested backend cannot be used, saying how to fix it
 */
export async function initBackend(name?: BackendName): Promise<string> {
  if (name !== undefined && !BACKEND_NAMES.includes(name)) {
    throw new DalError(`unknown backend '${name}'; choose one of ${BACKEND_NAMES.join(', ')}`);
  }
  const native = ensureNative();
  let target: string = name ?? (native.ok ? 'native' : 'cpu');
  if (name === undefined && !native.ok) {
    console.warn(`dal: using the slow 'cpu' backend because ${native.reason.replace(/; .*$/, '')}; to fix it, ${REBUILD_FIX}.`);
  }
  if (name === 'native' && !native.ok) {
    throw new DalError(`--backend native is unavailable: ${native.reason}`);
  }
  if (name === 'tensorflow' || name === 'tensorflow-gpu') {
    const pkg = TFJS_NODE[name];
    if (!isInstalled(pkg)) {
      throw new DalError(`--backend ${name} needs ${pkg}, which is not installed; install it with \`npm i ${pkg}\``);
    }
    await import(pkg);
    // tfjs-node registers its backend as 'tensorflow' (the GPU build too).
    target = 'tensorflow';
    if (!tf.findBackendFactory(target)) {
      throw new DalError(`${pkg} loaded but registered no 'tensorflow' backend with this tfjs-core; install the ${pkg} version matching @tensorflow/tfjs-core ${tf.version_core}`);
    }
  }
  await registerGradients();
  if (!(await tf.setBackend(target))) {
    throw new DalError(`the '${target}' backend failed to initialize`);
  }
  return tf.getBackend();
}
