/**
 * Micro-benchmark of the native GEMM and convolution kernels on the shapes that matter for dal (the gemm/conv
 * workloads of ../shared/bench/WORKLOADS.md, the NeRF MLP and U-Net matmuls), optionally side by side with PyTorch
 * (same shapes, same thread count, in the same run).
 *
 *   npx tsx experiments/bench-kernels.ts [--peer] [--reps 9] [--only gemm,conv,...]
 *
 * Prints one line per case: median ms, GFLOP/s, and with --peer torch's ms and the ratio ours/torch.
 * DAL_NATIVE_ADDON=path benchmarks another build; DAL_NUM_THREADS sets our threads (torch uses the same count).
 */
import { spawnSync } from 'node:child_process';
import { requireAddon } from '../src/backend/addon.ts';

const addon = requireAddon();
const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? (args[i + 1] ?? '') : undefined;
};
const reps = Number(flag('--reps') ?? 9);
const only = flag('--only')?.split(',');
const withPeer = args.includes('--peer');
const threads = addon.numThreads();

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function timeMs(step: () => void): number {
  step();
  step();
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    step();
    ts.push(performance.now() - t);
  }
  return median(ts);
}

function rand(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.random() - 0.5;
  return a;
}

/** A benchmark case: our step, its FLOPs, and the equivalent torch statement (x, w… created in `setup`). */
interface Case {
  name: string;
  flops: number;
  step: () => void;
  torchSetup: string;
  torchStep: string;
}

function matmulCase(name: string, batch: number, m: number, n: number, k: number, tA: boolean, tB: boolean): Case {
  const a = rand(batch * m * k), b = rand(batch * k * n), c = new Float32Array(batch * m * n);
  const aShape = tA ? `${k},${m}` : `${m},${k}`, bShape = tB ? `${n},${k}` : `${k},${n}`;
  return {
    name, flops: 2 * batch * m * n * k,
    step: () => addon.matmul(a, b, c, batch, m, n, k, tA, tB, m * k, k * n, null, 0, 0),
    // batch 1 as plain 2-D matrices (torch's 3-D matmul takes a much slower path for them)
    torchSetup: batch === 1
      ? `a=torch.randn(${aShape}); b=torch.randn(${bShape})`
      : `a=torch.randn(${batch},${aShape}); b=torch.randn(${batch},${bShape})`,
    torchStep: batch === 1
      ? `torch.mm(a${tA ? '.t()' : ''}, b${tB ? '.t()' : ''})`
      : `torch.matmul(a${tA ? '.transpose(1,2)' : ''}, b${tB ? '.transpose(1,2)' : ''})`,
  };
}

/** 3×3 'same' stride-1 conv with bias: forward, grad input, grad filter (the `conv` workload when N=32, H=32, C=64). */
function convCase(name: string, N: number, H: number, Cin: number, Cout: number, K: number, s: number): Case {
  const OH = Math.ceil(H / s), pad = Math.floor(Math.max((OH - 1) * s + K - H, 0) / 2);
  const x = rand(N * H * H * Cin), w = rand(K * K * Cin * Cout), bias = rand(Cout);
  const y = new Float32Array(N * OH * OH * Cout), dx = new Float32Array(x.length), dw = new Float32Array(w.length);
  const geo = [N, H, H, Cin, OH, OH, Cout, K, K, s, s, pad, pad, 1, 1] as const;
  return {
    name, flops: 3 * 2 * N * OH * OH * Cout * K * K * Cin,
    step: () => {
      addon.conv2d(x, w, y, ...geo, bias, 0, 0);
      addon.conv2dBackpropInput(y, w, dx, ...geo);
      addon.conv2dBackpropFilter(x, y, dw, ...geo);
    },
    torchSetup: `x=torch.randn(${N},${Cin},${H},${H},requires_grad=True); conv=torch.nn.Conv2d(${Cin},${Cout},${K},stride=${s},padding=${pad})`,
    torchStep: `conv(x).square().mean().backward()`,
  };
}

const cases: Case[] = [
  matmulCase('gemm 1024³', 1, 1024, 1024, 1024, false, false),
  convCase('conv 32×32×32×64 3×3 64→64 (fwd+dx+dw)', 32, 32, 64, 64, 3, 1),
  convCase('conv 32×16×16×64 3×3 s2 64→64', 32, 16, 64, 64, 3, 2),
  convCase('conv 32×32×32×96 3×3 96→32', 32, 32, 96, 32, 3, 1),
  convCase('conv 32×32×32×32 3×3 32→1', 32, 32, 32, 1, 3, 1),
  convCase('conv 32×32×32×1 3×3 1→32', 32, 32, 1, 32, 3, 1),
  convCase('conv 32×8×8×128 3×3 128→64', 32, 8, 128, 64, 3, 1),
  convCase('conv 32×16×16×32 1×1 32→64', 32, 16, 32, 64, 1, 1),
  matmulCase('nerf fwd (262144×39)·(39×64)', 1, 262144, 64, 39, false, false),
  matmulCase('nerf fwd (262144×64)·(64×64)', 1, 262144, 64, 64, false, false),
  matmulCase('nerf fwd (262144×64)·(64×4)', 1, 262144, 4, 64, false, false),
  matmulCase('nerf dX (262144×64)·(64×64)ᵀ', 1, 262144, 64, 64, false, true),
  matmulCase('nerf dW (262144×39)ᵀ·(262144×64)', 1, 39, 64, 262144, true, false),
  matmulCase('nerf dW (262144×64)ᵀ·(262144×64)', 1, 64, 64, 262144, true, false),
  matmulCase('attn 32×(64×64)·(64×64)', 32, 64, 64, 64, false, false),
  matmulCase('attn 32×(64×64)·(64×64)ᵀ', 32, 64, 64, 64, false, true),
  matmulCase('linear (32×256)·(256×256)', 1, 32, 256, 256, false, false),
].filter((c) => !only || only.some((o) => c.name.startsWith(o)));

let peer: number[] | null = null;
if (withPeer) {
  const py = [
    'import torch, time, statistics, json',
    `torch.set_num_threads(${threads})`,
    'def t(setup, step):',
    '    g = {"torch": torch}; exec(setup, g); f = eval("lambda: " + step, g)',
    '    f(); f(); ts = []',
    `    for _ in range(${reps}):`,
    '        s = time.perf_counter(); f(); ts.append((time.perf_counter() - s) * 1000)',
    '    return statistics.median(ts)',
    `cases = ${JSON.stringify(cases.map((c) => [c.torchSetup, c.torchStep]))}`,
    'print(json.dumps([t(a, b) for a, b in cases]))',
  ].join('\n');
  const r = spawnSync('/usr/bin/python3', ['-c', py], { encoding: 'utf8' });
  if (r.status === 0) peer = JSON.parse(r.stdout.trim().split('\n').pop()!) as number[];
  else console.error(`peer failed: ${r.stderr || r.error}`);
}

console.log(`threads ${threads}, median of ${reps}`);
cases.forEach((c, i) => {
  const ms = timeMs(c.step);
  const gf = c.flops / ms / 1e6;
  const p = peer ? `  torch ${peer[i].toFixed(2).padStart(8)} ms  ${(c.flops / peer[i] / 1e6).toFixed(1).padStart(6)} GF/s  ratio ${(ms / peer[i]).toFixed(2)}` : '';
  console.log(`${c.name.padEnd(42)} ${ms.toFixed(2).padStart(8)} ms ${gf.toFixed(1).padStart(6)} GF/s${p}`);
});
