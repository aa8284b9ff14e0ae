/**
 * Loading a YAML config: read, apply `--set a.b=value` overrides (values parsed as YAML), validate against the typed
 * schema, and report every problem as one `DalError` naming the file (and line), key path, expected and given.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { LineCounter, parseDocument, stringify, isMap, isSeq, type Document } from 'yaml';
import type * as z from 'zod';
import { DalError } from '../../errors.ts';
import { describeIssues, type ConfigSource, type KeyPath } from './issues.ts';

/** One `--set` override, parsed. */
export interface SetOverride {
  /** The argument as given, e.g. `system.sds.cfgScale=1.5`. */
  arg: string;
  path: string[];
  value: unknown;
}

/** Parses `a.b.c=value`; the value is YAML (`3` is a number, `[0, 1, 2, 3]` a list, `"x"` or `x` a string). */
export function parseSet(arg: string): SetOverride {
  const eq = arg.indexOf('=');
  const key = eq < 0 ? '' : arg.slice(0, eq).trim();
  if (eq < 0 || key === '' || key.split('.').some((p) => p === '')) {
    throw new DalError(`--set ${arg}: expected key.path=value, e.g. --set system.sds.cfgScale=1.5`);
  }
  let value: unknown;
  try {
    value = parseDocument(arg.slice(eq + 1)).toJS();
  } catch (e) {
    throw new DalError(`--set ${arg}: the value is not valid YAML (${(e as Error).message})`);
  }
  return { arg, path: key.split('.'), value: value ?? null };
}

/** Reads the raw (unvalidated) YAML mapping of a config file. */
export function readConfigFile(file: string): {
  raw: Record<string, unknown>;
  lineOf: (p: KeyPath) => number | undefined;
  has: (p: KeyPath) => boolean;
} {
  if (!existsSync(file)) throw new DalError(`config file not found: ${file}`);
  if (statSync(file).isDirectory()) throw new DalError(`${file} is a directory, not a config file (YAML)`);
  const text = readFileSync(file, 'utf8');
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    const err = doc.errors[0];
    const line = err.pos ? lines.linePos(err.pos[0]).line : undefined;
    throw new DalError(`${file}${line ? `:${line}` : ''}: not valid YAML: ${err.message.split('\n')[0]}`);
  }
  const raw = doc.toJS() as unknown;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new DalError(`${file}: expected a YAML mapping (name:, system:, trainer:), given ${raw === null ? 'an empty file' : typeof raw}`);
  }
  return {
    raw: raw as Record<string, unknown>,
    lineOf: (p) => lineOf(doc, lines, p),
    has: (p) => doc.hasIn(p as (string | number)[]),
  };
}

function lineOf(doc: Document, lines: LineCounter, path: KeyPath): number | undefined {
  const node = path.length ? doc.getIn(path as (string | number)[], true) : doc.contents;
  const range = (node as { range?: [number, number, number] } | undefined)?.range;
  if (!range) {
    // A scalar node for `key: value` is found; for a missing key, report the parent mapping's line instead.
    const parent = path.length > 1 ? doc.getIn(path.slice(0, -1) as (string | number)[], true) : undefined;
    if (parent && (isMap(parent) || isSeq(parent)) && parent.range) return lines.linePos(parent.range[0]).line;
    return undefined;
  }
  return lines.linePos(range[0]).line;
}

/** Applies overrides to a raw config, creating intermediate mappings; returns a copy. */
export function applySets(raw: Record<string, unknown>, sets: readonly SetOverride[]): Record<string, unknown> {
  const out = structuredClone(raw);
  for (const s of sets) {
    let node: Record<string, unknown> = out;
    for (const k of s.path.slice(0, -1)) {
      const next = node[k];
      if (next === undefined || next === null || typeof next !== 'object' || Array.isArray(next)) node[k] = {};
      node = node[k] as Record<string, unknown>;
    }
    node[s.path[s.path.length - 1]] = s.value;
  }
  return out;
}

/**
 * Loads and validates a config file with overrides.
 * @throws DalError listing every problem (file:line or --set, key path, expected, given)
 */
export function loadConfig<S extends z.ZodType>(schema: S, file: string, sets: readonly SetOverride[] = []): z.output<S> {
  const { raw, lineOf, has } = readConfigFile(file);
  return validateConfig(schema, applySets(raw, sets), { file, lineOf, setOf: (p) => setOf(sets, p, has(p)) });
}

/** Validates a raw config object; `src` only shapes the error messages. */
export function validateConfig<S extends z.ZodType>(schema: S, raw: unknown, src: ConfigSource): z.output<S> {
  const result = schema.safeParse(raw, { reportInput: true });
  if (result.success) return result.data;
  const lines = describeIssues(result.error.issues, schema, raw, src);
  const shown = lines.slice(0, 8);
  if (lines.length > shown.length) shown.push(`(and ${lines.length - shown.length} more)`);
  throw new DalError(`invalid config:\n  ${shown.join('\n  ')}`);
}

/** The `--set` to blame for a problem at `path`: one that set it or a parent of it, or created it (not in the file). */
function setOf(sets: readonly SetOverride[], path: KeyPath, inFile: boolean): string | undefined {
  const key = path.join('.');
  // The last override wins, so the last one covering this path is the one to blame.
  for (let i = sets.length - 1; i >= 0; i--) {
    const p = sets[i].path.join('.');
    if (key === p || key.startsWith(`${p}.`) || (!inFile && p.startsWith(`${key}.`))) return sets[i].arg;
  }
  return undefined;
}

/** The resolved config as YAML (scalars written in their config form). */
export function configToYaml(config: unknown): string {
  return stringify(JSON.parse(JSON.stringify(config)), { lineWidth: 0 });
}
