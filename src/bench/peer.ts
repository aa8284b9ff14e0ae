/**
 * The PyTorch peer: the repository's own `src/bench/peer_torch.py` (the same workloads in PyTorch; another script with
 * the same command line and JSON, e.g. ../shared/bench/peer_torch.py, can be given instead), found, run one workload
 * at a time, and its JSON read back, so that dal and the peer alternate on the same machine conditions.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DalError } from '../core/errors.ts';
import type { WorkloadName, WorkloadResult } from './workload.ts';

/** The repository's peer script. */
export const PEER_SCRIPT = fileURLToPath(new URL('./peer_torch.py', import.meta.url));

export interface Peer {
  python: string;
  script: string;
}

/**
 * Finds a python3 that imports torch (the default python3 first, then Debian's /usr/bin/python3).
 * @throws DalError naming what is missing and how to install it
 */
export function findPeer(script = PEER_SCRIPT): Peer {
  if (!existsSync(script)) throw new DalError(`--peer: the peer script ${script} does not exist`);
  for (const python of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore', timeout: 120_000 });
    if (r.status === 0) return { python, script };
  }
  throw new DalError(
    '--peer: no python3 with torch found (tried python3 and /usr/bin/python3); ' +
      'install it with: apt-get install -y python3-torch libopenblas0-pthread',
  );
}

export interface PeerResult {
  /** e.g. "pytorch-1.13.1" */
  peer: string;
  result: WorkloadResult;
}

/** Runs one workload of the peer with `threads` threads (and `reps` timed steps, when given: the repo's peer only). */
export function runPeer(peer: Peer, name: WorkloadName, threads: number, reps?: number): PeerResult {
  const args = [peer.script, '--threads', String(threads), '--only', name, ...(reps ? ['--reps', String(reps)] : [])];
  const r = spawnSync(peer.python, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) {
    throw new DalError(`--peer: ${peer.python} ${args.join(' ')} failed (exit ${r.status}): ${r.stderr.trim().slice(-2000)}`);
  }
  const lines = r.stdout.trim().split('\n');
  const out = JSON.parse(lines[lines.length - 1]) as { peer: string; workloads: Record<string, WorkloadResult> };
  if (!out.workloads?.[name]) throw new DalError(`--peer: ${peer.script} printed no result for ${name}: ${lines[lines.length - 1].slice(0, 500)}`);
  return { peer: out.peer, result: out.workloads[name] };
}
