/**
 * `dal bench`: the workloads of README "Performance" (gemm, conv, unet, nerf, sds, dmd) on a backend, optionally side
 * by side with the repository's PyTorch peer (src/bench/peer_torch.py), alternating `--repeat` times. stdout carries
 * exactly one JSON object (the peer's shape, plus per-run figures); progress and the table go to stderr.
 */
import type { CommandModule } from 'yargs';
import { DalError } from '../../core/errors.ts';
import { PEER_SCRIPT } from '../../bench/peer.ts';
import { formatTable, runBench } from '../../bench/run.ts';
import { WORKLOAD_NAMES, type WorkloadName } from '../../bench/workload.ts';

interface BenchArgs {
  backend?: string;
  only: string;
  peer: boolean;
  peerScript?: string;
  repeat: number;
  threads: number;
  json: boolean;
  quick: boolean;
  seed: number;
}

/** Runs per side by default: about 4 minutes for all six workloads with --peer on a quiet 2-core machine. */
export const DEFAULT_REPEAT = 3;

export const benchCommand: CommandModule<object, BenchArgs> = {
  command: 'bench',
  describe: `Time the ${WORKLOAD_NAMES.join(', ')} workloads (JSON on stdout; --peer adds PyTorch side by side)`,
  builder: (y) =>
    y
      .option('backend', { type: 'string', describe: 'native, cpu, tensorflow, tensorflow-gpu (default: native if built, else cpu)' })
      .option('only', { type: 'string', default: WORKLOAD_NAMES.join(','), describe: 'comma-separated workloads' })
      .option('peer', { type: 'boolean', default: false, describe: 'also run the PyTorch peer (src/bench/peer_torch.py, /usr/bin/python3 with torch), alternating with dal' })
      .option('peer-script', { type: 'string', describe: `another peer script with the same command line and JSON (default ${PEER_SCRIPT})` })
      .option('repeat', { type: 'number', default: DEFAULT_REPEAT, describe: 'runs per side and workload (dal, peer, dal, peer, …); the table shows median [min–max]' })
      .option('threads', { type: 'number', default: 2, describe: "threads (DAL_NUM_THREADS unless set; the peer's --threads)" })
      .option('json', { type: 'boolean', default: false, describe: 'JSON only: no progress or table on stderr' })
      .option('quick', { type: 'boolean', default: false, describe: 'tiny sizes, one rep (a smoke test; numbers mean nothing)' })
      .option('seed', { type: 'number', default: 0 })
      .example('$0 bench --peer', `every workload, dal and PyTorch alternating ${DEFAULT_REPEAT} times each`)
      .example('$0 bench --peer --repeat 5 --only unet,dmd', 'two workloads, 5 runs a side')
      .example('$0 bench --only gemm --json', 'dal alone, JSON only') as never,
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
    if (!Number.isInteger(args.repeat) || args.repeat < 1) {
      throw new DalError(`--repeat: expected a positive integer, got ${args.repeat}`);
    }
    const log = args.json ? () => {} : (msg: string) => process.stderr.write(msg + '\n');
    const report = await runBench(
      {
        backend: args.backend,
        only: only as WorkloadName[],
        peer: args.peer,
        peerScript: args.peerScript,
        repeat: args.repeat,
        threads: args.threads,
        quick: args.quick,
        seed: args.seed,
      },
      log,
    );
    if (!args.json) process.stderr.write('\n' + formatTable(report) + '\n\n');
    process.stdout.write(JSON.stringify(report) + '\n');
  },
};
