/** `dal --help`, `dal <command> --help`, `dal sample`, usage errors and Ctrl-C, through the real CLI. */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNpy } from '../../src/core/io/npy.ts';
import { dal, ROOT, startDal, waitFor } from './dal.ts';

const dir = mkdtempSync(join(tmpdir(), 'dal-cli-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('dal CLI', () => {
  it('--help lists the working commands; each command has --help with examples', async () => {
    const [top, run, sample, unknown] = await Promise.all([
      dal(['--help']),
      dal(['run', '--help']),
      dal(['sample', '--help']),
      dal(['frobnicate']),
    ]);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/dal run <config>/);
    expect(top.stdout).toMatch(/dal sample <model>/);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/--resume/);
    expect(run.stdout).toMatch(/Examples:[\s\S]*dal run configs\/toy\/ring8-sds\.yaml/);
    expect(run.stdout).toMatch(/toy-sds: /);
    expect(sample.code).toBe(0);
    expect(sample.stdout).toMatch(/Examples:[\s\S]*dal sample ring8 --n 4096/);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^dal: /);
    expect(unknown.stderr).not.toMatch(/^\s+at /m);
  });

  it('dal sample ring8 writes [N,2] float32 samples and int32 labels when conditional', async () => {
    const out = join(dir, 'x.npy');
    const bad = join(dir, 'bad.npy');
    const [r, wrongLabel] = await Promise.all([
      dal(['sample', 'ring8', '--n', '256', '--label', '3', '--guidance', '1', '--steps', '20', '--out', out]),
      dal(['sample', 'ring8', '--n', '8', '--label', '8', '--out', bad]),
    ]);
    expect(r.code, r.stderr).toBe(0);
    const x = readNpy(out);
    expect(x.shape).toEqual([256, 2]);
    expect(x.dtype).toBe('<f4');
    // Every sample of component 3 (angle 3π/4 on the circle of radius 2) lies near its centre.
    const [cx, cy] = [2 * Math.cos((3 * Math.PI) / 4), 2 * Math.sin((3 * Math.PI) / 4)];
    for (let i = 0; i < 256; i++) expect(Math.hypot(x.data[2 * i] - cx, x.data[2 * i + 1] - cy)).toBeLessThan(0.6);
    const labels = readNpy(join(dir, 'x.labels.npy'));
    expect(labels.dtype).toBe('<i4');
    expect(Array.from(labels.data)).toEqual(new Array(256).fill(3));
    expect(wrongLabel.code).toBe(2);
    expect(wrongLabel.stderr).toMatch(/--label: expected an integer in 0\.\.7 for ring8; given 8/);
    expect(existsSync(bad)).toBe(false);
  });

  it('Ctrl-C saves a checkpoint, flushes the logs, exits 130 with a resume hint', async () => {
    const out = join(dir, 'interrupted');
    const p = startDal(['run', join(ROOT, 'configs/toy/ring8-sds.yaml'), '--out', out, '--set', 'trainer.steps=100000']);
    // Wait until training has started (the trainer opens the event file), then let it run a little.
    const started = () => existsSync(out) && readdirSync(out).some((f) => f.startsWith('events.out.tfevents'));
    await waitFor(started, 'the run to open its event file', { timeoutMs: 60_000, everyMs: 100, child: p });
    await sleep(3000);
    p.child.kill('SIGINT');
    const r = await p.done;
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/interrupted at step \d+\/100000; checkpoint saved\. Resume with: dal run .*interrupted --resume/);
    const manifest = JSON.parse(readFileSync(join(out, 'checkpoints', 'manifest.json'), 'utf8')) as { step: number };
    expect(manifest.step).toBeGreaterThan(0);
    expect(existsSync(join(out, 'metrics.json'))).toBe(false);
  });
});
