/**
 * Selects the tfjs backend for a command (`--backend`; default: native when its addon loaded, else cpu) and
 * registers gradients, through the backend module's `initBackend`.
 */
import { BACKEND_NAMES, initBackend, type BackendName } from '../backend/index.ts';

export { BACKEND_NAMES, type BackendName };

/** Activates a backend (default: the best available) and returns its name. */
export async function setupBackend(name?: BackendName): Promise<string> {
  return initBackend(name);
}
