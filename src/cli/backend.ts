/**
 * Selects the tfjs backend for a command (`--backend`; default: native when its addon loaded, else cpu) and
 * registers gradients, through the backend module's `initBackend`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BACKEND_NAMES, initBackend, type BackendName } from '../backend/index.ts';

export { BACKEND_NAMES, type BackendName };

/** Activates a backend (default: the best available) and returns its name. */
export async function setupBackend(name?: BackendName): Promise<string> {
  const active = await initBackend(name);
  // tfjs's cpu kernels greet Node users with a banner recommending tfjs-node on first use; dal chooses backends itself.
  const backend = tf.backend() as unknown as { firstUse?: boolean };
  if ('firstUse' in backend) backend.firstUse = false;
  return active;
}
