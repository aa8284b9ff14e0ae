/**
 * `dal export RUN_DIR [--resolution N] [--threshold T]`: re-extracts a DreamFusion run's mesh and turntable from its
 * latest checkpoint with other settings (src/nerf/export.ts), and prints the scores.
 */
import { existsSync } from 'node:fs';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { DalError } from '../../core/errors.ts';
import { loadConfig } from '../../core/train/config/load.ts';
import { formatNumber } from '../../core/train/progress.ts';
import { CONFIG_FILE, RunDir } from '../../core/train/run.ts';
import { exportCheckpoint } from '../../nerf/export.ts';
import { runConfig } from '../../systems.ts';
import { BACKEND_NAMES, setupBackend, type BackendName } from '../backend.ts';

interface ExportArgs {
  run: string;
  resolution?: number;
  threshold?: number;
  backend?: BackendName;
}

export const exportCommand: CommandModule<object, ExportArgs> = {
  command: 'export <run>',
  describe: "Re-extract a DreamFusion run's mesh and turntable from its latest checkpoint",
  builder: (y: Argv) =>
    y
      .positional('run', { type: 'string', demandOption: true, describe: 'a dreamfusion run directory' })
      .option('resolution', { type: 'number', describe: "marching-cubes grid resolution per axis (default: the run's config)" })
      .option('threshold', { type: 'number', describe: "density threshold σ of the surface (default: the run's config)" })
      .option('backend', { choices: BACKEND_NAMES, describe: 'tfjs backend (default: the fastest available)' })
      .example('$0 export runs/red-cube-20260101-120000', 'the mesh and turntable again, with the config settings')
      .example('$0 export runs/red-cube-20260101-120000 --resolution 128 --threshold 10', 'a finer, tighter mesh') as unknown as Argv<ExportArgs>,
  handler: async (args: ArgumentsCamelCase<ExportArgs>) => {
    const { resolution, threshold } = args;
    if (resolution !== undefined && !(Number.isInteger(resolution) && resolution >= 8 && resolution <= 512)) {
      throw new DalError(`--resolution: expected an integer in [8, 512]; given ${resolution}`);
    }
    if (threshold !== undefined && !(threshold > 0)) throw new DalError(`--threshold: expected a positive number; given ${threshold}`);
    if (!existsSync(`${args.run}/${CONFIG_FILE}`)) throw new DalError(`${args.run} is not a run directory (no ${CONFIG_FILE} in it)`);
    const cfg = loadConfig(runConfig, `${args.run}/${CONFIG_FILE}`);
    if (cfg.system.type !== 'dreamfusion') throw new DalError(`${args.run} is a ${cfg.system.type} run; dal export needs a dreamfusion run`);
    await setupBackend(args.backend);
    const run = RunDir.open(args.run);
    const metrics = await exportCheckpoint(run, cfg.system, { resolution, threshold });
    process.stdout.write(
      `exported ${args.run}: turntable.npy, images/turntable.png, density.npy, mesh.ply, mesh.glb\n  ${Object.entries(metrics)
        .map(([k, v]) => `${k}=${formatNumber(v)}`)
        .join(' ')}\n`,
    );
  },
};
