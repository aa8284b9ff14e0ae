import * as fs from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { SummaryWriter } from '../../src/core/log/tfevents.ts';
import { PID_FILE, RunDir } from '../../src/core/train/run.ts';
import { findRuns, RECENT_MS, Run } from '../../src/viewer/runs.ts';
import { writeRun } from './fixtures.ts';

const base = fs.mkdtempSync(join(tmpdir(), 'dal-view-runs-'));
afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

/** A pid that is certainly not running: above the kernel's pid_max. */
const DEAD_PID = 2 ** 22 + 1;

describe('run discovery and status', () => {
  it('finds run directories (holding config.yaml) at the root and below it, not inside runs', async () => {
    const root = join(base, 'find');
    await writeRun(join(root, 'a'));
    await writeRun(join(root, 'sweep', 'lr-0.01'));
    await writeRun(join(root, 'a', 'nested-inside-a')); // inside a run: not a separate run
    fs.mkdirSync(join(root, '.hidden', 'x'), { recursive: true });
    fs.writeFileSync(join(root, '.hidden', 'x', 'config.yaml'), 'name: x\n');
    expect(findRuns(root)).toEqual(['a', 'sweep/lr-0.01']);
    expect(findRuns(join(root, 'a'))).toEqual(['.']);
  });

  it('finished: metrics.json present, step = trainer.steps, metrics read', async () => {
    const dir = join(base, 'finished');
    await writeRun(dir, { points: 10, steps: 200 });
    const s = new Run(base, 'finished', dir).summary();
    expect(s).toMatchObject({ status: 'finished', step: 200, steps: 200, eta: null, system: 'dreamfusion', metrics: { clipScore: 0.271, psnr: 24.3 } });
  });

  it('running: run.pid names a live process on this host; step from the event files; ETA from the logged rate', async () => {
    const dir = join(base, 'running');
    await writeRun(dir, { tags: [], steps: 400, finished: false });
    fs.writeFileSync(join(dir, PID_FILE), JSON.stringify({ pid: process.pid, host: hostname() }));
    // Steps 100 and 200 logged 10 s apart: 10 steps/s, so the 200 steps left take 20 s.
    const now = vi.spyOn(Date, 'now');
    try {
      now.mockReturnValue(1_000_000);
      const w = new SummaryWriter(dir, { flushSeconds: 3600 });
      w.scalar('loss', 1, 100);
      now.mockReturnValue(1_010_000);
      w.scalar('loss', 0.5, 200);
      w.close();
    } finally {
      now.mockRestore();
    }
    const s = new Run(base, 'running', dir).summary();
    expect(s).toMatchObject({ status: 'running', step: 200, steps: 400 });
    expect(s.eta).toBeCloseTo(20, 9);
  });

  it('failed: run.pid of a dead process (killed), or no run.pid and nothing written for a minute', async () => {
    const killed = join(base, 'killed');
    await writeRun(killed, { finished: false });
    fs.writeFileSync(join(killed, PID_FILE), JSON.stringify({ pid: DEAD_PID, host: hostname() }));
    expect(new Run(base, 'killed', killed).summary().status).toBe('failed');

    const stopped = join(base, 'stopped');
    await writeRun(stopped, { finished: false });
    const run = new Run(base, 'stopped', stopped);
    const now = Date.now();
    expect(run.summary(now).status).toBe('running'); // just written: a writer without the marker may be alive
    expect(run.summary(now + RECENT_MS + 1000).status).toBe('failed');
  });

  it('RunDir.markRunning writes run.pid for this process and removes it', () => {
    const run = new RunDir(join(base, 'marked'));
    fs.mkdirSync(run.root, { recursive: true });
    const unmark = run.markRunning();
    expect(JSON.parse(fs.readFileSync(run.path(PID_FILE), 'utf8'))).toEqual({ pid: process.pid, host: hostname() });
    unmark();
    expect(fs.existsSync(run.path(PID_FILE))).toBe(false);
  });

  it('lists the files the page shows: mesh, turntable, images, outputs', async () => {
    const dir = join(base, 'files');
    await writeRun(dir, { mesh: [8, 6], turntable: true });
    fs.writeFileSync(join(dir, 'density.npy'), '');
    const f = new Run(base, 'files', dir).files();
    expect(f.mesh).toMatchObject({ path: 'files/mesh.glb', format: 'glb' });
    expect(f.turntable?.path).toBe('files/turntable.npy');
    expect(f.images.map((i) => i.path)).toEqual(['files/images/turntable.png']);
    expect(f.outputs.map((o) => o.path)).toEqual(['files/density.npy', 'files/mesh.glb', 'files/turntable.npy']);
  });
});
