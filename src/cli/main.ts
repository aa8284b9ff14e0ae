/**
 * The `dal` command line. Commands are an explicit list (no registration by import side effect); each lives in
 * ./commands/<name>.ts and exports a yargs CommandModule.
 *
 * Errors: a `DalError` (bad config, missing file, corrupt checkpoint, interrupted run) prints its message alone and
 * exits with its code; anything else prints a short message, and the stack only with DAL_DEBUG=1.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import type { CommandModule } from 'yargs';
import { DalError } from '../core/errors.ts';
/**
 * name → the command's module, imported on demand: `dal view` or `dal --help` for one command then loads only that
 * command (the viewer does not pay for TensorFlow.js and the native addon); a bare `dal` or `dal --help` loads all.
 */
const loaders: Record<string, () => Promise<CommandModule<any, any>>> = {
  run: async () => (await import('./commands/run.ts')).runCommand,
  sample: async () => (await import('./commands/sample.ts')).sampleCommand,
  eval: async () => (await import('./commands/eval.ts')).evalCommand,
  export: async () => (await import('./commands/export.ts')).exportCommand,
  view: async () => (await import('./commands/view.ts')).viewCommand,
  bench: async () => (await import('./commands/bench.ts')).benchCommand,
};
const first = hideBin(process.argv)[0];
const commands = first !== undefined && Object.hasOwn(loaders, first) ? [await loaders[first]()] : await Promise.all(Object.values(loaders).map((load) => load()));

/** Usage mistakes (unknown option, missing argument) exit with this code, like DalError's default. */
const EXIT_USAGE = 2;

try {
  await yargs(hideBin(process.argv))
    .scriptName('dal')
    .usage('dal — diffusion as a loss: frozen diffusion priors for SDS/DreamFusion and DMD\n\nUsage: $0 <command> [options]')
    .command(commands)
    .demandCommand(1, 'Name a command: dal <command> --help shows its options.')
    .recommendCommands()
    .strict()
    .help()
    .alias('help', 'h')
    .version(false)
    .example('$0 run configs/toy/ring8-sds.yaml', 'SDS against the analytic ring8 prior')
    .example('$0 run configs/dreamfusion/red-cube.yaml', 'DreamFusion: a red cube from the shapes teacher (npm start)')
    .example('$0 sample ring8 --n 4096 --sampler ddim --steps 50 --out x.npy', 'samples of the ring8 prior')
    .epilog('dal <command> --help shows the options and examples of a command. DAL_DEBUG=1 shows stack traces.')
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .fail((msg, err) => {
      if (err) throw err;
      process.stderr.write(`dal: ${msg}\n(dal --help shows the usage)\n`);
      process.exit(EXIT_USAGE);
    })
    .parseAsync();
} catch (err) {
  process.exitCode = report(err);
}

/** Prints an error for the user; returns the exit code. */
function report(err: unknown): number {
  if (err instanceof DalError) {
    process.stderr.write(`dal: ${err.message}\n`);
    if (process.env.DAL_DEBUG === '1' && err.stack) process.stderr.write(`${err.stack}\n`);
    return err.exitCode;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  process.stderr.write(`dal: unexpected error: ${e.message}\n`);
  if (process.env.DAL_DEBUG === '1') process.stderr.write(`${e.stack ?? ''}\n`);
  else process.stderr.write('(run with DAL_DEBUG=1 for the stack trace)\n');
  return 1;
}
