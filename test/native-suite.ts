/**
 * Suites that need the native addon. When it did not load, each is skipped under a name that says why, and
 * test/global-setup.ts prints one loud notice for the whole run — a broken build is never hidden by quiet skips
 * (CI sets DAL_REQUIRE_NATIVE=1, which fails instead).
 */
import { describe } from 'vitest';
import { nativeUnavailableReason } from '../src/backend/index.ts';

/** `describe(name, fn)` when the native backend is available, else a skipped suite naming the reason. */
export function describeNative(name: string, fn: () => void): void {
  const reason = nativeUnavailableReason();
  if (reason === null) describe(name, fn);
  else describe.skip(`${name} — SKIPPED: the native backend is unavailable (${reason})`, fn);
}
