/**
 * The `dal` command line. Commands are an explicit list (no registration by import side effect); each lives in
 * ./commands/<name>.ts and exports a yargs CommandModule.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import type { CommandModule } from 'yargs';

const commands: CommandModule<any, any>[] = [];

await yargs(hideBin(process.argv))
  .scriptName('dal')
  .command(commands)
  .demandCommand(1, 'Name a command: dal <command> --help shows its options.')
  .strict()
  .help()
  .alias('help', 'h')
  .version(false)
  .wrap(Math.min(110, process.stdout.columns ?? 110))
  .parseAsync();
