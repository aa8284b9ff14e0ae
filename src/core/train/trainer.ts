/**
 * The generic step loop every dal system runs in (toy SDS, teachers, DMD, DreamFusion): resume from the latest
 * checkpoint, step, log named terms to TensorBoard, log images/histograms periodically, checkpoint periodically and at
 * the end, stop cleanly on NaN/Inf and on Ctrl-C, and finish by writing the system's outputs and `metrics.json`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { hasCheckpoint, resumeCheckpoint, saveCheckpoint } from './checkpoint.ts';
import type { TrainerConfig } from './config/schema.ts';
import { DalError } from '../errors.ts';
import { SummaryWriter } from '../log/tfevents.ts';
import { createProgress, formatNumber, type Progress } from './progress.ts';
import type { RngState } from '../rng.ts';
import type { Metrics, RunDir } from './run.ts';

/** What a system is given besides its own config. */
export interface SystemContext {
  /** The run's seed; a system derives all its `Rng`s from it. */
  seed: number;
  /** Total steps of the run (`trainer.steps`), e.g. for evaluating `Scalar`s. */
  steps: number;
  run: RunDir;
  /** Prints a line to the user without breaking the progress bar. */
  log(line: string): void;
}

/** A system's checkpointable state. Tensors returned by `state()` belong to the caller (copies, not live variables). */
export interface SystemState {
  tensors: Record<string, tf.Tensor>;
  rngs: Record<string, RngState>;
  extra?: unknown;
}

/** Something the trainer can step: owns its parameters, optimizer, RNGs and outputs. */
export interface System {
  /**
   * Runs step `step` (0-based) and returns its named terms (losses, and monitored values such as a scheduled t-range)
   * as plain numbers. Every term must be finite; a NaN/Inf stops the run.
   */
  step(step: number): Promise<Record<string, number>> | Record<string, number>;
  /** Everything needed to continue exactly: parameters, optimizer state, RNG states. */
  state(): Promise<SystemState> | SystemState;
  /** Restores what `state()` returned (copies out of the given tensors; the caller disposes them). */
  load(state: SystemState): Promise<void> | void;
  /** Periodic visuals: images (and histograms where meaningful). `step` = number of steps completed. */
  logImages?(step: number, writer: SummaryWriter): void | Promise<void>;
  /** Writes the run's outputs (`.npy`, final images) and returns its final metrics. */
  finish(writer: SummaryWriter): Promise<Metrics> | Metrics;
  /** Frees tensors and variables. */
  dispose(): void;
}

export interface TrainOptions {
  /** Continue from the checkpoint in `run.checkpoints`, if there is one. */
  resume?: boolean;
  /** The resolved config as YAML, logged as text at step 0. */
  configYaml: string;
  /** Progress display; default: a bar on a TTY, plain lines otherwise. */
  progress?: (start: number) => Progress;
  /** Label for the progress display. */
  label?: string;
}

/** Exit code for a run stopped by Ctrl-C (128 + SIGINT), as shells report it. */
export const EXIT_INTERRUPTED = 130;

/**
 * Runs `system` for `cfg.steps` steps in `ctx.run` and returns its final metrics (also written to metrics.json).
 * @throws DalError on a non-finite term (naming the step and term) or on interruption (exit code 130)
 */
export async function train(system: System, cfg: TrainerConfig, ctx: SystemContext, opts: TrainOptions): Promise<Metrics> {
  const run = ctx.run;
  let start = 0;
  if (opts.resume && hasCheckpoint(run.checkpoints)) {
    const ckpt = resumeCheckpoint(run.checkpoints, ctx.log);
    try {
      await system.load(ckpt);
    } finally {
      tf.dispose(Object.values(ckpt.tensors));
    }
    start = ckpt.step;
    ctx.log(`resuming ${run.root} at step ${start}/${cfg.steps}`);
  }

  // On resume, TensorBoard drops the killed run's events logged after the checkpoint (they are logged again).
  const writer = new SummaryWriter(run.root, start > 0 ? { purgeStep: start } : {});
  const interrupt = catchInterrupts();
  const progress = opts.progress?.(start) ?? createProgress({ total: cfg.steps, start, label: opts.label });
  const save = async (step: number) => {
    const st = await system.state();
    try {
      saveCheckpoint(run.checkpoints, { step, ...st });
    } finally {
      tf.dispose(Object.values(st.tensors));
    }
  };
  const imageDue = (done: number) => done === cfg.steps || (cfg.imageEvery > 0 && done % cfg.imageEvery === 0);
  // run.pid while this session trains (for dal view's running / failed), removed however it ends.
  const unmarkRunning = run.markRunning();

  try {
    // Every event file carries the config (a resumed run writes a new file).
    writer.text('config', `\`\`\`yaml\n${opts.configYaml}\`\`\``, start);
    if (start === 0) await system.logImages?.(0, writer);
    let terms: Record<string, number> = {};
    for (let step = start; step < cfg.steps; step++) {
      terms = await system.step(step);
      const done = step + 1;
      const bad = Object.entries(terms).find(([, v]) => !Number.isFinite(v));
      if (bad) {
        writer.flush();
        throw new DalError(
          `step ${step}: ${bad[0]} is ${bad[1]}; training diverged. Lower the learning rate (e.g. halve ` +
            `system.optimizer.lr with --set) and start again${hasCheckpoint(run.checkpoints) ? ', or --resume from the last good checkpoint' : ''}.`,
        );
      }
      if (done % cfg.logEvery === 0 || done === cfg.steps || step === start) {
        for (const [k, v] of Object.entries(terms)) writer.scalar(k, v, done);
      }
      if (imageDue(done)) await system.logImages?.(done, writer);
      if (done === cfg.steps || (cfg.checkpointEvery > 0 && done % cfg.checkpointEvery === 0) || interrupt.signal) {
        await save(done);
        // The logs up to a checkpoint survive even a SIGKILL.
        writer.flush();
      }
      progress.update(done, terms);
      if (interrupt.signal) {
        writer.flush();
        throw new DalError(
          `interrupted at step ${done}/${cfg.steps}; checkpoint saved. Resume with: dal run ${run.root} --resume`,
          interrupt.signal === 'SIGTERM' ? 143 : EXIT_INTERRUPTED,
        );
      }
      // Let signal handlers run between steps (tfjs kernels on the CPU are synchronous).
      await new Promise<void>((r) => setImmediate(r));
    }
    progress.stop();
    if (start === cfg.steps) ctx.log(`all ${cfg.steps} steps were done; finishing`);
    const metrics = await system.finish(writer);
    for (const [k, v] of Object.entries(metrics)) writer.scalar(`metrics/${k}`, v, cfg.steps);
    writer.flush();
    run.writeMetrics(metrics);
    if (Object.keys(terms).length) ctx.log(`last step: ${Object.entries(terms).map(([k, v]) => `${k}=${formatNumber(v)}`).join(' ')}`);
    return metrics;
  } finally {
    progress.stop();
    interrupt.release();
    writer.close();
    unmarkRunning();
  }
}

/** Ctrl-C / SIGTERM during training: remember it, let the loop checkpoint; a second one exits at once. */
function catchInterrupts(): { signal: NodeJS.Signals | null; release(): void } {
  const state = { signal: null as NodeJS.Signals | null, release };
  const onSignal = (sig: NodeJS.Signals) => {
    if (state.signal) process.exit(sig === 'SIGTERM' ? 143 : EXIT_INTERRUPTED);
    state.signal = sig;
    process.stderr.write(`\n${sig}: stopping after this step (saving a checkpoint); press Ctrl-C again to quit at once\n`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  function release() {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return state;
}
