/**
 * Turns zod issues into one clear `DalError` message per problem: where (file:line or the `--set` that caused it),
 * the key path, what was expected and what was given, and for an unknown key the closest valid key.
 */
import { closest, distance } from 'fastest-levenshtein';
import type * as z from 'zod';

export type KeyPath = readonly (string | number)[];

/** Where a config value came from, for error messages. */
export interface ConfigSource {
  /** The config file. */
  file: string;
  /** 1-based line of the value at a key path in the file, if it is there. */
  lineOf(path: KeyPath): number | undefined;
  /** The `--set` argument that set this path (or a parent of it), if any. */
  setOf(path: KeyPath): string | undefined;
}

/** One human line per issue, e.g. `ring8.yaml:4: system.sds.tmax: unknown key; did you mean "tMax"?`. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], schema: z.ZodType, raw: unknown, src: ConfigSource): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const at = issue.path as KeyPath;
      const valid = keysAt(schema, raw, at);
      for (const key of issue.keys) {
        const path = [...at, key];
        const guess = valid.length ? closest(key, valid) : undefined;
        const hint =
          guess !== undefined && distance(key, guess) <= Math.max(2, Math.floor(key.length / 2))
            ? `; did you mean "${[...at, guess].join('.')}"?`
            : '';
        const list = valid.length ? ` (valid keys here: ${valid.join(', ')})` : '';
        lines.push(`${where(src, path)}unknown key${hint}${list}`);
      }
      continue;
    }
    const path = issue.path as KeyPath;
    const given = valueAt(raw, path);
    if (issue.code === 'invalid_union' && 'discriminator' in issue && issue.discriminator) {
      const options = ((issue as { options?: unknown[] }).options ?? []).map(String);
      const guess = typeof given === 'string' && options.length ? closest(given, options) : undefined;
      lines.push(
        `${where(src, path)}expected one of ${options.map((o) => `"${o}"`).join(', ')}; given ${show(given)}` +
          (guess ? `; did you mean "${guess}"?` : ''),
      );
      continue;
    }
    if (issue.code === 'invalid_type' && given === undefined) {
      lines.push(`${where(src, path)}missing; expected ${issue.expected}`);
      continue;
    }
    if (issue.code === 'custom' && (issue.params as { complete?: boolean } | undefined)?.complete) {
      lines.push(`${where(src, path)}${issue.message}`);
      continue;
    }
    lines.push(`${where(src, path)}${expectedOf(issue)}; given ${show(given)}`);
  }
  return lines;
}

function expectedOf(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected === 'int' ? 'an integer' : issue.expected}`;
    case 'invalid_value':
      return `expected ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}`;
    case 'too_small':
      return `expected ${issue.origin === 'array' ? 'length ' : ''}${issue.inclusive === false ? '>' : '≥'} ${issue.minimum}`;
    case 'too_big':
      return `expected ${issue.origin === 'array' ? 'length ' : ''}${issue.inclusive === false ? '<' : '≤'} ${issue.maximum}`;
    case 'invalid_format':
      return `expected ${issue.message.replace(/^Invalid string: /, '')}`;
    case 'invalid_union':
      return 'expected one of the allowed forms';
    default: {
      const m = issue.message;
      return m.startsWith('expected') ? m : `invalid: ${m}`;
    }
  }
}

function where(src: ConfigSource, path: KeyPath): string {
  const key = path.length ? path.join('.') : '(top level)';
  const set = src.setOf(path);
  if (set !== undefined) return `--set ${set}: ${key}: `;
  let line: number | undefined;
  for (let n = path.length; n >= 0 && line === undefined; n--) line = src.lineOf(path.slice(0, n));
  return `${src.file}${line !== undefined ? `:${line}` : ''}: ${key}: `;
}

/** A short rendering of a given value. */
export function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `a list ${truncate(JSON.stringify(v))}`;
  if (v !== null && typeof v === 'object') return `a mapping ${truncate(JSON.stringify(v))}`;
  return String(v);
}

function truncate(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

export function valueAt(raw: unknown, path: KeyPath): unknown {
  let v = raw;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[k];
  }
  return v;
}

type Def = { type: string; [k: string]: unknown };
const defOf = (s: unknown): Def => (s as { _zod: { def: Def } })._zod.def;

/** Strips wrappers (optional, default, transform pipes, …) down to the schema that holds the keys. */
function unwrap(s: z.ZodType): z.ZodType {
  for (;;) {
    const d = defOf(s);
    if (['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional'].includes(d.type)) {
      s = d.innerType as z.ZodType;
    } else if (d.type === 'pipe') {
      s = d.in as z.ZodType;
    } else if (d.type === 'lazy') {
      s = (d.getter as () => z.ZodType)();
    } else return s;
  }
}

/** The object schema that applies at `path` of `raw` (choosing union variants by their discriminator). */
function objectAt(schema: z.ZodType, raw: unknown, path: KeyPath): z.ZodType | undefined {
  let s: z.ZodType | undefined = resolveUnion(unwrap(schema), raw);
  let v = raw;
  for (const k of path) {
    if (!s) return undefined;
    const d = defOf(s);
    if (d.type === 'object') s = (d.shape as Record<string, z.ZodType>)[String(k)];
    else if (d.type === 'array') s = d.element as z.ZodType;
    else if (d.type === 'record') s = d.valueType as z.ZodType;
    else return undefined;
    v = valueAt(v, [k]);
    if (s) s = resolveUnion(unwrap(s), v);
  }
  return s;
}

function resolveUnion(s: z.ZodType, v: unknown): z.ZodType {
  const d = defOf(s);
  if (d.type !== 'union') return s;
  const options = (d.options as z.ZodType[]).map(unwrap);
  const disc = d.discriminator as string | undefined;
  if (disc && v !== null && typeof v === 'object') {
    const tag = (v as Record<string, unknown>)[disc];
    for (const o of options) {
      const od = defOf(o);
      if (od.type !== 'object') continue;
      const lit = (od.shape as Record<string, z.ZodType>)[disc];
      const values = lit ? (defOf(lit).values as unknown[] | undefined) : undefined;
      if (values?.includes(tag)) return o;
    }
  }
  // Not discriminated: the first object variant is the best guess for its keys.
  return options.find((o) => defOf(o).type === 'object') ?? s;
}

/** The valid keys of the object at `path` (for "did you mean"). */
export function keysAt(schema: z.ZodType, raw: unknown, path: KeyPath): string[] {
  const s = objectAt(schema, raw, path);
  if (!s) return [];
  const d = defOf(s);
  return d.type === 'object' ? Object.keys(d.shape as object) : [];
}
