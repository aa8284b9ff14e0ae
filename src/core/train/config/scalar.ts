/**
 * Schedulable scalars: any numeric setting may be a constant, a ramp `[startStep, startValue, endValue, endStep]`
 * (threestudio's `C(value, epoch, global_step)` convention) or a mathjs expression in `step` and `steps`, e.g.
 * `"0.98 - 0.5 * min(step / 5000, 1)"`. One typed `Scalar` evaluates all three; it is a pure function of the step,
 * so a resumed run sees exactly the values an uninterrupted one does.
 */
import { createRequire } from 'node:module';
import type * as MathJs from 'mathjs';
import type { EvalFunction } from 'mathjs';

// mathjs's ESM build is ~1,000 small modules, which take seconds to load through tsx; its single-file bundle (the same
// library) loads in a fraction of that, and this file is on the path of every `dal` command.
const { compile, parse } = createRequire(import.meta.url)('mathjs/lib/browser/math.js') as typeof MathJs;

/** The form a scalar takes in a config file. */
export type ScalarSpec = number | Ramp | string;

/** `[startStep, startValue, endValue, endStep]`: startValue until startStep, linear to endValue at endStep, then flat. */
export type Ramp = [startStep: number, startValue: number, endValue: number, endStep: number];

/** Allowed range of a scalar's values, checked at load time at step 0, at `steps`, and at a ramp's end points. */
export interface ScalarBounds {
  min?: number;
  max?: number;
  /** true: the value must be > min (not ≥). */
  exclusiveMin?: boolean;
}

/** A compiled, schedulable scalar. `at(step, steps)` is its value at a step of a run of `steps` steps. */
export class Scalar {
  private constructor(
    /** The config form, written back verbatim into the resolved config. */
    readonly spec: ScalarSpec,
    private readonly fn: (step: number, steps: number) => number,
    readonly bounds: ScalarBounds,
  ) {}

  /** A constant. */
  static constant(value: number, bounds: ScalarBounds = {}): Scalar {
    return new Scalar(value, () => value, bounds);
  }

  /**
   * Compiles a config value. Throws `ScalarSyntaxError` (with `expected`) when it is not a number, a ramp of four
   * finite numbers, or a parsable expression that uses only `step`, `steps` and mathjs functions.
   */
  static compile(spec: unknown, bounds: ScalarBounds = {}): Scalar {
    if (typeof spec === 'number') {
      if (!Number.isFinite(spec)) throw new ScalarSyntaxError(`a finite number`);
      return Scalar.constant(spec, bounds);
    }
    if (Array.isArray(spec)) {
      if (spec.length !== 4 || !spec.every((v) => typeof v === 'number' && Number.isFinite(v))) {
        throw new ScalarSyntaxError('a ramp of four finite numbers [startStep, startValue, endValue, endStep]');
      }
      const ramp = spec as Ramp;
      if (ramp[3] < ramp[0]) throw new ScalarSyntaxError('a ramp whose endStep is not before its startStep');
      return new Scalar([...ramp], (step) => evalRamp(ramp, step), bounds);
    }
    if (typeof spec === 'string') {
      const code = compileExpression(spec);
      return new Scalar(spec, (step, steps) => toNumber(code.evaluate({ step, steps })), bounds);
    }
    throw new ScalarSyntaxError(EXPECTED);
  }

  /** The value at `step` (0-based) of a run of `steps` steps. */
  at(step: number, steps: number): number {
    return this.fn(step, steps);
  }

  /** True when the value never changes (a plain number). */
  get isConstant(): boolean {
    return typeof this.spec === 'number';
  }

  /**
   * Load-time check: the value at step 0 and at `steps` (and at a ramp's corners) is a finite number within bounds.
   * @returns null when fine, else what was expected and what the value gives instead
   */
  check(steps: number): { expected: string; given: string } | null {
    const probes = Array.isArray(this.spec) ? [0, this.spec[0], this.spec[3], steps] : [0, steps];
    for (const step of probes) {
      let v: number;
      try {
        v = this.at(step, steps);
      } catch (e) {
        return { expected: 'an expression that evaluates', given: `which fails at step ${step}: ${(e as Error).message}` };
      }
      const given = `which is ${v} at step ${step} (steps = ${steps})`;
      if (!Number.isFinite(v)) return { expected: 'a finite value at every step', given };
      const { min, max, exclusiveMin } = this.bounds;
      if (min !== undefined && (exclusiveMin ? v <= min : v < min)) {
        return { expected: `a value ${exclusiveMin ? '>' : '≥'} ${min} at every step`, given };
      }
      if (max !== undefined && v > max) return { expected: `a value ≤ ${max} at every step`, given };
    }
    return null;
  }

  /** Serialized form (the config value), so YAML/JSON output round-trips. */
  toJSON(): ScalarSpec {
    return this.spec;
  }
}

/** A config value that is not a valid scalar; `expected` says what would have been. */
export class ScalarSyntaxError extends Error {
  constructor(readonly expected: string) {
    super(`expected ${expected}`);
  }
}

export const EXPECTED =
  'a number, a ramp [startStep, startValue, endValue, endStep], or an expression in step and steps';

/** Threestudio-style ramp: linear interpolation between (startStep, startValue) and (endStep, endValue), clamped. */
export function evalRamp([s0, v0, v1, s1]: Ramp, step: number): number {
  if (step <= s0) return v0;
  if (step >= s1) return v1;
  return v0 + ((v1 - v0) * (step - s0)) / (s1 - s0);
}

const ALLOWED_SYMBOLS = new Set(['step', 'steps', 'pi', 'e']);

function compileExpression(src: string): EvalFunction {
  let node;
  try {
    node = parse(src);
  } catch (e) {
    throw new ScalarSyntaxError(`a valid expression in step and steps (${(e as Error).message} in "${src}")`);
  }
  // Symbols that are neither variables nor functions would fail only at evaluation; name them now.
  node.traverse((n, _path, parent) => {
    if (n.type === 'SymbolNode') {
      const name = (n as unknown as { name: string }).name;
      const isCallee = parent?.type === 'FunctionNode' && (parent as unknown as { fn: unknown }).fn === n;
      if (!isCallee && !ALLOWED_SYMBOLS.has(name)) {
        throw new ScalarSyntaxError(`an expression in step and steps only (unknown symbol "${name}" in "${src}")`);
      }
    }
  });
  return compile(src);
}

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw new Error(`the expression gives ${typeof v === 'object' ? 'a non-number' : String(v)}, not a number`);
}
