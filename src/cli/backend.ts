/**
 * Selects the tfjs backend for a command and registers gradients. `--backend` maps onto the backend module's
 * `initBackend` once it exists; until then only `cpu` is available.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { DalError } from '../core/errors.ts';
import { registerGradients } from '../core/nn/gradients.ts';

export const BACKEND_NAMES = ['native', 'cpu', 'tensorflow', 'tensorflow-gpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** Activates a backend (default: the best available) and returns its name. */
export async function setupBackend(name?: BackendName): Promise<string> {
  if (name !== undefined && name !== 'cpu') {
    throw new DalError(`--backend ${name}: not available in this build; use --backend cpu`);
  }
  await tf.setBackend('cpu');
  await tf.ready();
  // The cpu backend greets Node users with a banner recommending tfjs-node on first use; dal chooses backends itself.
  (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
  await registerGradients();
  return tf.getBackend();
}
