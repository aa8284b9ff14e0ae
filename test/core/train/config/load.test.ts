import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { applySets, configToYaml, loadConfig, parseSet } from '../../../../src/core/train/config/load.ts';
import { Scalar } from '../../../../src/core/train/config/scalar.ts';
import { runConfigSchema, scalar } from '../../../../src/core/train/config/schema.ts';
import { DalError } from '../../../../src/core/errors.ts';

const sds = z.strictObject({
  type: z.literal('sds'),
  lr: scalar({ min: 0, exclusiveMin: true }),
  range: z.strictObject({ tMin: scalar({ min: 0, max: 1 }), tMax: scalar({ min: 0, max: 1 }) }),
  particles: z.int().min(1).default(16),
});
const other = z.strictObject({ type: z.literal('other'), label: z.string() });
const schema = runConfigSchema(z.discriminatedUnion('type', [sds, other]));

const dir = mkdtempSync(join(tmpdir(), 'dal-config-'));
function file(text: string): string {
  const p = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(p, text);
  return p;
}
const GOOD = `name: t
seed: 3
system:
  type: sds
  lr: 0.02
  range: { tMin: 0.02, tMax: "0.98 - 0.88 * min(step / (0.7 * steps), 1)" }
trainer: { steps: 100 }
`;

function message(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DalError);
    return (e as Error).message;
  }
  throw new Error('expected a DalError');
}

describe('loadConfig', () => {
  it('parses, fills defaults and compiles scalars', () => {
    const cfg = loadConfig(schema, file(GOOD));
    expect(cfg.seed).toBe(3);
    expect(cfg.trainer).toEqual({ steps: 100, logEvery: 20, imageEvery: 0, checkpointEvery: 0 });
    if (cfg.system.type !== 'sds') throw new Error('variant');
    expect(cfg.system.particles).toBe(16);
    expect(cfg.system.range.tMax).toBeInstanceOf(Scalar);
    expect(cfg.system.range.tMax.at(70, 100)).toBeCloseTo(0.1, 12);
  });

  it('the resolved config round-trips through YAML', () => {
    const f = file(GOOD);
    const cfg = loadConfig(schema, f);
    const again = loadConfig(schema, file(configToYaml(cfg)));
    expect(configToYaml(again)).toBe(configToYaml(cfg));
    expect(configToYaml(cfg)).toContain('tMax: 0.98 - 0.88 * min(step / (0.7 * steps), 1)');
  });

  it('a misspelled key names the path, the line and the closest valid key', () => {
    const m = message(() => loadConfig(schema, file(GOOD.replace('tMin', 'tmin'))));
    expect(m).toMatch(/:6: system\.range\.tmin: unknown key; did you mean "system\.range\.tMin"\?/);
  });

  it('a wrong type names the path, what was expected and what was given', () => {
    const m = message(() => loadConfig(schema, file(GOOD.replace('seed: 3', 'seed: three'))));
    expect(m).toMatch(/:2: seed: expected number; given "three"/);
    const m2 = message(() => loadConfig(schema, file(GOOD.replace('steps: 100', 'steps: 2.5'))));
    expect(m2).toMatch(/trainer\.steps: expected an integer; given 2\.5/);
  });

  it('an unknown variant names the valid types', () => {
    const m = message(() => loadConfig(schema, file(GOOD.replace('type: sds', 'type: sdss'))));
    expect(m).toMatch(/system\.type: expected one of "sds", "other"; given "sdss"; did you mean "sds"\?/);
  });

  it('an unparsable or out-of-range expression is caught at load time', () => {
    const m = message(() => loadConfig(schema, file(GOOD.replace('lr: 0.02', 'lr: "0.02 *"'))));
    expect(m).toMatch(/:5: system\.lr: expected a valid expression in step and steps/);
    const m2 = message(() => loadConfig(schema, file(GOOD.replace('lr: 0.02', 'lr: "0.02 * (1 - step / steps)"'))));
    expect(m2).toMatch(/system\.lr: expected a value > 0 at every step; given .* which is 0 at step 100/);
  });

  it('a missing file and invalid YAML are DalErrors naming the file', () => {
    expect(message(() => loadConfig(schema, join(dir, 'nope.yaml')))).toMatch(/config file not found: .*nope\.yaml/);
    expect(message(() => loadConfig(schema, file('name: [a\n')))).toMatch(/\.yaml(:\d+)?: not valid YAML/);
  });

  it('--set values are YAML and go through the same checks', () => {
    const f = file(GOOD);
    const cfg = loadConfig(schema, f, [parseSet('system.lr=[0, 0.1, 0.01, 50]'), parseSet('trainer.logEvery=5')]);
    if (cfg.system.type !== 'sds') throw new Error('variant');
    expect(cfg.system.lr.at(25, 100)).toBeCloseTo(0.055, 12);
    expect(cfg.trainer.logEvery).toBe(5);
    expect(message(() => loadConfig(schema, f, [parseSet('system.rnage.tMin=0.1')]))).toMatch(
      /--set system\.rnage\.tMin=0\.1: system\.rnage: unknown key; did you mean "system\.range"\?/,
    );
    expect(message(() => loadConfig(schema, f, [parseSet('system.particles=many')]))).toMatch(
      /--set system\.particles=many: system\.particles: expected number; given "many"/,
    );
    expect(() => parseSet('novalue')).toThrow(/expected key\.path=value/);
  });

  it('applySets creates intermediate mappings and leaves the input alone', () => {
    const raw = { a: { b: 1 } };
    expect(applySets(raw, [parseSet('a.c.d=x'), parseSet('e=1.5')])).toEqual({ a: { b: 1, c: { d: 'x' } }, e: 1.5 });
    expect(raw).toEqual({ a: { b: 1 } });
  });
});
