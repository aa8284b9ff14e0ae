import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { findPeer, PEER_SCRIPT, runPeer } from '../../src/bench/peer.ts';
import { formatTable, medianResult, runBench, type BenchReport } from '../../src/bench/run.ts';
import { median } from '../../src/bench/timing.ts';
import { WORKLOAD_NAMES } from '../../src/bench/workload.ts';
import { DalError } from '../../src/core/errors.ts';
import { cosineSchedule } from '../../src/core/diffusion/schedule.ts';
import { UNetDenoiser } from '../../src/core/model/unet-denoiser.ts';
import { Rng } from '../../src/core/rng.ts';
import { dal } from '../cli/dal.ts';

const torchPython = ['python3', '/usr/bin/python3'].find((p) => spawnSync(p, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0);

describe('dal bench', () => {
  it('runs every workload at quick sizes, twice, and reports medians and runs in the peer JSON shape, without leaking', async () => {
    const before = tf.memory().numTensors;
    const report = await runBench({ backend: 'cpu', only: [...WORKLOAD_NAMES], peer: false, threads: 2, quick: true, seed: 0, repeat: 2 });
    expect(tf.memory().numTensors).toBe(before);
    expect(report.backend).toBe('cpu');
    expect(report.repeat).toBe(2);
    expect(report.load.before).toHaveLength(3);
    expect(report.load.after).toHaveLength(3);
    expect(Object.keys(report.workloads)).toEqual(['gemm', 'conv', 'unet', 'nerf', 'sds', 'dmd']);
    const keys = Object.fromEntries(Object.entries(report.workloads).map(([k, r]) => [k, Object.keys(r!).sort()]));
    expect(keys).toEqual({
      gemm: ['gflops', 'ms'],
      conv: ['gflops', 'ms'],
      unet: ['forward_ms', 'ms', 'params'],
      nerf: ['ms', 'params'],
      sds: ['ms', 'params', 'unet_params'],
      dmd: ['ms', 'params'],
    });
    for (const [name, runs] of Object.entries(report.runs)) {
      expect(runs, name).toHaveLength(2);
      // the reported figure is the median over the runs
      expect(report.workloads[name as keyof typeof report.workloads]!.ms).toBe(median(runs!.map((r) => r.ms)));
      for (const r of runs!) for (const v of Object.values(r)) expect(v).toBeGreaterThan(0);
    }
    const gemm = report.runs.gemm![0];
    expect(gemm.gflops).toBeCloseTo((2 * 64 ** 3) / gemm.ms / 1e6, 10); // n = 64 at quick sizes
    expect(report.workloads.nerf!.params).toBe(11_140);
    expect(report.workloads.sds!.params).toBe(11_140);
    expect(report.workloads.dmd!.params).toBe(report.workloads.unet!.params);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
    expect(report.peer).toBeUndefined();
  });

  it('the sds prior is the workload U-Net with 3 channels: 1,824,003 parameters (the peer\'s unet_params)', () => {
    const d = new UNetDenoiser({ unet: { inChannels: 3 }, prompt: null }, cosineSchedule(), 'eps', new Rng(0));
    expect(d.parameterCount).toBe(1_824_003);
    d.dispose();
  });

  it('medianResult takes the median of every figure; the table shows median [min–max] and the ratio of medians', () => {
    expect(medianResult([{ ms: 3, p: 7 }, { ms: 1, p: 7 }, { ms: 10, p: 7 }])).toEqual({ ms: 3, p: 7 });
    const report: BenchReport = {
      backend: 'native',
      threads: 2,
      repeat: 3,
      load: { before: [1, 1.5, 2], after: [1.25, 1.5, 2] },
      workloads: { gemm: { ms: 20, gflops: 100 }, unet: { ms: 400, forward_ms: 100, params: 9 } },
      runs: {
        gemm: [{ ms: 20, gflops: 100 }, { ms: 18, gflops: 110 }, { ms: 30, gflops: 70 }],
        unet: [{ ms: 400, forward_ms: 100, params: 9 }, { ms: 390, forward_ms: 120, params: 9 }, { ms: 410, forward_ms: 90, params: 9 }],
      },
      peer: {
        peer: 'pytorch-1.13',
        script: 'p.py',
        threads: 2,
        workloads: { gemm: { ms: 10, gflops: 200 }, unet: { ms: 800, forward_ms: 200, params: 9 } },
        runs: { gemm: [{ ms: 10, gflops: 200 }, { ms: 12, gflops: 180 }, { ms: 9, gflops: 220 }], unet: [{ ms: 800, forward_ms: 200, params: 9 }] },
      },
      ratios: { gemm: { time: 2, gflops: 0.5 }, unet: { time: 0.5, forward: 0.5 } },
    };
    const table = formatTable(report);
    expect(table).toMatch(/^3 runs per side, alternating; .*load average \(1 \/ 5 \/ 15 min\) 1\.00 \/ 1\.50 \/ 2\.00 before, 1\.25 \/ 1\.50 \/ 2\.00 after/);
    expect(table).toMatch(/\| gemm +\| 20\.0 \[18\.0–30\.0\] +\| 10\.0 \[9\.0–12\.0\] +\| 2\.00 +\| 0\.50 +\|/);
    expect(table).toMatch(/\| unet forward +\| 100\.0 \[90\.0–120\.0\] +\| 200\.0 +\| 0\.50 +\| — +\|/);
  });

  it('runs a peer script and reads its JSON; names a missing script or a failing one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dal-peer-'));
    const fake = join(dir, 'peer.py');
    writeFileSync(fake, 'import sys, json\nprint("noise")\nprint(json.dumps({"peer": "fake-1", "threads": int(sys.argv[2]), "workloads": {sys.argv[4]: {"ms": 12.5}}}))\n');
    const python = { python: 'python3', script: fake };
    expect(runPeer(python, 'gemm', 2)).toEqual({ peer: 'fake-1', result: { ms: 12.5 } });
    const failing = join(dir, 'fail.py');
    writeFileSync(failing, 'import sys\nsys.stderr.write("boom")\nsys.exit(3)\n');
    expect(() => runPeer({ python: 'python3', script: failing }, 'gemm', 2)).toThrow(/failed \(exit 3\): boom/);
    expect(() => findPeer('/nonexistent/peer_torch.py')).toThrow(DalError);
    expect(() => findPeer('/nonexistent/peer_torch.py')).toThrow(/peer_torch\.py does not exist/);
  });

  it.runIf(torchPython)("the repository's PyTorch peer has the workloads' parameter counts", () => {
    const code = 'import sys; sys.path.insert(0, sys.argv[1]); import peer_torch as p; ' +
      'print(p.n_params(p.WorkloadUNet()), p.n_params(p.WorkloadUNet(channels_in=3)), p.n_params(p.nerf_mlp()))';
    const r = spawnSync(torchPython!, ['-c', code, join(PEER_SCRIPT, '..')], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('1822849 1824003 11140');
  });

  it('dal bench --only gemm --quick --repeat 2 --json prints one JSON object with both runs (the CLI)', async () => {
    const r = await dal(['bench', '--only', 'gemm', '--quick', '--repeat', '2', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as BenchReport;
    expect(Object.keys(report.workloads)).toEqual(['gemm']);
    expect(report.runs.gemm).toHaveLength(2);
    expect(report.workloads.gemm!.ms).toBe(median(report.runs.gemm!.map((x) => x.ms)));
    const bad = await dal(['bench', '--only', 'gemm,fft', '--quick']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--only: unknown workload 'fft' \(choose from gemm, conv, unet, nerf, sds, dmd\)/);
  });
});

describe('median', () => {
  it('is the middle value (mean of the two middle ones for an even count)', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});
