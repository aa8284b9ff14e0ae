/**
 * A screenshot of `dal view` on a run directory (the README's picture): starts the viewer, opens the run in Chromium,
 * waits for its mesh and curves, and saves the page.
 *
 *   node --import tsx experiments/viewer-screenshot.ts ROOT [--run ID] [--out experiments/viewer.png] [--width 1280] [--height 1240]
 */
import { launchChromium } from '../test/viewer/chromium.ts';
import { startViewer } from '../src/viewer/server.ts';

const args = process.argv.slice(2);
const flag = (name: string, def: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : def;
};
const root = args[0];
if (!root || root.startsWith('--')) throw new Error('usage: viewer-screenshot.ts ROOT [--run ID] [--out FILE]');
const out = flag('--out', 'experiments/viewer.png');
const viewport = { width: Number(flag('--width', '1280')), height: Number(flag('--height', '1240')) };

const viewer = await startViewer({ root, port: 0 });
const browser = await launchChromium(viewport);
try {
  const page = await browser.context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  const run = flag('--run', '');
  await page.goto(`${viewer.url}${run ? `#run=${encodeURIComponent(run)}` : ''}`);
  await page.waitForSelector('.run-item');
  await page.waitForSelector('.chart', { timeout: 60_000 });
  if (await page.locator('#mesh-panel').isVisible()) await page.waitForSelector('#mesh-vertices[data-count]', { timeout: 60_000 });
  await page.waitForTimeout(800); // the turntable's animation and the images settle
  await page.screenshot({ path: out });
  console.log(`wrote ${out}${errors.length ? `; console errors: ${errors.join(' | ')}` : ''}`);
} finally {
  await browser.close();
  await viewer.close();
}
