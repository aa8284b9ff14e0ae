/**
 * `dal sample MODEL --n N [--label K | --prompt "…"] [--steps S] [--sampler ddim|ddpm|heun|onestep] [--guidance G]
 * [--seed S] [--clip LO,HI | none] --out FILE.npy` (DESIGN.md, "Interfaces"): N samples of a model into a float32 .npy,
 * and when conditional FILE.labels.npy (int32: the label, or for a prompt the class it names, e.g. a shapes prompt's
 * shape · 5 + colour) and, for a prompt, FILE.prompts.json (the N prompts).
 * MODEL is a built-in analytic prior (ring8) or a model directory of any kind (`MODEL_KINDS`); either becomes a
 * `SampleSource` (src/core/model/sample-source.ts), whose `draw` does the sampling.
 */
import { existsSync, writeFileSync } from 'node:fs';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import * as tf from '@tensorflow/tfjs-core';
import { classId, parsePrompt } from '../../core/data/shapes/dataset.ts';
import { DalError } from '../../core/errors.ts';
import { writeNpy } from '../../core/io/npy.ts';
import { Rng } from '../../core/rng.ts';
import { isModelDir, MODEL_MANIFEST, openSampleSource, readModelManifest } from '../../core/model/model-dir.ts';
import { denoiserSource, SAMPLER_CHOICES, toUnitRange, type SampleSource, type SamplerChoice } from '../../core/model/sample-source.ts';
import { makePrior } from '../../core/model/prior.ts';
import { BACKEND_NAMES, setupBackend, type BackendName } from '../backend.ts';

/** A model `dal sample` can draw from: a sample source, and for prompt models the class a prompt names. */
export interface SampleModel extends SampleSource {
  /** The class label a prompt names (written to FILE.labels.npy), or undefined when it names none. */
  labelOfPrompt?(prompt: string): number | undefined;
}

/** How a MODEL argument becomes a model; the first loader that accepts it wins. */
export interface ModelLoader {
  /** e.g. "ring8" or "a checkpoint directory"; shown in --help and errors. */
  describe: string;
  accepts(spec: string): boolean;
  load(spec: string): Promise<SampleModel> | SampleModel;
}

export const models: ModelLoader[] = [
  {
    describe: 'ring8 (analytic: 8 Gaussians of std 0.1 on the circle of radius 2, cosine schedule)',
    accepts: (spec) => spec === 'ring8',
    load: () => {
      const prior = makePrior({ type: 'ring', n: 8, radius: 2, std: 0.1 });
      return denoiserSource(prior, prior);
    },
  },
  {
    describe: 'a model directory (e.g. checkpoints/mnist-unet: manifest.json + weights.bin)',
    accepts: (spec) => isModelDir(spec),
    load: (spec) => {
      const source = openSampleSource(spec);
      const data = readModelManifest(spec).data.name;
      return {
        ...source,
        labelOfPrompt: (p: string) => {
          if (data !== 'shapes') return undefined;
          const parsed = parsePrompt(p);
          return parsed ? classId(parsed) : undefined;
        },
      };
    },
  },
];

interface SampleArgs {
  model: string;
  n: number;
  label?: number;
  prompt?: string;
  steps: number;
  sampler: SamplerChoice;
  eta: number;
  guidance?: number;
  seed: number;
  clip?: string;
  out: string;
  backend?: BackendName;
}

export const sampleCommand: CommandModule<object, SampleArgs> = {
  command: 'sample <model>',
  describe: 'Draw samples of a model into a .npy file',
  builder: (y: Argv) =>
    y
      .positional('model', { type: 'string', demandOption: true, describe: `the model: ${models.map((m) => m.describe).join('; ')}` })
      .option('n', { type: 'number', demandOption: true, describe: 'number of samples' })
      .option('label', { type: 'number', describe: 'class label to condition on (default: unconditional)' })
      .option('prompt', { type: 'string', describe: 'prompt to condition on, for prompt-conditioned models (e.g. "a blue sphere, front view")' })
      .option('steps', { type: 'number', default: 50, describe: 'sampler steps' })
      .option('sampler', { choices: SAMPLER_CHOICES, default: 'ddim' as SamplerChoice, describe: 'sampler (onestep: a one-step generator)' })
      .option('eta', { type: 'number', default: 0, describe: 'DDIM stochasticity η in [0, 1]' })
      .option('guidance', {
        type: 'number',
        describe: "classifier-free guidance scale (with --label or --prompt); default: a checkpoint's evaluated guidance (dal eval --write; 3 for the shipped teachers), else 1",
      })
      .option('seed', { type: 'number', default: 0, describe: 'random seed' })
      .option('clip', {
        type: 'string',
        describe: 'clip x̂₀ to "LO,HI" at every step, or "none" (default: the data range of a teacher checkpoint, none for ring8)',
      })
      .option('out', { type: 'string', demandOption: true, describe: 'output .npy file ([N, ...sample shape], float32)' })
      .option('backend', { choices: BACKEND_NAMES, describe: 'tfjs backend (default: the fastest available)' })
      .example('$0 sample ring8 --n 4096 --sampler ddim --steps 50 --out x.npy', 'unconditional samples')
      .example('$0 sample ring8 --n 512 --label 3 --guidance 2 --out x.npy', 'component 3 with CFG 2; also writes x.labels.npy')
      .example('$0 sample ring8 --n 4096 --sampler ddpm --steps 1000 --out x.npy', 'ancestral sampling')
      .example('$0 sample checkpoints/mnist-unet --n 100 --label 7 --guidance 3 --out x.npy', 'MNIST sevens [100,32,32,1] in [0, 1]')
      .example(
        '$0 sample checkpoints/shapes-unet --n 16 --prompt "a blue sphere, front view" --guidance 3 --out x.npy',
        'shapes [16,32,32,3]; also writes x.labels.npy (class shape·5 + colour) and x.prompts.json',
      ) as unknown as Argv<SampleArgs>,
  handler: async (args: ArgumentsCamelCase<SampleArgs>) => {
    await sampleToFile(args);
  },
};

/** Draws the samples and writes FILE.npy (+ FILE.labels.npy, + FILE.prompts.json for a prompt). */
export async function sampleToFile(args: SampleArgs): Promise<void> {
  const { n, steps, eta, guidance, seed, out, sampler } = args;
  if (!Number.isInteger(n) || n < 1) throw new DalError(`--n: expected a positive integer; given ${n}`);
  if (!Number.isInteger(steps) || steps < 1) throw new DalError(`--steps: expected a positive integer; given ${steps}`);
  if (!(eta >= 0 && eta <= 1)) throw new DalError(`--eta: expected a number in [0, 1]; given ${eta}`);
  if (guidance !== undefined && !Number.isFinite(guidance)) throw new DalError(`--guidance: expected a number; given ${guidance}`);
  if (!Number.isInteger(seed) || seed < 0) throw new DalError(`--seed: expected a non-negative integer; given ${seed}`);
  if (!out.endsWith('.npy')) throw new DalError(`--out: expected a file name ending in .npy; given ${out}`);
  const loader = models.find((m) => m.accepts(args.model));
  if (!loader) {
    const why = existsSync(args.model) ? `${args.model} has no ${MODEL_MANIFEST}` : 'no such built-in model or directory';
    throw new DalError(`unknown model "${args.model}" (${why}); available: ${models.map((m) => m.describe).join('; ')}`);
  }
  await setupBackend(args.backend);
  const model = await loader.load(args.model);
  try {
    const label = args.label;
    if (label !== undefined && !(Number.isInteger(label) && label >= 0 && label < model.numLabels)) {
      throw new DalError(`--label: expected an integer in 0..${model.numLabels - 1} for ${args.model}; given ${label}`);
    }
    const prompt = args.prompt;
    if (prompt !== undefined && model.conditioning !== 'prompt') throw new DalError(`--prompt: ${args.model} is not conditioned on prompts; use --label`);
    if (prompt !== undefined && label !== undefined) throw new DalError('--label and --prompt: give one condition, not both');
    const labels = label === undefined ? null : new Int32Array(n).fill(label);
    if (!model.samplers.includes(sampler)) {
      throw new DalError(`--sampler ${sampler}: ${args.model} samples with ${model.samplers.join(', ')}`);
    }
    const promptLabel = prompt === undefined ? undefined : model.labelOfPrompt?.(prompt);
    const clipX0 = args.clip === undefined ? undefined : (parseClip(args.clip) ?? null);
    const t0 = Date.now();
    const cond = labels ? { labels } : prompt !== undefined ? { prompts: new Array<string>(n).fill(prompt) } : null;
    const x = tf.tidy(() => {
      const drawn = model.draw(n, { sampler, steps, eta, guidance, cond, rng: new Rng(seed), clipX0 });
      return model.range ? toUnitRange(drawn, model.range) : drawn;
    });
    writeNpy(out, x.dataSync() as Float32Array, [...x.shape]);
    x.dispose();
    const written = [out];
    const labelsFile = out.replace(/\.npy$/, '.labels.npy');
    if (labels) {
      writeNpy(labelsFile, labels, [n]);
      written.push(labelsFile);
    } else if (promptLabel !== undefined) {
      writeNpy(labelsFile, new Int32Array(n).fill(promptLabel), [n]);
      written.push(labelsFile);
    }
    if (prompt !== undefined) {
      const promptsFile = out.replace(/\.npy$/, '.prompts.json');
      writeFileSync(promptsFile, `${JSON.stringify(new Array<string>(n).fill(prompt))}\n`);
      written.push(promptsFile);
    }
    process.stdout.write(`wrote ${written.join(', ')} (${n} samples, ${sampler} ${steps} steps, ${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
  } finally {
    model.dispose();
  }
}

/** `--clip`: "none" or "LO,HI" with LO < HI. */
export function parseClip(spec: string): [number, number] | undefined {
  if (spec.trim() === 'none') return undefined;
  const parts = spec.split(',').map((v) => Number(v.trim()));
  if (parts.length !== 2 || !parts.every(Number.isFinite) || !(parts[0] < parts[1])) {
    throw new DalError(`--clip: expected "LO,HI" with LO < HI (e.g. "-1,1") or "none"; given "${spec}"`);
  }
  return [parts[0], parts[1]];
}
