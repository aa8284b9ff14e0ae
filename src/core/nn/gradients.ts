/**
 * Registers tfjs-core's gradient functions, which its Node bundle (`tf-core.node.js`) does not contain: without this,
 * `tf.variableGrads` fails with "gradient function not found for Sum".
 *
 * The gradients ship only as tfjs-core's ESM tree (`dist/register_all_gradients.js`), whose relative imports have no
 * file extension, which Node's ESM resolver refuses. A resolve hook, limited to files inside tfjs-core's `dist/`,
 * appends `.js`. Gradient registrations land in tfjs's global registry, shared with the Node bundle.
 * Under vitest (vite resolves extensionless imports itself) the hook is registered too and is simply not needed, so
 * child processes spawned from tests (which inherit vitest's environment) behave exactly like a user's `dal`.
 */
import { register } from 'node:module';

const hook = `
export async function resolve(specifier, context, next) {
  if (context.parentURL && context.parentURL.includes('/@tensorflow/tfjs-core/dist/') &&
      specifier.startsWith('.') && !specifier.endsWith('.js')) {
    try { return await next(specifier + '.js', context); } catch { /* a directory or a real miss */ }
  }
  return next(specifier, context);
}`;

let done: Promise<void> | null = null;

/** Makes every tfjs-core op differentiable. Idempotent. */
export function registerGradients(): Promise<void> {
  done ??= (async () => {
    register(`data:text/javascript,${encodeURIComponent(hook)}`);
    await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
  })();
  return done;
}
