import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { findPeer } from '../../src/bench/peer.ts';
import { formatTable, runBench } from '../../src/bench/run.ts';
import { median } from '../../src/bench/timing.ts';
import { DalError } from '../../src/core/errors.ts';

describe('dal bench', () => {
  it('runs every workload at quick sizes and reports the peer JSON shape, without leaking tensors', async () => {
    const report = await runBench({
      backend: 'cpu',
      only: ['gemm', 'conv', 'unet', 'nerf'],
      peer: false,
      threads: 2,
      quick: true,
      seed: 0,
    });
    const before = tf.memory().numTensors;
    expect(report.backend).toBe('cpu');
    expect(report.threads).toBe(2);
    expect(Object.keys(report.workloads)).toEqual(['gemm', 'conv', 'unet', 'nerf']);
    const { gemm, conv, unet, nerf } = report.workloads;
    expect(Object.keys(gemm!).sort()).toEqual(['gflops', 'ms']);
    expect(Object.keys(conv!).sort()).toEqual(['gflops', 'ms']);
    expect(Object.keys(unet!).sort()).toEqual(['forward_ms', 'ms', 'params']);
    expect(Object.keys(nerf!).sort()).toEqual(['ms', 'params']);
    for (const r of Object.values(report.workloads)) for (const v of Object.values(r)) expect(v).toBeGreaterThan(0);
    // GFLOP/s is derived from the time: 2n³/ms/1e6 with n = 64 at quick sizes
    expect(gemm!.gflops).toBeCloseTo((2 * 64 ** 3) / gemm!.ms / 1e6, 10);
    expect(nerf!.params).toBe(11_140);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
    expect(report.peer).toBeUndefined();
    const table = formatTable(report);
    expect(table.split('\n')).toHaveLength(2 + 5); // header, rule, 4 workloads + unet forward
    expect(table).toContain('unet forward');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('computes ratios and the table from a peer report', () => {
    const table = formatTable({
      backend: 'native',
      threads: 2,
      workloads: { gemm: { ms: 20, gflops: 100 } },
      peer: { peer: 'pytorch-1.13', threads: 2, workloads: { gemm: { ms: 10, gflops: 200 } } },
      ratios: { gemm: { time: 2, gflops: 0.5 } },
    });
    expect(table).toMatch(/\| gemm +\| 20\.0 +\| 10\.0 +\| 2\.00 +\| 0\.50 +\|/);
  });

  it('names the missing peer script', () => {
    expect(() => findPeer('/nonexistent/peer_torch.py')).toThrow(DalError);
    expect(() => findPeer('/nonexistent/peer_torch.py')).toThrow(/peer_torch\.py does not exist/);
  });

  it('median is the middle value (mean of the two middle ones for an even count)', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});
