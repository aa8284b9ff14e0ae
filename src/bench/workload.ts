/**
 * The benchmark workloads (README "Performance"; the same as ../shared/bench/WORKLOADS.md) as one typed table: each
 * measures one step on the active tfjs backend and returns the figures the PyTorch peer (peer_torch.py) reports for it. `quick` shrinks every size (for tests: the JSON shape
 * is the same, the numbers mean nothing).
 */
import { benchConv } from './conv.ts';
import { benchDmd } from './dmd.ts';
import { benchGemm } from './gemm.ts';
import { benchNerf } from './nerf.ts';
import { benchSds } from './sds.ts';
import { benchUnet } from './unet.ts';

export const WORKLOAD_NAMES = ['gemm', 'conv', 'unet', 'nerf', 'sds', 'dmd'] as const;
export type WorkloadName = (typeof WORKLOAD_NAMES)[number];

/** Figures of one workload, e.g. {ms, gflops} or {ms, forward_ms, params}. */
export type WorkloadResult = Record<string, number>;

export interface WorkloadOptions {
  /** tiny sizes and one rep (tests) */
  quick: boolean;
  seed: number;
}

export const workloads: Record<WorkloadName, (opts: WorkloadOptions) => WorkloadResult> = {
  gemm: benchGemm,
  conv: benchConv,
  unet: benchUnet,
  nerf: benchNerf,
  sds: benchSds,
  dmd: benchDmd,
};
