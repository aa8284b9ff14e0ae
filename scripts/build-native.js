// Builds the native CPU backend (native/) with node-gyp at install time. A failed build never fails the install:
// dal then runs on the pure-JS `cpu` backend, and the reason is kept in native/build/BUILD_FAILED for the warning.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync, rmSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const nativeDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'native');
const failedMarker = join(nativeDir, 'build', 'BUILD_FAILED');

if (process.env.DAL_SKIP_NATIVE) {
  console.log('dal: DAL_SKIP_NATIVE is set; not building the native backend');
  process.exit(0);
}
// node-gyp `rebuild` wipes native/build: two builds at once (e.g. two shells in one checkout) break each other.
// A lock directory serialises them; a lock older than 10 minutes is taken to be stale.
const lockDir = join(nativeDir, '.build.lock');
const sleepMs = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
for (let waited = 0; ; waited += 500) {
  try {
    mkdirSync(lockDir);
    break;
  } catch (e) {
    if (e.code !== 'EEXIST') throw e;
    let age = 0;
    try { age = Date.now() - statSync(lockDir).mtimeMs; } catch { continue; }
    if (age > 600_000) { rmSync(lockDir, { recursive: true, force: true }); continue; }
    if (waited === 0) console.log('dal: waiting for another build of the native addon to finish');
    sleepMs(500);
  }
}
process.on('exit', () => rmSync(lockDir, { recursive: true, force: true }));

// npm sets npm_config_node_gyp inside its scripts; run by hand, use the node-gyp that ships with npm.
const npmGyp = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
const gyp = [process.env.npm_config_node_gyp, npmGyp].find((p) => p && existsSync(p));
// Build against this Node's own headers when it has them, so node-gyp never needs to download them.
const prefix = join(dirname(process.execPath), '..');
const nodedir = process.env.npm_config_nodedir || (existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? prefix : '');
const gypArgs = ['rebuild', ...(nodedir ? [`--nodedir=${nodedir}`] : [])];
const result = gyp
  ? spawnSync(process.execPath, [gyp, ...gypArgs], { cwd: nativeDir, stdio: ['ignore', 'inherit', 'pipe'] })
  : { status: 127, error: new Error('node-gyp was not found (it ships with npm)'), stderr: null };
if (result.status === 0) {
  rmSync(failedMarker, { force: true });
} else {
  const stderr = result.stderr ? result.stderr.toString() : '';
  const reason = (result.error ? String(result.error) : stderr.split('\n').filter((l) => /error/i.test(l)).slice(0, 5).join('\n')) || `node-gyp exited with ${result.status}`;
  mkdirSync(join(nativeDir, 'build'), { recursive: true });
  writeFileSync(failedMarker, reason + '\n');
  console.warn(`dal: the native backend did not build; dal will run on the slow 'cpu' backend.\n${reason}\nFix: install a C++ toolchain (g++, make, python3) and run \`npm rebuild dal\` or \`node scripts/build-native.js\`.`);
}
