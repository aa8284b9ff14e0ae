/** Issue 10, acceptance 5 at the command line: a bad prompt is refused at config load (exit 2, the known words, no run
 * directory); `dal export` names what is wrong with its argument. */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dal, ROOT } from './dal.ts';

const dir = mkdtempSync(join(tmpdir(), 'dal-cli-df-'));

describe('dal run / export (dreamfusion)', () => {
  it('refuses an unknown shape or colour word before creating anything', async () => {
    const out = join(dir, 'bad-prompt');
    const r = await dal(['run', join(ROOT, 'configs/dreamfusion/red-cube.yaml'), '--out', out, '--set', 'system.prompt=a pink dodecahedron']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/system\.prompt: invalid: unknown words "pink", "dodecahedron".*known shapes: sphere, cube, cylinder, cone, torus; colours: red, green, blue, yellow, purple/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(existsSync(out)).toBe(false);
  });

  it('dal export refuses a directory that is not a run', async () => {
    const r = await dal(['export', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is not a run directory \(no config\.yaml in it\)/);
  });
});
