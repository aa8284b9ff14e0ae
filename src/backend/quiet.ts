/**
 * The one place dal silences tfjs's Node greeting. tfjs's cpu backend (and so dal's `native` backend, a subclass)
 * prints "Hi, looks like you are running TensorFlow.js in Node.js … install our node backend" on its first tensor
 * write: once per backend instance, so dozens of times in a test run, and wrongly for dal, which picks its backend
 * itself and says how to fix a missing native addon (`initBackend`).
 *
 * MathBackendCPU keeps the "greeting pending" state in an instance field, `firstUse`, set to true by its constructor
 * and checked in `write`. An accessor on the prototype that always reads false (and ignores the constructor's
 * assignment) covers every instance, whoever creates it — `tf.setBackend('cpu')` in a test included. Only the
 * greeting is affected: other tfjs warnings still print. `test/backend/quiet.test.ts` checks that a fresh cpu
 * backend stays silent, so a tfjs upgrade that changes the mechanism fails there instead of printing again.
 */
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

let installed = false;

/** Makes every MathBackendCPU (and subclass) instance skip the greeting. Idempotent; run on import of src/backend. */
export function silenceTfjsNodeGreeting(): void {
  if (installed) return;
  Object.defineProperty(MathBackendCPU.prototype, 'firstUse', {
    configurable: true,
    get: () => false,
    set: () => {},
  });
  installed = true;
}
