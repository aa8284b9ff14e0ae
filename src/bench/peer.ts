/**
 * The PyTorch peer (../shared/bench/peer_torch.py, outside the repository): found, run one workload at a time, and
 * its JSON read back, so that dal and the peer alternate on the same machine conditions.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DalError } from '../core/errors.ts';
import type { WorkloadName, WorkloadResult } from './workload.ts';

/** ../shared/bench/peer_torch.py relative to the repository root. */
export const PEER_SCRIPT = fileURLToPath(new URL('../../../shared/bench/peer_torch.py', import.meta.url));

export interface Peer {
  python: string;
  script: string;
}

/**
 * Finds a python3 that imports torch (the default python3 first, then Debian's /usr/bin/python3).
 * @throws DalError naming what is missing and how to install it
 */
export function findPeer(script = PEER_SCRIPT): Peer {
  if (!existsSync(script)) {
    throw new DalError(`--peer: the peer script ${script} does not exist (expected ../shared/bench/peer_torch.py next to the repository)`);
  }
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

/** Runs one workload of the peer with `threads` threads. */
export function runPeer(peer: Peer, name: WorkloadName, threads: number): PeerResult {
  const r = spawnSync(peer.python, [peer.script, '--threads', String(threads), '--only', name], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) {
    throw new DalError(`--peer: ${peer.python} ${peer.script} --only ${name} failed (exit ${r.status}): ${r.stderr.trim().slice(-2000)}`);
  }
  const lines = r.stdout.trim().split('\n');
  const out = JSON.parse(lines[lines.length - 1]) as { peer: string; workloads: Record<string, WorkloadResult> };
  return { peer: out.peer, result: out.workloads[name] };
}
