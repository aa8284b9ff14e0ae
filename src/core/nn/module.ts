/**
 * The common shape of every network building block: trainable `tf.Variable`s under stable dotted names, and a
 * pure forward pass (each block's own `apply`). Names (`down.0.res.conv1.kernel`) are what checkpoints store, so they
 * must not change when code is refactored.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface Module {
  /** Every trainable variable of this module and its children, by dotted name, in a stable order. */
  parameters(): Record<string, tf.Variable>;
  /** Disposes every variable; the module is unusable afterwards. */
  dispose(): void;
}

/** What a composite module is made of: its own variables and its child modules (lists are numbered `name.i`). */
export type ModuleEntries = Record<string, tf.Variable | Module | readonly Module[] | null | undefined>;

/**
 * Base class for modules built from named variables and children: `parameters()` and `dispose()` come from
 * `entries()`, so a module only lists what it holds.
 */
export abstract class ModuleBase implements Module {
  /** The module's own variables and submodules by name (absent entries are skipped). */
  protected abstract entries(): ModuleEntries;

  parameters(): Record<string, tf.Variable> {
    const out: Record<string, tf.Variable> = {};
    for (const [name, entry] of Object.entries(this.entries())) {
      if (entry == null) continue;
      if (entry instanceof tf.Variable) {
        out[name] = entry;
      } else if (isModuleList(entry)) {
        entry.forEach((m, i) => addPrefixed(out, `${name}.${i}`, m));
      } else {
        addPrefixed(out, name, entry);
      }
    }
    return out;
  }

  dispose(): void {
    for (const v of Object.values(this.parameters())) v.dispose();
  }
}

/** Total number of scalar parameters of a module. */
export function countParameters(m: Module): number {
  return Object.values(m.parameters()).reduce((n, v) => n + v.size, 0);
}

/**
 * Marks every variable of `m` non-trainable (or trainable again with `trainable = true`) and returns `m`. A frozen
 * module is a constant to every optimizer: `optimizer.minimize(f)` without a variable list trains only trainable
 * variables, and `tf.variableGrads` returns null gradients for frozen ones. The model loader freezes what it loads
 * (a teacher is a prior, not a parameter).
 */
export function freeze<M extends Module>(m: M, trainable = false): M {
  for (const v of Object.values(m.parameters())) v.trainable = trainable;
  return m;
}

/** True when no variable of `m` is trainable. */
export function isFrozen(m: Module): boolean {
  return Object.values(m.parameters()).every((v) => !v.trainable);
}

/** Trainable variables of a module as a list (for `optimizer.minimize(f, true, varList)`). */
export function parameterList(m: Module): tf.Variable[] {
  return Object.values(m.parameters());
}

function isModuleList(e: Module | readonly Module[]): e is readonly Module[] {
  return Array.isArray(e);
}

function addPrefixed(out: Record<string, tf.Variable>, prefix: string, m: Module): void {
  for (const [name, v] of Object.entries(m.parameters())) out[`${prefix}.${name}`] = v;
}
