/**
 * Acceptance 6 and 7 of issue 2: a toy run killed with SIGKILL halfway and resumed with --resume ends with the same
 * metrics.json as an uninterrupted run; every event file of the runs decodes (valid CRCs) and holds scalars, a PNG
 * image, a histogram and the config text.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodePng } from '../../src/core/io/png.ts';
import { readEventFile } from '../../src/core/log/reader.ts';
import { dal, ROOT, startDal, waitFor } from './dal.ts';

const dir = mkdtempSync(join(tmpdir(), 'dal-cli-resume-'));
const STEPS = 400;
// A smaller ring8-sds: 64 particles, checkpoints every 40 steps.
const args = (out: string) => [
  'run',
  join(ROOT, 'configs/toy/ring8-sds.yaml'),
  '--out',
  out,
  '--set',
  'system.particles=64',
  '--set',
  `trainer={steps: ${STEPS}, logEvery: 10, imageEvery: 100, checkpointEvery: 40}`,
];

function checkpointStep(run: string): number {
  const m = join(run, 'checkpoints', 'manifest.json');
  if (!existsSync(m)) return 0;
  try {
    return (JSON.parse(readFileSync(m, 'utf8')) as { step: number }).step;
  } catch {
    return 0;
  }
}

describe('kill and resume', () => {
  it('SIGKILL halfway + --resume ends with the metrics.json of an uninterrupted run', async () => {
    const full = join(dir, 'full');
    const killed = join(dir, 'killed');
    const uninterrupted = dal(args(full));
    const victim = startDal(args(killed));
    // Kill as soon as a checkpoint at or past the middle exists (the run is then somewhere after it).
    await waitFor(() => checkpointStep(killed) >= STEPS / 2, `a checkpoint at step ≥ ${STEPS / 2}`, { timeoutMs: 80_000, child: victim });
    victim.child.kill('SIGKILL');
    const v = await victim.done;
    expect(v.signal).toBe('SIGKILL');
    expect(existsSync(join(killed, 'metrics.json'))).toBe(false);
    const stepAtKill = checkpointStep(killed);
    expect(stepAtKill).toBeGreaterThanOrEqual(STEPS / 2);
    expect(stepAtKill).toBeLessThan(STEPS);

    const resumed = await dal(['run', killed, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(new RegExp(`resuming .* at step ${stepAtKill}/${STEPS}`));
    const u = await uninterrupted;
    expect(u.code, u.stderr).toBe(0);
    expect(u.stdout).toMatch(/tensorboard --logdir/);

    const a = readFileSync(join(full, 'metrics.json'), 'utf8');
    const b = readFileSync(join(killed, 'metrics.json'), 'utf8');
    expect(b).toBe(a);
    expect(JSON.parse(a).targetWithin).toBeGreaterThan(0.9);
    // The final particles too, byte for byte.
    expect(readFileSync(join(killed, 'samples.npy')).equals(readFileSync(join(full, 'samples.npy')))).toBe(true);

    // Every event file: valid records (the reader checks both CRCs of each), scalars, a PNG, a histogram, the config.
    const files = [full, killed].flatMap((r) => readdirSync(r).filter((f) => f.startsWith('events.out.tfevents')).map((f) => join(r, f)));
    expect(files.length).toBe(3);
    for (const f of files) {
      const events = readEventFile(f);
      expect(events.some((e) => e.scalars.some((s) => s.tag === 'loss/sds' && Number.isFinite(s.value))), f).toBe(true);
      const images = events.flatMap((e) => e.images);
      expect(images.length, f).toBeGreaterThan(0);
      const png = decodePng(images[0].png);
      expect([png.width, png.height]).toEqual([images[0].width, images[0].height]);
      expect(events.some((e) => e.histograms.some((h) => h.tag === 'distance_to_mode' && h.num === 64)), f).toBe(true);
      expect(events.some((e) => e.texts.some((t) => t.tag === 'config' && t.text.includes('type: toy-sds'))), f).toBe(true);
    }
    // A finished run is not run again.
    const again = await dal(['run', killed, '--resume']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already finished/);
  });

  it('a corrupt latest checkpoint: --resume warns naming the bad file, falls back to the previous one, same metrics', async () => {
    const full = join(dir, 'full');
    const uninterrupted = existsSync(join(full, 'metrics.json')) ? null : dal(args(full));
    const run = join(dir, 'corrupt');
    const victim = startDal(args(run));
    await waitFor(() => checkpointStep(run) >= STEPS / 2, `a checkpoint at step ≥ ${STEPS / 2}`, { timeoutMs: 80_000, child: victim });
    victim.child.kill('SIGKILL');
    await victim.done;
    const latest = checkpointStep(run);
    const previous = (JSON.parse(readFileSync(join(run, 'checkpoints', 'manifest.previous.json'), 'utf8')) as { step: number }).step;
    // latest − 40, or latest − 80 when the kill fell between a save's two manifest writes (the new latest is written first).
    expect([latest - 40, latest - 80]).toContain(previous);
    // Flip one byte in the middle of the latest checkpoint's data file.
    const data = join(run, 'checkpoints', `tensors-${String(latest).padStart(8, '0')}.bin`);
    const bytes = readFileSync(data);
    bytes[bytes.length >> 1] ^= 0xff;
    writeFileSync(data, bytes);

    const resumed = await dal(['run', run, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`warning: the latest checkpoint is unusable (corrupt checkpoint: ${data} does not match the SHA-256`);
    expect(resumed.stderr).toMatch(new RegExp(`resuming from the previous one \\(step ${previous}, `));
    expect(resumed.stderr).toMatch(new RegExp(`resuming .* at step ${previous}/${STEPS}`));
    if (uninterrupted) expect((await uninterrupted).code).toBe(0);
    expect(readFileSync(join(run, 'metrics.json'), 'utf8')).toBe(readFileSync(join(full, 'metrics.json'), 'utf8'));
  });
});
