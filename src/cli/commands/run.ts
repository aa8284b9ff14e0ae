/**
 * `dal run CONFIG.yaml [--out DIR] [--set a.b=v]… [--resume] [--seed N] [--backend …]`: one experiment into a run
 * directory (DESIGN.md, "Interfaces"). The config is validated before anything is created, so a bad config leaves no
 * run directory behind.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { relative } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { configToYaml, loadConfig, parseSet } from '../../core/train/config/load.ts';
import { DalError } from '../../core/errors.ts';
import { formatNumber } from '../../core/train/progress.ts';
import { CONFIG_FILE, RunDir, type Metrics } from '../../core/train/run.ts';
import { train } from '../../core/train/trainer.ts';
import { createSystem, runConfig, systemDescriptions, type RunConfig } from '../../systems.ts';
import { BACKEND_NAMES, setupBackend, type BackendName } from '../backend.ts';

interface RunArgs {
  config: string;
  out?: string;
  set: string[];
  resume: boolean;
  seed?: number;
  backend?: BackendName;
}

export const runCommand: CommandModule<object, RunArgs> = {
  command: 'run <config>',
  describe: 'Run one experiment (a YAML config) into a run directory',
  builder: (y: Argv) =>
    y
      .positional('config', {
        type: 'string',
        demandOption: true,
        describe: 'experiment config (YAML), or with --resume a run directory',
      })
      .option('out', { type: 'string', describe: 'run directory (default: runs/<config name>-<YYYYMMDD-HHMMSS>)' })
      .option('set', {
        type: 'string',
        array: true,
        default: [],
        describe: 'override a config value: --set key.path=value (value parsed as YAML; repeatable)',
      })
      .option('resume', {
        type: 'boolean',
        default: false,
        describe: 'continue the run in the run directory (positional or --out) from its latest checkpoint',
      })
      .option('seed', { type: 'number', describe: 'override the config seed' })
      .option('backend', { choices: BACKEND_NAMES, describe: 'tfjs backend (default: the fastest available)' })
      .example('$0 run configs/toy/ring8-sds.yaml', 'SDS on the ring8 prior into runs/ring8-sds-<time>')
      .example('$0 run configs/toy/ring8-sample.yaml --set system.sampler=heun --set system.steps=25', 'override settings')
      .example('$0 run configs/toy/ring8-sds.yaml --set "system.sds.tMax=[0, 0.98, 0.1, 1400]"', 'a ramped setting')
      .example('$0 run runs/ring8-sds-20250101-120000 --resume', 'continue an interrupted run')
      .epilog(
        `Systems (config system.type):\n${Object.entries(systemDescriptions)
          .map(([k, v]) => `  ${k}: ${v}`)
          .join('\n')}\n\nNumeric settings may be schedules: a ramp [startStep, startValue, endValue, endStep] or an ` +
          `expression in step and steps, e.g. "0.98 - 0.88 * min(step / (0.7 * steps), 1)".`,
      ) as unknown as Argv<RunArgs>,
  handler: async (args: ArgumentsCamelCase<RunArgs>) => {
    await runExperiment(args);
  },
};

/** Runs (or resumes) one experiment; returns its metrics and run directory. */
export async function runExperiment(args: RunArgs): Promise<{ metrics: Metrics; run: RunDir }> {
  const t0 = Date.now();
  const sets = args.set.map(parseSet);
  if (args.seed !== undefined) sets.push(parseSet(`seed=${args.seed}`));

  let run: RunDir;
  let cfg: RunConfig;
  let resume = false;
  let backend: string;
  const resumeDir = args.resume ? resumeTarget(args) : undefined;
  if (resumeDir !== undefined && existsSync(`${resumeDir}/${CONFIG_FILE}`)) {
    if (sets.length) throw new DalError('--set and --seed cannot change a run being resumed; start a new run instead');
    cfg = loadConfig(runConfig, `${resumeDir}/${CONFIG_FILE}`);
    backend = await setupBackend(args.backend);
    run = RunDir.open(resumeDir);
    if (run.finished) {
      process.stdout.write(`${run.root} has already finished (metrics.json exists); nothing to resume.\n`);
      return { metrics: run.readMetrics(), run };
    }
    resume = true;
  } else {
    if (isDirectory(args.config)) {
      throw new DalError(`${args.config} is a directory: pass a config file (YAML), or --resume to continue a run there`);
    }
    cfg = loadConfig(runConfig, args.config, sets);
    backend = await setupBackend(args.backend);
    run = RunDir.create(args.out ?? resumeDir ?? RunDir.defaultPath(cfg.name), configToYaml(cfg));
  }

  const log = (line: string) => process.stderr.write(`${line}\n`);
  log(`${resume ? 'resuming' : 'running'} ${cfg.name} (${cfg.system.type}, ${cfg.trainer.steps} steps, seed ${cfg.seed}, ${backend} backend) in ${display(run.root)}`);
  const ctx = { seed: cfg.seed, steps: cfg.trainer.steps, run, log };
  const system = await createSystem(cfg.system, ctx);
  let metrics: Metrics;
  try {
    metrics = await train(system, cfg.trainer, ctx, { resume, configYaml: configToYaml(cfg), label: cfg.name });
  } finally {
    system.dispose();
  }
  printSummary(run, metrics, (Date.now() - t0) / 1000);
  return { metrics, run };
}

/** The run directory `--resume` refers to: the positional argument if it is a directory, else --out. */
function resumeTarget(args: RunArgs): string {
  if (isDirectory(args.config)) return args.config;
  if (args.out !== undefined) return args.out;
  throw new DalError(`--resume needs a run directory: dal run RUN_DIR --resume (or CONFIG --out RUN_DIR --resume)`);
}

function isDirectory(p: string): boolean {
  return existsSync(p) && statSync(p).isDirectory();
}

function display(p: string): string {
  const r = relative(process.cwd(), p);
  return r && !r.startsWith('..') ? r : p;
}

function printSummary(run: RunDir, metrics: Metrics, seconds: number): void {
  const dir = display(run.root);
  const files = readdirSync(run.root).filter((f) => f.endsWith('.npy'));
  const meshes = readdirSync(run.root).filter((f) => f.endsWith('.ply') || f.endsWith('.glb'));
  const lines = [
    `finished in ${seconds.toFixed(1)} s; outputs in ${dir}/`,
    `  metrics.json   ${Object.entries(metrics)
      .filter(([k]) => !/^(share|spread)\d+$/.test(k))
      .map(([k, v]) => `${k}=${formatNumber(v)}`)
      .join(' ')}`,
    ...files.map((f) => `  ${f.padEnd(14)} (numpy: np.load('${dir}/${f}'))`),
    ...meshes.map((f) => `  ${f.padEnd(14)} (mesh: ${f.endsWith('.ply') ? 'binary PLY, vertex colours' : 'glTF 2.0 binary, COLOR_0'})`),
    `  images/        PNG figures`,
    `  config.yaml    the resolved config; checkpoints/ the latest checkpoint and the one before`,
    `view the logs:   tensorboard --logdir ${dir}`,
    ...(meshes.length ? [`view the result: npx dal view ${dir}   (the mesh, turntable and curves in a browser)`] : []),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
