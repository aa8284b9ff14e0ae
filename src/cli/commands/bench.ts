/**
 * `dal bench`: the four workloads of ../shared/bench/WORKLOADS.md on a backend, optionally side by side with the
 * PyTorch peer. stdout carries exactly one JSON object (the peer's shape); progress and the table go to stderr.
 */
import type { CommandModule } from 'yargs';
import { DalError } from '../../core/errors.ts';
import { formatTable, runBench } from '../../bench/run.ts';
import { WORKLOAD_NAMES, type WorkloadName } from '../../bench/workload.ts';

interface BenchArgs {
  backend?: string;
  only: string;
  peer: boolean;
  threads: number;
  json: boolean;
  quick: boolean;
  seed: number;
}

export const benchCommand: CommandModule<object, BenchArgs> = {
  command: 'bench',
  describe: 'Time the gemm, conv, unet and nerf workloads (JSON on stdout; --peer adds PyTorch side by side)',
  builder: (y) =>
    y
      .option('backend', { type: 'string', describe: 'native, cpu, tensorflow, tensorflow-gpu (default: native if built, else cpu)' })
      .option('only', { type: 'string', default: WORKLOAD_NAMES.join(','), describe: 'comma-separated workloads' })
      .option('peer', { type: 'boolean', default: false, describe: 'also run ../shared/bench/peer_torch.py, alternating' })
      .option('threads', { type: 'number', default: 2, describe: 'threads (DAL_NUM_THREADS unless set; the peer\'s --threads)' })
      .option('json', { type: 'boolean', default: false, describe: 'JSON only: no progress or table on stderr' })
      .option('quick', { type: 'boolean', default: false, describe: 'tiny sizes, one rep (a smoke test; numbers mean nothing)' })
      .option('seed', { type: 'number', default: 0 }) as never,
  handler: async (args) => {
    const only = args.only.split(',').map((s) => s.trim()).filter(Boolean);
    for (const name of only) {
      if (!(WORKLOAD_NAMES as readonly string[]).includes(name)) {
        throw new DalError(`--only: unknown workload '${name}' (choose from ${WORKLOAD_NAMES.join(', ')})`);
      }
    }
    if (!Number.isInteger(args.threads) || args.threads < 1) {
      throw new DalError(`--threads: expected a positive integer, got ${args.threads}`);
    }
    const log = args.json ? () => {} : (msg: string) => process.stderr.write(msg + '\n');
    const report = await runBench(
      { backend: args.backend, only: only as WorkloadName[], peer: args.peer, threads: args.threads, quick: args.quick, seed: args.seed },
      log,
    );
    if (!args.json) process.stderr.write('\n' + formatTable(report) + '\n\n');
    process.stdout.write(JSON.stringify(report) + '\n');
  },
};
