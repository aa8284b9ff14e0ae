import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerGradients } from '../../src/core/nn/gradients.ts';
import { Rng } from '../../src/core/rng.ts';
import { activationRef, addonOrFail, onCpu, relError } from './kernel-ref.ts';

interface ConvCase {
  N: number; H: number; W: number; Cin: number; Cout: number; KH: number; KW: number;
  stride: number; pad: 'same' | 'valid'; dilation?: number; bias?: boolean; act?: number;
}

/** dx and dw by the defining sums: every (output pixel, tap) pair adds dy·w into dx and x·dy into dw. */
function naiveGradients(geo: readonly number[], x: Float32Array, w: Float32Array, dy: Float32Array) {
  const [N, H, W, Cin, OH, OW, Cout, KH, KW, sH, sW, padT, padL, dH, dW] = geo;
  const dx = new Float32Array(x.length), dw = new Float32Array(w.length);
  for (let n = 0; n < N; n++) for (let oy = 0; oy < OH; oy++) for (let ox = 0; ox < OW; ox++) {
    for (let ky = 0; ky < KH; ky++) for (let kx = 0; kx < KW; kx++) {
      const iy = oy * sH - padT + ky * dH, ix = ox * sW - padL + kx * dW;
      if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
      for (let ci = 0; ci < Cin; ci++) for (let co = 0; co < Cout; co++) {
        const g = dy[((n * OH + oy) * OW + ox) * Cout + co], xi = ((n * H + iy) * W + ix) * Cin + ci;
        const wi = ((ky * KW + kx) * Cin + ci) * Cout + co;
        dx[xi] += g * w[wi];
        dw[wi] += g * x[xi];
      }
    }
  }
  return { dx, dw };
}

/** Checks conv2d, conv2dBackpropInput and conv2dBackpropFilter against tf.conv2d and its gradients on cpu. */
async function check(c: ConvCase, seed: number): Promise<void> {
  const addon = addonOrFail();
  const rng = new Rng(seed);
  const dil = c.dilation ?? 1;
  const info = tf.backend_util.computeConv2DInfo([c.N, c.H, c.W, c.Cin], [c.KH, c.KW, c.Cin, c.Cout], c.stride, dil, c.pad);
  const { outHeight: OH, outWidth: OW } = info;
  const x = rng.uniformArray(c.N * c.H * c.W * c.Cin, -1, 1);
  const w = rng.uniformArray(c.KH * c.KW * c.Cin * c.Cout, -1, 1);
  const dy = rng.uniformArray(c.N * OH * OW * c.Cout, -1, 1);
  const bias = c.bias ? rng.uniformArray(c.Cout, -1, 1) : null;
  const act = c.act ?? 0, alpha = 0.15;
  const geo = [c.N, c.H, c.W, c.Cin, OH, OW, c.Cout, c.KH, c.KW, c.stride, c.stride, info.padInfo.top,
    info.padInfo.left, dil, dil] as const;

  const y = new Float32Array(dy.length).fill(NaN), dx = new Float32Array(x.length).fill(NaN);
  const dw = new Float32Array(w.length).fill(NaN);
  addon.conv2d(x, w, y, ...geo, bias, act, alpha);
  addon.conv2dBackpropInput(dy, w, dx, ...geo);
  addon.conv2dBackpropFilter(x, dy, dw, ...geo);

  const ref = await onCpu(() =>
    tf.tidy(() => {
      const xt = tf.tensor4d(x, [c.N, c.H, c.W, c.Cin]), wt = tf.tensor4d(w, [c.KH, c.KW, c.Cin, c.Cout]);
      const dyt = tf.tensor4d(dy, [c.N, OH, OW, c.Cout]);
      let yt: tf.Tensor = tf.conv2d(xt, wt, c.stride, c.pad, 'NHWC', dil);
      if (bias) yt = tf.add(yt, tf.tensor1d(bias));
      yt = activationRef(yt, act, alpha);
      // tfjs has no gradient for dilated convs: use the direct sums then.
      if (dil > 1) return { y: yt.dataSync(), ...naiveGradients(geo, x, w, dy) };
      // ∂/∂(x, w) of Σ conv2d(x, w)·dy are exactly Conv2DBackpropInput(dy) and Conv2DBackpropFilter(dy).
      const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad, 'NHWC', dil), dyt)))([xt, wt]);
      return { y: yt.dataSync(), dx: gx.dataSync(), dw: gw.dataSync() };
    }),
  );
  const what = JSON.stringify(c);
  expect(relError(y, ref.y), `y ${what}`).toBeLessThan(1e-4);
  expect(relError(dx, ref.dx), `dx ${what}`).toBeLessThan(1e-4);
  expect(relError(dw, ref.dw), `dw ${what}`).toBeLessThan(1e-4);
}

describe('native conv2d and its gradients vs tfjs cpu', () => {
  beforeAll(registerGradients, 120_000);

  it('3×3, stride 1 and 2, same and valid, odd sizes and channels', async () => {
    let seed = 100;
    for (const stride of [1, 2]) {
      for (const pad of ['same', 'valid'] as const) {
        await check({ N: 1, H: 5, W: 7, Cin: 3, Cout: 4, KH: 3, KW: 3, stride, pad }, seed++);
        await check({ N: 2, H: 9, W: 8, Cin: 5, Cout: 7, KH: 3, KW: 3, stride, pad }, seed++);
        await check({ N: 3, H: 17, W: 13, Cin: 33, Cout: 17, KH: 3, KW: 3, stride, pad }, seed++);
      }
    }
  });

  it('1×1 (a plain GEMM), 5×5 and non-square kernels', async () => {
    await check({ N: 2, H: 8, W: 8, Cin: 3, Cout: 17, KH: 1, KW: 1, stride: 1, pad: 'valid' }, 1);
    await check({ N: 2, H: 7, W: 9, Cin: 5, Cout: 3, KH: 1, KW: 1, stride: 2, pad: 'same' }, 2);
    await check({ N: 3, H: 17, W: 13, Cin: 6, Cout: 5, KH: 5, KW: 5, stride: 1, pad: 'same' }, 3);
    await check({ N: 1, H: 11, W: 12, Cin: 4, Cout: 9, KH: 5, KW: 5, stride: 2, pad: 'valid' }, 4);
    await check({ N: 2, H: 10, W: 9, Cin: 4, Cout: 6, KH: 3, KW: 1, stride: 2, pad: 'same' }, 5);
  });

  it('U-Net sized layers (many row blocks, threads over blocks): 3×3 same, stride-2 down, Cout = 1', async () => {
    await check({ N: 2, H: 16, W: 16, Cin: 48, Cout: 48, KH: 3, KW: 3, stride: 1, pad: 'same' }, 6);
    await check({ N: 2, H: 16, W: 16, Cin: 32, Cout: 32, KH: 3, KW: 3, stride: 2, pad: 'same' }, 7);
    await check({ N: 2, H: 32, W: 32, Cin: 32, Cout: 1, KH: 3, KW: 3, stride: 1, pad: 'same' }, 8);
    await check({ N: 2, H: 16, W: 16, Cin: 96, Cout: 32, KH: 1, KW: 1, stride: 1, pad: 'same' }, 9);
  });

  it('dilation 2', async () => {
    await check({ N: 2, H: 12, W: 11, Cin: 3, Cout: 5, KH: 3, KW: 3, stride: 1, pad: 'same', dilation: 2 }, 10);
    await check({ N: 1, H: 13, W: 13, Cin: 4, Cout: 3, KH: 3, KW: 3, stride: 1, pad: 'valid', dilation: 2 }, 11);
  });

  it('fused bias and every activation', async () => {
    for (let act = 0; act <= 5; act++) {
      await check({ N: 2, H: 6, W: 5, Cin: 3, Cout: 7, KH: 3, KW: 3, stride: 1, pad: 'same', bias: true, act }, 20 + act);
      await check({ N: 1, H: 6, W: 6, Cin: 8, Cout: 2, KH: 1, KW: 1, stride: 1, pad: 'valid', bias: act > 2, act }, 30 + act);
    }
  });
});

describe('thread count', () => {
  it('DAL_NUM_THREADS=1 and 2 give bit-identical matmul and conv results', () => {
    const script = fileURLToPath(new URL('./kernel-digest.ts', import.meta.url));
    const run = (threads: string) => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', script], {
        encoding: 'utf8',
        env: { ...process.env, DAL_NUM_THREADS: threads },
      });
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout.trim().split('\n').pop()!) as { threads: number; digests: string[] };
    };
    const one = run('1'), two = run('2');
    expect(one.threads).toBe(1);
    expect(two.threads).toBe(2);
    expect(two.digests.length).toBeGreaterThan(5);
    expect(two.digests).toEqual(one.digests);
  });
});
