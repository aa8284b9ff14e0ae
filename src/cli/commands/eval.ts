/**
 * `dal eval CHECKPOINT [--n 1000] [--steps 50] [--sampler ddim] [--guidance G] [--seed 0] [--json] [--write]`:
 * the sample quality of a teacher (src/core/metrics/evaluate-model.ts) — class accuracy by dal's classifier (and,
 * for MNIST, by the independent k-NN), the worst class, FID, precision and recall against held-out real data.
 * `--write` records the figures in the checkpoint's manifest.
 */
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { DalError } from '../../core/errors.ts';
import { Evaluator } from '../../core/metrics/evaluate.ts';
import { SAMPLER_NAMES, type SamplerName } from '../../core/diffusion/samplers.ts';
import { sampleTeacher, scoreTeacherSamples, teacherKind } from '../../core/metrics/evaluate-model.ts';
import { evaluatedGuidance, loadModel, updateModelMetrics } from '../../core/model/model-dir.ts';
import { GENERATOR_KIND, isGeneratorDir, loadGenerator } from '../../distill/export.ts';
import { sampleGenerator } from '../../distill/sample.ts';
import { BACKEND_NAMES, setupBackend, type BackendName } from '../backend.ts';

interface EvalArgs {
  checkpoint: string;
  n: number;
  steps: number;
  sampler: SamplerName;
  guidance?: number;
  seed: number;
  json: boolean;
  write: boolean;
  backend?: BackendName;
}

export const evalCommand: CommandModule<object, EvalArgs> = {
  command: 'eval <checkpoint>',
  describe: "Measure a teacher's samples: class accuracy, FID, precision, recall",
  builder: (y: Argv) =>
    y
      .positional('checkpoint', {
        type: 'string',
        demandOption: true,
        describe: 'a teacher model directory (e.g. checkpoints/mnist-unet), or a one-step generator (checkpoints/mnist-dmd: --steps, --sampler, --guidance do not apply)',
      })
      .option('n', { type: 'number', default: 1000, describe: 'samples, balanced over the classes (MNIST: n/10 per digit)' })
      .option('steps', { type: 'number', default: 50, describe: 'sampler steps' })
      .option('sampler', { choices: SAMPLER_NAMES, default: 'ddim' as SamplerName, describe: 'sampler' })
      .option('guidance', {
        type: 'number',
        describe: "classifier-free guidance scale (default: the guidance the teacher was evaluated at, from its manifest: 3 for the shipped teachers)",
      })
      .option('seed', { type: 'number', default: 0, describe: 'random seed' })
      .option('json', { type: 'boolean', default: false, describe: 'print one JSON object instead of a table' })
      .option('write', { type: 'boolean', default: false, describe: "record the figures in the checkpoint's manifest.json" })
      .option('backend', { choices: BACKEND_NAMES, describe: 'tfjs backend (default: the fastest available)' })
      .example('$0 eval checkpoints/mnist-unet', "1,000 DDIM-50 samples at the manifest's guidance (3), 100 per digit")
      .example('$0 eval checkpoints/shapes-unet --n 500 --guidance 1 --json', 'shapes teacher without guidance, as JSON')
      .example('$0 eval checkpoints/mnist-dmd --n 1000', 'the distilled one-step generator, 1,000 samples (one network evaluation each)') as unknown as Argv<EvalArgs>,
  handler: async (args: ArgumentsCamelCase<EvalArgs>) => {
    await evaluateCheckpoint(args);
  },
};

/** Samples, scores and prints (or writes) the metrics of a teacher checkpoint. */
export async function evaluateCheckpoint(args: EvalArgs): Promise<Record<string, number>> {
  const { n, steps, sampler, seed } = args;
  if (!Number.isInteger(n) || n < 2) throw new DalError(`--n: expected an integer ≥ 2; given ${n}`);
  if (!Number.isInteger(steps) || steps < 1) throw new DalError(`--steps: expected a positive integer; given ${steps}`);
  if (args.guidance !== undefined && !Number.isFinite(args.guidance)) throw new DalError(`--guidance: expected a number; given ${args.guidance}`);
  if (!Number.isInteger(seed) || seed < 0) throw new DalError(`--seed: expected a non-negative integer; given ${seed}`);
  await setupBackend(args.backend);
  if (isGeneratorDir(args.checkpoint)) return evaluateGenerator(args);
  const { denoiser, manifest } = loadModel(args.checkpoint);
  const kind = teacherKind(manifest);
  const guidance = args.guidance ?? evaluatedGuidance(manifest);
  const log = (s: string) => process.stderr.write(s);
  try {
    const t0 = Date.now();
    const samples = sampleTeacher(denoiser, manifest, {
      n,
      sampler,
      steps,
      guidance,
      seed,
      onChunk: (done, total) => log(`\rsampling ${done}/${total} (${((Date.now() - t0) / 1000).toFixed(0)} s)`),
    });
    log('\n');
    const ev = Evaluator.load(kind);
    let metrics: Record<string, number>;
    try {
      metrics = { ...scoreTeacherSamples(ev, samples), sample_seconds: (Date.now() - t0) / 1000 };
    } finally {
      ev.dispose();
    }
    const setting = `${sampler}${steps}_cfg${guidance}`;
    if (args.write) {
      // the first evaluation recorded also defines the teacher's evaluated guidance (dal sample's and dal eval's default)
      updateModelMetrics(args.checkpoint, {
        ...Object.fromEntries(Object.entries(metrics).map(([k, v]) => [`${setting}/${k}`, v])),
        [`${setting}/n`]: n,
        [`${setting}/seed`]: seed,
      }, guidance);
    }
    if (args.json) {
      process.stdout.write(`${JSON.stringify({ checkpoint: args.checkpoint, sampler, steps, guidance, n, seed, ...metrics })}\n`);
    } else {
      const rows = Object.entries(metrics).map(([k, v]) => `  ${k.padEnd(20)} ${Number.isInteger(v) ? v : v.toFixed(4)}`);
      process.stdout.write(`${args.checkpoint}: ${n} samples, ${sampler} ${steps} steps, CFG ${guidance}, seed ${seed}\n${rows.join('\n')}\n`);
      if (args.write) process.stdout.write(`recorded in ${args.checkpoint}/manifest.json as ${setting}/*\n`);
    }
    return metrics;
  } finally {
    denoiser.dispose();
  }
}

/** `dal eval` of a one-step generator: n balanced samples, one network evaluation each; `--write` records `onestep/*`. */
async function evaluateGenerator(args: EvalArgs): Promise<Record<string, number>> {
  const { n, seed } = args;
  const { generator, manifest } = loadGenerator(args.checkpoint);
  try {
    const t0 = Date.now();
    const samples = sampleGenerator(generator, { n, seed });
    const sampleSeconds = (Date.now() - t0) / 1000;
    const ev = Evaluator.load(teacherKind(manifest));
    let metrics: Record<string, number>;
    try {
      metrics = { ...scoreTeacherSamples(ev, samples), sample_seconds: sampleSeconds };
    } finally {
      ev.dispose();
    }
    if (args.write) updateModelMetrics(args.checkpoint, { ...Object.fromEntries(Object.entries(metrics).map(([k, v]) => [`onestep/${k}`, v])), 'onestep/n': n, 'onestep/seed': seed }, manifest.generator.cfgScale, GENERATOR_KIND);
    if (args.json) {
      process.stdout.write(`${JSON.stringify({ checkpoint: args.checkpoint, sampler: 'onestep', steps: 1, guidance: manifest.generator.cfgScale, n, seed, ...metrics })}\n`);
    } else {
      const rows = Object.entries(metrics).map(([k, v]) => `  ${k.padEnd(20)} ${Number.isInteger(v) ? v : v.toFixed(4)}`);
      process.stdout.write(`${args.checkpoint}: ${n} one-step samples (distilled at CFG ${manifest.generator.cfgScale}), seed ${seed}\n${rows.join('\n')}\n`);
      if (args.write) process.stdout.write(`recorded in ${args.checkpoint}/manifest.json as onestep/*\n`);
    }
    return metrics;
  } finally {
    generator.dispose();
  }
}
