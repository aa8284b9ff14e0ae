/**
 * Child process of the thread-count test (conv.test.ts): runs matmul and conv kernels on seeded inputs big enough
 * to take every parallel path (split M, split N, split K, batch, conv row blocks, filter-gradient groups) and prints
 * {threads, digests} — one FNV-1a hash of the output bits per case — as JSON.
 */
import { Rng } from '../../src/core/rng.ts';
import { requireAddon } from '../../src/backend/addon.ts';

const addon = requireAddon();
const rng = new Rng(7);

function digest(a: Float32Array): string {
  const u = new Uint32Array(a.buffer, a.byteOffset, a.length);
  let h = 0x811c9dc5;
  for (let i = 0; i < u.length; i++) h = Math.imul(h ^ u[i], 0x01000193) >>> 0;
  return h.toString(16);
}

function matmul(batch: number, m: number, n: number, k: number, transA: boolean, transB: boolean, strideB: number): string {
  const a = rng.uniformArray(batch * m * k, -1, 1), b = rng.uniformArray(batch * k * n, -1, 1);
  const bias = rng.uniformArray(n, -1, 1);
  const c = new Float32Array(batch * m * n);
  addon.matmul(a, b, c, batch, m, n, k, transA, transB, m * k, strideB ? k * n : 0, bias, 1, 0);
  return digest(c);
}

function conv(N: number, H: number, Cin: number, Cout: number, K: number, s: number): string[] {
  const OH = Math.ceil(H / s), pad = Math.floor(Math.max((OH - 1) * s + K - H, 0) / 2);
  const x = rng.uniformArray(N * H * H * Cin, -1, 1), w = rng.uniformArray(K * K * Cin * Cout, -1, 1);
  const y = new Float32Array(N * OH * OH * Cout), dx = new Float32Array(x.length), dw = new Float32Array(w.length);
  const geo = [N, H, H, Cin, OH, OH, Cout, K, K, s, s, pad, pad, 1, 1] as const;
  addon.conv2d(x, w, y, ...geo, null, 0, 0);
  addon.conv2dBackpropInput(y, w, dx, ...geo);
  addon.conv2dBackpropFilter(x, y, dw, ...geo);
  return [digest(y), digest(dx), digest(dw)];
}

const digests = [
  matmul(1, 300, 200, 300, false, false, 1), // split M
  matmul(1, 20, 700, 90, true, true, 1), // split N
  matmul(1, 40, 64, 20000, true, false, 1), // split K
  matmul(1, 5000, 3, 64, false, false, 1), // narrow: Cᵀ
  matmul(16, 64, 64, 64, false, true, 0), // batch, broadcast B
  ...conv(4, 16, 64, 64, 3, 1),
  ...conv(4, 16, 32, 32, 3, 2),
  ...conv(2, 16, 40, 24, 1, 1),
];
console.log(JSON.stringify({ threads: addon.numThreads(), digests }));
