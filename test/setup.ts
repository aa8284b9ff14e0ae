/**
 * vitest setup: select the backend every suite runs on. `DAL_BACKEND=cpu|native|…` picks one; the default is
 * `native` when the addon loaded, else `cpu`. `DAL_REQUIRE_NATIVE=1` (set by .ci/run) fails loudly when the addon
 * did not load, so CI never silently tests the cpu fallback instead of the native kernels.
 */
import { initBackend, nativeUnavailableReason, type BackendName } from '../src/backend/index.ts';

const requested = process.env.DAL_BACKEND as BackendName | undefined;
if (process.env.DAL_REQUIRE_NATIVE === '1') {
  const reason = nativeUnavailableReason();
  if (reason) throw new Error(`DAL_REQUIRE_NATIVE=1 but the native backend is unavailable: ${reason}`);
}
await initBackend(requested || undefined);
