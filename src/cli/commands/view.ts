/**
 * `dal view PATH [--port N] [--host 127.0.0.1] [--open]`: a local three.js viewer for one run or a directory of runs
 * (meshes, turntables, images, curves), following the runs live.
 */
import { spawn } from 'node:child_process';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { DalError } from '../../core/errors.ts';
import { DEFAULT_HOST, DEFAULT_PORT, isLoopback, startViewer } from '../../viewer/server.ts';

interface ViewArgs {
  path: string;
  port: number;
  host: string;
  open: boolean;
}

export const viewCommand: CommandModule<object, ViewArgs> = {
  command: 'view <path>',
  describe: 'Open a browser viewer of a run or a directory of runs (mesh, turntable, images, curves), live',
  builder: (y: Argv) =>
    y
      .positional('path', { type: 'string', demandOption: true, describe: 'a run directory, or a directory of runs (e.g. runs/)' })
      .option('port', { type: 'number', default: DEFAULT_PORT, describe: 'port to listen on (0: a free one)' })
      .option('host', {
        type: 'string',
        default: DEFAULT_HOST,
        describe: 'address to listen on; anything but loopback makes the runs readable from the network',
      })
      .option('open', { type: 'boolean', default: false, describe: 'open the page in a browser' })
      .example('$0 view runs/', 'every run under runs/, with a run list')
      .example('$0 view runs/dreamfusion-20260101-120000 --open', 'one run, opened in the browser')
      .example('$0 view runs/ --port 0', 'on a free port (printed)')
      .epilog('The page follows the runs live: new meshes, images and curves appear as they are written. Ctrl-C stops the server.') as unknown as Argv<ViewArgs>,
  handler: async (args: ArgumentsCamelCase<ViewArgs>) => {
    await view(args);
  },
};

async function view(args: ViewArgs): Promise<void> {
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) {
    throw new DalError(`--port ${args.port} is not a port: give an integer from 1 to 65535, or 0 for a free one`);
  }
  const viewer = await startViewer({ root: args.path, host: args.host, port: args.port });
  if (!isLoopback(args.host)) {
    process.stderr.write(
      `dal view: WARNING: listening on ${args.host}, not loopback: anyone who can reach this machine on port ` +
        `${viewer.port} can read the runs under ${args.path}. Leave out --host to stay on 127.0.0.1.\n`,
    );
  }
  const n = viewer.runIds().length;
  process.stdout.write(`dal view: ${n} run${n === 1 ? '' : 's'} under ${args.path}${n === 0 ? ' (new runs appear as they start)' : ''}\n`);
  process.stdout.write(`dal view: open ${viewer.url}  (Ctrl-C to stop)\n`);
  if (args.open) openBrowser(viewer.url);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void viewer.close().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** Opens `url` with the platform's opener, if there is one; otherwise says so. */
function openBrowser(url: string): void {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  const child = spawn(cmd, [url], { stdio: 'ignore', detached: true });
  child.on('error', () => process.stderr.write(`dal view: no browser opener (${cmd}) found; open ${url} yourself\n`));
  child.on('exit', (code) => {
    if (code) process.stderr.write(`dal view: ${cmd} could not open a browser (exit code ${code}); open ${url} yourself\n`);
  });
  child.unref();
}
