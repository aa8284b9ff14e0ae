/**
 * `dal sample MODEL --n N [--label K | --prompt "…"] [--steps S] [--sampler ddim|ddpm|heun] [--guidance G] [--seed S]
 * [--clip LO,HI | none] --out FILE.npy` (DESIGN.md, "Interfaces"): N samples of a model into a float32 .npy, and when conditional
 * FILE.labels.npy (int32: the label, or for a prompt the class it names, e.g. a shapes prompt's shape · 5 + colour)
 * and, for a prompt, FILE.prompts.json (the N prompts).
 * MODEL is a built-in analytic prior (ring8) or, once teachers ship (issue 4), a checkpoint directory: models are
 * resolved by the `models` list below, to which a checkpoint loader is added.
 */
import { existsSync, writeFileSync } from 'node:fs';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import * as tf from '@tensorflow/tfjs-core';
import { withGuidance } from '../../core/diffusion/guidance.ts';
import { classId, parsePrompt } from '../../core/data/shapes/dataset.ts';
import type { Denoiser } from '../../core/diffusion/denoiser.ts';
import { DalError } from '../../core/errors.ts';
import { writeNpy } from '../../core/io/npy.ts';
import { Rng } from '../../core/rng.ts';
import { sample, SAMPLER_NAMES, type SamplerName } from '../../core/diffusion/samplers.ts';
import { evaluatedGuidance, isModelDir, loadModel, MODEL_MANIFEST } from '../../core/model/model-dir.ts';
import { promptVocabulary } from '../../core/data/conditional.ts';
import { checkPromptWords } from '../../core/text/tokenizer.ts';
import { makePrior } from '../../core/model/prior.ts';
import { isGeneratorDir, loadGenerator } from '../../distill/export.ts';
import type { Condition } from '../../core/diffusion/denoiser.ts';
import { BACKEND_NAMES, setupBackend, type BackendName } from '../backend.ts';

/** A model `dal sample` can draw from. */
export interface SampleModel {
  denoiser: Denoiser;
  /** Number of class labels (0: unconditional only). */
  numLabels: number;
  /** True when the model is conditioned on prompts (--prompt). */
  prompts?: boolean;
  /** True when the model is also conditioned on the orbit camera (--camera). */
  cameras?: boolean;
  /** The words its prompts may use (a prompt with another word is refused); undefined: no check. */
  vocabulary?: readonly string[];
  /** The guidance scale used without --guidance (a teacher's evaluated guidance); default 1. */
  guidance?: number;
  /** The class label a prompt names (written to FILE.labels.npy), or undefined when it names none. */
  labelOfPrompt?(prompt: string): number | undefined;
  /** Largest batch per sampler call (samples are drawn in chunks of this size); default: all at once. */
  maxBatch?: number;
  /** The range x̂₀ is clipped to at every sampler step by default (image teachers: their data range); default none. */
  clipX0?: [number, number];
  /**
   * A one-step generator's own sampler (`--sampler onestep`, its only one): n samples, one network evaluation each;
   * absent for diffusion models.
   */
  draw?(n: number, cond: Condition | null, rng: Rng): tf.Tensor;
  /** Maps the sampler's output to what is written (e.g. images from [−1, 1] to [0, 1]); default: as is. */
  toOutput?(x: tf.Tensor): tf.Tensor;
  dispose(): void;
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
      return { denoiser: prior, numLabels: prior.numLabels, guidance: prior.guidance, dispose: () => prior.dispose() };
    },
  },
  {
    describe: 'a one-step generator directory (e.g. checkpoints/mnist-dmd, distilled by `dmd`; --sampler onestep)',
    accepts: (spec) => isGeneratorDir(spec),
    load: (spec) => generatorSampleModel(spec),
  },
  {
    describe: 'a model directory (e.g. checkpoints/mnist-unet: manifest.json + weights.bin)',
    accepts: (spec) => isModelDir(spec),
    load: (spec) => teacherSampleModel(spec),
  },
];

interface SampleArgs {
  model: string;
  n: number;
  label?: number;
  prompt?: string;
  camera?: string;
  steps: number;
  sampler?: SamplerName | 'onestep';
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
      .option('camera', {
        type: 'string',
        describe: 'orbit camera "AZIMUTH,ELEVATION" in degrees, for a camera-conditioned teacher (checkpoints/shapes-unet-cam); default: none',
      })
      .option('steps', { type: 'number', default: 50, describe: 'sampler steps' })
      .option('sampler', {
        choices: [...SAMPLER_NAMES, 'onestep'],
        describe: 'sampler (default: ddim; onestep, the only one, for a one-step generator)',
      })
      .option('eta', { type: 'number', default: 0, describe: 'DDIM stochasticity η in [0, 1]' })
      .option('guidance', {
        type: 'number',
        describe: "classifier-free guidance scale (with --label or --prompt); default: the guidance a teacher checkpoint was evaluated at (its manifest's, 3 for the shipped teachers), 1 for ring8",
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
      .example('$0 sample checkpoints/mnist-dmd --n 100 --label 7 --sampler onestep --out x.npy', 'the distilled one-step generator: one network evaluation a sample')
      .example('$0 sample checkpoints/mnist-unet --n 100 --label 7 --out x.npy', "MNIST sevens [100,32,32,1] in [0, 1], at the teacher's evaluated guidance (3)")
      .example(
        '$0 sample checkpoints/shapes-unet --n 16 --prompt "a blue sphere, front view" --guidance 5 --out x.npy',
        'shapes [16,32,32,3] at CFG 5; also writes x.labels.npy (class shape·5 + colour) and x.prompts.json; a word the teacher does not know is refused',
      )
      .example(
        '$0 sample checkpoints/shapes-unet-cam --n 16 --prompt "a red cube, front view" --camera 30,15 --out x.npy',
        'the camera-conditioned teacher, seen from azimuth 30°, elevation 15°',
      ) as unknown as Argv<SampleArgs>,
  handler: async (args: ArgumentsCamelCase<SampleArgs>) => {
    await sampleToFile(args);
  },
};

/** Draws the samples and writes FILE.npy (+ FILE.labels.npy, + FILE.prompts.json for a prompt). */
export async function sampleToFile(args: SampleArgs): Promise<void> {
  const { n, steps, eta, seed, out } = args;
  if (!Number.isInteger(n) || n < 1) throw new DalError(`--n: expected a positive integer; given ${n}`);
  if (!Number.isInteger(steps) || steps < 1) throw new DalError(`--steps: expected a positive integer; given ${steps}`);
  if (!(eta >= 0 && eta <= 1)) throw new DalError(`--eta: expected a number in [0, 1]; given ${eta}`);
  if (args.guidance !== undefined && !Number.isFinite(args.guidance)) throw new DalError(`--guidance: expected a number; given ${args.guidance}`);
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
    const sampler = args.sampler ?? (model.draw ? 'onestep' : 'ddim');
    if (sampler === 'onestep' && !model.draw) throw new DalError(`--sampler onestep: ${args.model} is a diffusion model; use ddim, ddpm or heun (onestep is for a distilled generator)`);
    if (sampler !== 'onestep' && model.draw) throw new DalError(`--sampler ${sampler}: ${args.model} is a one-step generator; it samples only with --sampler onestep`);
    const label = args.label;
    if (label !== undefined && !(Number.isInteger(label) && label >= 0 && label < model.numLabels)) {
      throw new DalError(`--label: expected an integer in 0..${model.numLabels - 1} for ${args.model}; given ${label}`);
    }
    const prompt = args.prompt;
    if (prompt !== undefined && !model.prompts) throw new DalError(`--prompt: ${args.model} is not conditioned on prompts; use --label`);
    if (prompt !== undefined && label !== undefined) throw new DalError('--label and --prompt: give one condition, not both');
    if (prompt !== undefined && model.vocabulary) checkPromptWords(prompt, model.vocabulary, `--prompt (for ${args.model})`);
    const camera = args.camera === undefined ? undefined : parseCamera(args.camera);
    if (camera && !model.cameras) throw new DalError(`--camera: ${args.model} is not conditioned on cameras; drop --camera (or use checkpoints/shapes-unet-cam)`);
    const guidance = args.guidance ?? model.guidance ?? 1;
    const labels = label === undefined ? null : new Int32Array(n).fill(label);
    const promptLabel = prompt === undefined ? undefined : model.labelOfPrompt?.(prompt);
    const clipX0 = args.clip === undefined ? model.clipX0 : parseClip(args.clip);
    const t0 = Date.now();
    const rng = new Rng(seed);
    const chunk = Math.min(n, model.maxBatch ?? n);
    const parts: tf.Tensor[] = [];
    for (let start = 0; start < n; start += chunk) {
      const m = Math.min(chunk, n - start);
      let cond: Condition | null = labels ? { labels: labels.subarray(start, start + m) } : prompt !== undefined ? { prompts: new Array<string>(m).fill(prompt) } : null;
      if (camera) cond = { ...cond, cameras: Float32Array.from({ length: 2 * m }, (_, i) => camera[i % 2]) };
      parts.push(
        tf.tidy(() => {
          if (sampler === 'onestep') return model.toOutput ? model.toOutput(model.draw!(m, cond, rng)) : model.draw!(m, cond, rng);
          const guided = withGuidance(model.denoiser, guidance);
          const x = sample(guided, m, { sampler, steps, eta, cond, rng, clipX0 });
          return model.toOutput ? model.toOutput(x) : x;
        }),
      );
    }
    const x = parts.length === 1 ? parts[0] : tf.concat(parts);
    writeNpy(out, x.dataSync() as Float32Array, [...x.shape]);
    tf.dispose([x, ...parts]);
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
    const cfg = sampler !== 'onestep' && (labels || prompt !== undefined) ? `, guidance ${guidance}${args.guidance === undefined ? ' (default)' : ''}` : '';
    const how = sampler === 'onestep' ? 'one step' : `${sampler} ${steps} steps`;
    process.stdout.write(`wrote ${written.join(', ')} (${n} samples, ${how}${cfg}, ${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
  } finally {
    model.dispose();
  }
}

/** `--clip`: "none" or "LO,HI" with LO < HI. */
export function parseClip(spec: string): [number, number] | undefined {
  if (spec.trim() === 'none') return undefined;
  const pair = finitePair(spec);
  if (!pair || !(pair[0] < pair[1])) throw new DalError(`--clip: expected "LO,HI" with LO < HI (e.g. "-1,1") or "none"; given "${spec}"`);
  return pair;
}

/** "AZ,EL" in degrees → [azimuth, elevation]. */
export function parseCamera(spec: string): [number, number] {
  const pair = finitePair(spec);
  if (!pair || !(pair[1] >= -90 && pair[1] <= 90)) {
    throw new DalError(`--camera: expected "AZIMUTH,ELEVATION" in degrees with elevation in [-90, 90] (e.g. "30,15"); given "${spec}"`);
  }
  return pair;
}

/** "A,B" → [A, B] when both are finite numbers, else null. */
function finitePair(spec: string): [number, number] | null {
  const parts = spec.split(',').map((v) => Number(v.trim()));
  return parts.length === 2 && parts.every(Number.isFinite) ? [parts[0], parts[1]] : null;
}

/** A trained teacher's model directory as a `SampleModel`: images written in [0, 1]. */
function teacherSampleModel(dir: string): SampleModel {
  const { denoiser, manifest } = loadModel(dir);
  const [lo, hi] = manifest.data.range;
  return {
    denoiser,
    numLabels: denoiser.architecture.unet.numClasses,
    prompts: denoiser.conditioning === 'prompt',
    cameras: denoiser.architecture.camera,
    vocabulary: denoiser.conditioning === 'prompt' ? promptVocabulary(manifest.data.name) : undefined,
    guidance: evaluatedGuidance(manifest),
    labelOfPrompt: (p) => {
      if (manifest.data.name !== 'shapes') return undefined;
      const parsed = parsePrompt(p);
      return parsed ? classId(parsed) : undefined;
    },
    maxBatch: 250,
    clipX0: [lo, hi],
    toOutput: (x) => tf.tidy(() => tf.clipByValue(tf.div(tf.sub(x, lo), hi - lo), 0, 1)),
    dispose: () => denoiser.dispose(),
  };
}

/** A distilled one-step generator as a `SampleModel` (its `draw`; images written in [0, 1]). */
function generatorSampleModel(dir: string): SampleModel {
  const { generator, manifest } = loadGenerator(dir);
  const [lo, hi] = manifest.data.range;
  return {
    denoiser: generator.net,
    numLabels: generator.net.architecture.unet.numClasses,
    prompts: generator.net.conditioning === 'prompt',
    labelOfPrompt: (p) => {
      if (manifest.data.name !== 'shapes') return undefined;
      const parsed = parsePrompt(p);
      return parsed ? classId(parsed) : undefined;
    },
    maxBatch: 250,
    draw: (n, cond, rng) => generator.draw(n, cond, rng),
    toOutput: (x) => tf.tidy(() => tf.clipByValue(tf.div(tf.sub(x, lo), hi - lo), 0, 1)),
    dispose: () => generator.dispose(),
  };
}
