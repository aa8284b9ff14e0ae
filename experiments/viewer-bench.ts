/**
 * `dal view` figures (issue 11, acceptance 4): a directory of 50 runs opens in under 2 s, and a run with 10,000
 * scalar points per tag draws its charts in under 1 s in the browser.
 *
 *   node --import tsx experiments/viewer-bench.ts [--repeats 3] [--points 10000] [--tags 8] [--out experiments/viewer.md] [--screenshot FILE.png]
 *
 * The runs: one real toy run (`dal run configs/toy/ring8-sds.yaml`, 1000 steps, logged every 5), copied 47 times;
 * a run in progress with a test mesh (a torus written with @gltf-transform/core) and a turntable beside the toy run's
 * curves and images; and a finished run with `--tags` tags of `--points` points each. Timings:
 * - server ready: spawning `node bin/dal.js view DIR --port 0` until it prints the URL (Node + tsx start-up, the scan
 *   of the 50 runs, the watcher's initial scan);
 * - page ready: `page.goto(url)` until the run list shows all 50 runs and the selected run's mesh is loaded;
 * - charts: `page.goto(url#run=…)` of the 10,000-point run until every chart holds all its points, and the page's own
 *   `dal:charts` measure (fetch + JSON parse + uPlot draw, up to the next animation frame).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SummaryWriter } from '../src/core/log/tfevents.ts';
import { encodeNpy } from '../src/core/io/npy.ts';
import { launchChromium } from '../test/viewer/chromium.ts';
import { turntable, writeTorusGlb } from '../test/viewer/fixtures.ts';

const args = process.argv.slice(2);
const flag = (name: string, def: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : def;
};
const repeats = Number(flag('--repeats', '3'));
const points = Number(flag('--points', '10000'));
const tagCount = Number(flag('--tags', '8'));
const outFile = flag('--out', 'experiments/viewer.md');
const shotFile = flag('--screenshot', '');

const loadBefore = os.loadavg().map((x) => x.toFixed(1)).join(' ');
const root = fs.mkdtempSync(join(tmpdir(), 'dal-view-bench-'));
const dal = join(process.cwd(), 'bin', 'dal.js');

// --- the runs ---
const toy = join(root, 'ring8-sds-00');
console.log(`writing runs under ${root}`);
execFileSync('node', [dal, 'run', 'configs/toy/ring8-sds.yaml', '--out', toy, '--set', 'trainer.steps=1000', '--set', 'trainer.logEvery=5'], {
  stdio: 'inherit',
});
for (let i = 1; i <= 47; i++) fs.cpSync(toy, join(root, `ring8-sds-${String(i).padStart(2, '0')}`), { recursive: true });

const live = join(root, 'ring8-sds-live');
fs.cpSync(toy, live, { recursive: true });
fs.rmSync(join(live, 'metrics.json'));
fs.writeFileSync(join(live, 'config.yaml'), fs.readFileSync(join(toy, 'config.yaml'), 'utf8').replace('steps: 1000', 'steps: 4000'));
fs.writeFileSync(join(live, 'run.pid'), `${JSON.stringify({ pid: process.pid, host: hostname() })}\n`);
const mesh = await writeTorusGlb(join(live, 'mesh.glb'), 96, 48);
fs.writeFileSync(join(live, 'turntable.npy'), encodeNpy(turntable(16, 32), [16, 32, 32, 3]));

const big = join(root, 'long-10k');
fs.mkdirSync(big);
fs.writeFileSync(join(big, 'config.yaml'), `name: long-10k\nsystem:\n  type: toy-sds\ntrainer:\n  steps: ${points}\n`);
const w = new SummaryWriter(big, { flushSeconds: 3600 });
const tags = Array.from({ length: tagCount }, (_, k) => `loss/term${k}`);
for (let s = 1; s <= points; s++) tags.forEach((t, k) => w.scalar(t, Math.exp(-s / 3000) * (1 + k) + 0.1 * Math.sin(s / 50 + k) * Math.random(), s));
w.close();
fs.writeFileSync(join(big, 'metrics.json'), '{"spread": 0.1}\n');
const bigBytes = fs.readdirSync(big).filter((n) => n.startsWith('events.')).reduce((a, n) => a + fs.statSync(join(big, n)).size, 0);
const nRuns = fs.readdirSync(root).length;

// --- measurements ---
/** CPU time (user + system, ms) a process has used so far, from /proc/PID/stat (clock ticks of 10 ms). */
function processCpuMs(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function startServer(): Promise<{ url: string; ms: number; cpuMs: number; stop(): void }> {
  return startProcess([dal, 'view', root, '--port', '0']);
}

function startProcess(argv: string[]): Promise<{ url: string; ms: number; cpuMs: number; stop(): void }> {
  const t0 = performance.now();
  const child = spawn('node', argv, { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /open (http:\/\/\S+)/.exec(out);
      if (m) resolve({ url: m[1]!, ms: performance.now() - t0, cpuMs: processCpuMs(child.pid!), stop: () => child.kill('SIGINT') });
    });
    child.on('exit', (code) => reject(new Error(`dal view exited with ${code}: ${out}`)));
  });
}

/** Wall and CPU time (user + system, via /usr/bin/time) of a process run to its end. */
function timeProcess(argv: string[]): { ms: number; cpuMs: number } {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', 'cpu %U %S', 'node', ...argv], { encoding: 'utf8' });
  const ms = performance.now() - t0;
  const m = /cpu ([\d.]+) ([\d.]+)/.exec(r.stderr)!;
  return { ms, cpuMs: 1000 * (Number(m[1]) + Number(m[2])) };
}

/** Like startServer, but the viewer alone: `startViewer` in a fresh Node + tsx process, without the dal CLI. */
function startBareServer(): Promise<{ url: string; ms: number; cpuMs: number; stop(): void }> {
  const code = `const { startViewer } = await import(${JSON.stringify(join(process.cwd(), 'src/viewer/server.ts'))});
const v = await startViewer({ root: ${JSON.stringify(root)}, port: 0 });
console.log('open ' + v.url);
process.on('SIGINT', () => v.close().then(() => process.exit(0)));`;
  return startProcess(['--import', 'tsx', '--input-type=module', '-e', code]);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const browser = await launchChromium({ width: 1440, height: 1280 });
const serverMs: number[] = [];
const serverCpuMs: number[] = [];
const pageMs: number[] = [];
const pageCpuMs: number[] = [];
const chartsWallMs: number[] = [];
const chartsCpuMs: number[] = [];
const chartsPageMs: number[] = [];
const helpMs: number[] = [];
const helpCpuMs: number[] = [];
const bareMs: number[] = [];
const bareCpuMs: number[] = [];
const listMs: number[] = [];
const listCpuMs: number[] = [];

/** The renderer's main-thread busy time (CDP Performance.TaskDuration, ms) — what the page cost, load aside. */
async function taskMs(cdp: import('playwright-core').CDPSession): Promise<number> {
  const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
  return 1000 * metrics.find((m) => m.name === 'TaskDuration')!.value;
}
try {
  for (let r = 0; r < repeats; r++) {
    const help = timeProcess([dal, '--help']);
    helpMs.push(help.ms);
    helpCpuMs.push(help.cpuMs);
    const bare = await startBareServer();
    bareMs.push(bare.ms);
    bareCpuMs.push(bare.cpuMs);
    bare.stop();
    const server = await startServer();
    serverMs.push(server.ms);
    serverCpuMs.push(server.cpuMs);
    try {
      const page = await browser.context.newPage();
      const cdp = await browser.context.newCDPSession(page);
      await cdp.send('Performance.enable');
      let c0 = await taskMs(cdp);
      let t = performance.now();
      await page.goto(`${server.url}#run=ring8-sds-live`);
      await page.waitForFunction((n) => document.querySelectorAll('.run-item').length === n && document.getElementById('mesh-vertices')?.dataset.count !== undefined, nRuns, { polling: 10 });
      pageMs.push(performance.now() - t);
      pageCpuMs.push((await taskMs(cdp)) - c0);
      await page.close();

      // The run list with a run without a mesh selected (three.js is then not loaded).
      const p1 = await browser.context.newPage();
      const cdp1 = await browser.context.newCDPSession(p1);
      await cdp1.send('Performance.enable');
      c0 = await taskMs(cdp1);
      t = performance.now();
      await p1.goto(`${server.url}#run=ring8-sds-01`);
      await p1.waitForFunction((n) => document.querySelectorAll('.run-item').length === n && document.querySelectorAll('.chart').length > 0, nRuns, { polling: 10 });
      listMs.push(performance.now() - t);
      listCpuMs.push((await taskMs(cdp1)) - c0);
      await p1.close();

      const p2 = await browser.context.newPage();
      const cdp2 = await browser.context.newCDPSession(p2);
      await cdp2.send('Performance.enable');
      c0 = await taskMs(cdp2);
      t = performance.now();
      await p2.goto(`${server.url}#run=long-10k`);
      await p2.waitForFunction(
        ([n, k]) => [...document.querySelectorAll('.chart')].filter((c) => (c as HTMLElement).dataset.points === String(n)).length === k,
        [points, tagCount] as const,
        { polling: 10 },
      );
      chartsWallMs.push(performance.now() - t);
      chartsCpuMs.push((await taskMs(cdp2)) - c0);
      await p2.waitForFunction(() => performance.getEntriesByName('dal:charts').length > 0);
      chartsPageMs.push(await p2.evaluate(() => performance.getEntriesByName('dal:charts')[0]!.duration));
      await p2.close();
    } finally {
      server.stop();
    }
    console.log(`repeat ${r + 1}: help ${helpMs.at(-1)!.toFixed(0)} ms (cpu ${helpCpuMs.at(-1)!.toFixed(0)}), bare ${bareMs.at(-1)!.toFixed(0)} ms (cpu ${bareCpuMs.at(-1)}), list ${listMs.at(-1)!.toFixed(0)} ms; server ${serverMs.at(-1)!.toFixed(0)} ms (cpu ${serverCpuMs.at(-1)} ms), page ${pageMs.at(-1)!.toFixed(0)} ms, charts ${chartsWallMs.at(-1)!.toFixed(0)} ms (page measure ${chartsPageMs.at(-1)!.toFixed(0)} ms)`);
  }

  // --- a screenshot of the synthetic runs, if asked for (the README's is of a real run: experiments/viewer-screenshot.ts) ---
  const server = shotFile ? await startServer() : undefined;
  if (server) {
    try {
      const page = await browser.context.newPage();
      await page.setViewportSize({ width: 1280, height: 1240 });
      await page.goto(`${server.url}#run=ring8-sds-live`);
      await page.waitForSelector('#mesh-vertices[data-count]');
      await page.waitForSelector('.chart');
      await page.waitForTimeout(500);
      await page.screenshot({ path: shotFile });
      await page.close();
    } finally {
      server.stop();
    }
  }
} finally {
  await browser.close();
}

const fmt = (xs: number[]) => `${median(xs).toFixed(0)} ms (${xs.map((x) => x.toFixed(0)).join(', ')})`;
const report = `# \`dal view\`: how fast it opens and draws

Issue 11, acceptance 4. Measured by \`experiments/viewer-bench.ts\` on this machine (2 cores shared with ~6 other
agents' jobs, so timings are noisy and pessimistic), Chromium ${execFileSync('/usr/bin/chromium', ['--version']).toString().trim().replace(/^Chromium /, '')} headless with SwiftShader
(software WebGL), Node ${process.version}, ${new Date().toISOString()}.

    node --import tsx experiments/viewer-bench.ts --repeats ${repeats} --points ${points} --tags ${tagCount}

Runs: ${nRuns} in one directory — 48 copies of a real toy run (\`dal run configs/toy/ring8-sds.yaml --set
trainer.steps=1000 --set trainer.logEvery=5\`), a run in progress with a ${mesh.vertices.toLocaleString('en')}-vertex
test mesh and a turntable, and a finished run with ${tagCount} tags × ${points.toLocaleString('en')} points
(event files ${(bigBytes / 2 ** 20).toFixed(1)} MiB). Median of ${repeats} (each value in brackets).

| what | target | wall clock | CPU (server process / page main thread) |
| --- | --- | --- | --- |
| \`dal --help\` (the CLI's start-up alone: Node, tsx, every command's imports incl. TensorFlow.js and the native addon) | | ${fmt(helpMs)} | ${fmt(helpCpuMs)} |
| the viewer alone: \`startViewer\` in a fresh Node + tsx process until it listens (scan of the ${nRuns} runs, watcher ready) | | ${fmt(bareMs)} | ${fmt(bareCpuMs)} |
| \`dal view DIR --port 0\` until it prints the URL (the two above together) | | ${fmt(serverMs)} | ${fmt(serverCpuMs)} |
| page load until all ${nRuns} runs are listed, a toy run selected (its curves drawn; no three.js) | | ${fmt(listMs)} | ${fmt(listCpuMs)} |
| page load until all ${nRuns} runs are listed and the selected run's mesh is shown | | ${fmt(pageMs)} | ${fmt(pageCpuMs)} |
| **opening ${nRuns} runs: \`dal view\` + page with the mesh** | < 2 s | **${fmt(serverMs.map((s, i) => s + pageMs[i]!))}** | ${fmt(serverCpuMs.map((s, i) => s + pageCpuMs[i]!))} |
| opening ${nRuns} runs, the viewer's own part: viewer alone + run-list page | | ${fmt(bareMs.map((s, i) => s + listMs[i]!))} | ${fmt(bareCpuMs.map((s, i) => s + listCpuMs[i]!))} |
| **page load until all ${tagCount} charts hold their ${points.toLocaleString('en')} points** | < 1 s | **${fmt(chartsWallMs)}** | ${fmt(chartsCpuMs)} |
| of which fetch + parse + uPlot draw (the page's \`dal:charts\` measure) | | ${fmt(chartsPageMs)} | |

Load average during the run: ${loadBefore} before, ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} after (1/5/15 min).

Reading the figures. The wall clock is what a user on this machine waits, at a load average of ${loadBefore.split(' ')[0]}–${os.loadavg()[0]!.toFixed(0)} on 2 cores
(on a loaded machine every process gets a fraction of a core, and the CPU column — user + system time of the server
process from /proc/PID/stat; the page's main-thread task time from the DevTools protocol — is the better guide). \`dal
--help\` imports every command, and with them TensorFlow.js and the native addon (${median(helpCpuMs).toFixed(0)} ms of CPU);
\`dal view\` imports only its own command (src/cli/main.ts loads commands on demand), so it costs about what the
viewer started alone costs (${median(bareCpuMs).toFixed(0)} ms of CPU, Node + tsx ≈ 300 ms of it).

No downsampling: uPlot draws the ${(tagCount * points).toLocaleString('en')} points directly; the server reads event files
incrementally (only bytes appended since the last read) and caches the merged series.

The run \`ring8-sds-live\` is a copy of the toy run made to look in progress (its \`metrics.json\` removed, a live
\`run.pid\`, \`trainer.steps\` raised to 4000), with a test torus (\`mesh.glb\`, written with @gltf-transform/core) and an
analytic turntable (\`turntable.npy\`) added.${shotFile ? ` Screenshot of it: \`${shotFile}\`.` : ''}

The README's screenshot (\`experiments/viewer.png\`) is of a real DreamFusion run instead, taken with
\`experiments/viewer-screenshot.ts\` (see there).
`;
// Hand-written sections after the marker (e.g. the live-follow figures of experiments/viewer-live.ts) are kept.
const MARKER = '<!-- end of viewer-bench.ts output -->';
const previous = fs.existsSync(outFile) ? fs.readFileSync(outFile, 'utf8') : '';
const kept = previous.includes(MARKER) ? previous.slice(previous.indexOf(MARKER) + MARKER.length) : '\n';
fs.writeFileSync(outFile, `${report}\n${MARKER}${kept}`);
console.log(report);
fs.rmSync(root, { recursive: true, force: true });
