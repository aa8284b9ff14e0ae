/**
 * Live follow on a real run: while a DreamFusion run re-exports its mesh (`system.export.every`), how long after each
 * new `mesh.glb` lands (rename into place) does the open page show it?
 *
 *   node --import tsx experiments/viewer-live.ts RUN_ROOT RUN_DIR [--exports 2]
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { launchChromium } from '../test/viewer/chromium.ts';
import { startViewer } from '../src/viewer/server.ts';

const [root, runDir] = process.argv.slice(2);
if (!root || !runDir) throw new Error('usage: viewer-live.ts RUN_ROOT RUN_DIR [--exports N]');
const i = process.argv.indexOf('--exports');
const exports = i > 0 ? Number(process.argv[i + 1]) : 2;
const mesh = join(runDir, 'mesh.glb');

const viewer = await startViewer({ root, port: 0 });
const browser = await launchChromium();
try {
  const page = await browser.context.newPage();
  await page.goto(viewer.url);
  await page.waitForSelector('#mesh-vertices[data-count]', { timeout: 120_000 });
  for (let k = 0; k < exports; k++) {
    const before = fs.statSync(mesh).mtimeMs;
    const v0 = await page.getAttribute('#mesh-vertices', 'data-count');
    const f0 = await page.textContent('#mesh-file');
    while (fs.statSync(mesh).mtimeMs === before) await new Promise((r) => setTimeout(r, 20));
    const mtime = fs.statSync(mesh).mtimeMs;
    // The new file shows as a new vertex count or a new time stamp in the mesh's caption.
    await page.waitForFunction(([v, f]) => document.getElementById('mesh-vertices')?.dataset.count !== v || document.getElementById('mesh-file')?.textContent !== f, [v0, f0] as const, {
      timeout: 60_000,
      polling: 20,
    });
    const v1 = await page.getAttribute('#mesh-vertices', 'data-count');
    console.log(`export ${k + 1}: on the page ${(Date.now() - mtime).toFixed(0)} ms after the file's mtime (vertices ${v0} → ${v1}; page shows step ${await page.textContent('#run-step')})`);
  }
} finally {
  await browser.close();
  await viewer.close();
}
