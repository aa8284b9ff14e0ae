/** Acceptance 5 of issue 2: bad configs end with exit code ≠ 0, one clear message, no stack, and no run directory. */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dal, ROOT } from './dal.ts';

const dir = mkdtempSync(join(tmpdir(), 'dal-cli-config-'));
const base = readFileSync(join(ROOT, 'configs/toy/ring8-sds.yaml'), 'utf8');

function config(name: string, edit: (s: string) => string): string {
  const p = join(dir, `${name}.yaml`);
  const text = edit(base);
  expect(text).not.toBe(base);
  writeFileSync(p, text);
  return p;
}

interface Case {
  name: string;
  args: (out: string) => string[];
  message: RegExp;
}

const cases: Case[] = [
  {
    name: 'misspelled key',
    args: (out) => [config('typo', (s) => s.replace('particles: 512', 'partcles: 512')), '--out', out],
    message: /typo\.yaml:\d+: system\.partcles: unknown key; did you mean "system\.particles"\?/,
  },
  {
    name: 'wrong type',
    args: (out) => [config('type', (s) => s.replace('lr: 0.02', 'lr: {value: 0.02}')), '--out', out],
    message: /type\.yaml:\d+: system\.optimizer\.lr: expected a number, a ramp .*; given a mapping \{"value":0\.02\}/,
  },
  {
    name: 'unparsable expression',
    args: (out) => [config('expr', (s) => s.replace('tMax: 0.98', 'tMax: "0.98 - min(step /, 1)"')), '--out', out],
    message: /expr\.yaml:\d+: system\.sds\.tMax: expected a valid expression in step and steps .*given "0\.98 - min\(step \/, 1\)"/,
  },
  {
    name: 'missing config file',
    args: (out) => [join(dir, 'no-such-config.yaml'), '--out', out],
    message: /config file not found: .*no-such-config\.yaml/,
  },
  {
    name: 'bad --set',
    args: (out) => [join(ROOT, 'configs/toy/ring8-sds.yaml'), '--set', 'system.sds.cfgscale=2', '--out', out],
    message: /--set system\.sds\.cfgscale=2: system\.sds\.cfgscale: unknown key; did you mean "system\.sds\.cfgScale"\?/,
  },
];

describe('dal run with a bad config', () => {
  it('each case: exit code ≠ 0, one message naming the problem, no stack trace, no run directory', async () => {
    // The spawns run concurrently: each is mostly Node start-up.
    const results = await Promise.all(
      cases.map(async (c) => {
        const out = join(dir, `run-${c.name.replace(/\W/g, '-')}`);
        return { c, out, r: await dal(['run', ...c.args(out)]) };
      }),
    );
    for (const { c, out, r } of results) {
      expect(r.code, c.name).not.toBe(0);
      expect(r.code, c.name).not.toBeNull();
      expect(r.stderr, c.name).toMatch(c.message);
      expect(r.stderr.startsWith('dal: '), c.name).toBe(true);
      expect(r.stderr, c.name).not.toMatch(/^\s+at /m);
      expect(r.stderr.match(/^dal: /gm), c.name).toHaveLength(1);
      expect(existsSync(out), c.name).toBe(false);
    }
  });
});
