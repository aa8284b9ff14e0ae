/**
 * Selects the tfjs backend for the bench. Stand-in until src/core/backend/index.ts (`initBackend`) lands: then this
 * delegates to it. Until then: 'cpu', or 'native' assembled from the pieces already in src/core/backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { existsSync } from 'node:fs';
import { DalError } from '../core/errors.ts';
import { registerGradients } from '../core/nn/gradients.ts';

/** Activates backend `name` (with gradients registered) and returns the name of the active backend. */
export async function selectBackend(name: string): Promise<string> {
  await registerGradients();
  const index = new URL('../core/backend/index.ts', import.meta.url);
  if (existsSync(index)) {
    const mod = (await import(index.href)) as { initBackend: (name?: string) => Promise<unknown> };
    await mod.initBackend(name);
    return tf.getBackend();
  }
  if (name === 'native') {
    const { loadAddon, addonLoadError } = await import('../core/backend/addon.ts');
    const { registerNativeBackend, NATIVE_BACKEND } = await import('../core/backend/native.ts');
    const addon = loadAddon();
    if (!addon) throw new DalError(`--backend native: ${addonLoadError()}`);
    registerNativeBackend(addon as unknown as Parameters<typeof registerNativeBackend>[0]);
    name = NATIVE_BACKEND;
  }
  if (!(await tf.setBackend(name))) {
    throw new DalError(`--backend ${name}: no such tfjs backend here (available: cpu, native)`);
  }
  return tf.getBackend();
}
