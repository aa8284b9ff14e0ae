/** Runs once per `vitest run`: says loudly, once, when the native suites will be skipped (see native-suite.ts). */
import { nativeUnavailableReason } from '../src/backend/index.ts';

export default function setup(): void {
  const reason = nativeUnavailableReason();
  if (reason === null) return;
  const rule = '!'.repeat(100);
  process.stderr.write(
    `\n${rule}\n!! The native backend is unavailable, so every native-kernel suite is SKIPPED and the other suites run on\n` +
      `!! the pure-JS cpu backend. Reason: ${reason}\n!! (CI sets DAL_REQUIRE_NATIVE=1 to fail instead.)\n${rule}\n\n`,
  );
}
