import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerGradients } from '../../../src/core/nn/gradients.ts';
import { countParameters, parameterList } from '../../../src/core/nn/module.ts';
import { UNet, type UNetConfig } from '../../../src/core/nn/unet.ts';
import { Rng } from '../../../src/core/rng.ts';

beforeAll(async () => {
  await registerGradients();
  await tf.setBackend('cpu');
});

const tiny: Partial<UNetConfig> = {
  channels: 8,
  channelMult: [1, 2],
  numResBlocks: 1,
  attentionResolutions: [4],
  resolution: 8,
  groups: 4,
  numClasses: 3,
};

/** Smaller still, for training steps: tfjs's cpu Conv2DBackpropFilter is slow, and tests must take seconds. */
const micro: Partial<UNetConfig> = { ...tiny, channels: 4, groups: 2, resolution: 4, attentionResolutions: [2] };

describe('UNet', () => {
  it('has the workload parameter count (1,822,849, as the PyTorch peer) and stable names', () => {
    const before = tf.memory().numTensors;
    const net = new UNet({}, new Rng(0));
    expect(countParameters(net)).toBe(1_822_849);
    const names = Object.keys(net.parameters());
    expect(names).toContain('down.0.res.conv1.kernel');
    expect(names).toContain('down.2.down.kernel');
    expect(names).toContain('up.2.up.kernel');
    expect(names).toContain('label.table');
    expect(net.parameters()['label.table'].shape).toEqual([11, 256]);
    expect(net.parameters()['time.fc1.kernel'].shape).toEqual([128, 256]);
    // attention exactly at 8×8: after the second downsampling (down.6, down.7), in the middle and up.0–up.2
    const attn = [...new Set(names.filter((n) => n.includes('.attn.')).map((n) => n.split('.attn.')[0]))];
    expect(attn).toEqual(['down.6', 'down.7', 'mid', 'up.0', 'up.1', 'up.2']);
    // resampling: stride-2 convs at down.2 and down.5, upsampling convs at the end of the two lower up levels
    expect(net.down.map((b) => (b.resample ? b.resample.stride : 0))).toEqual([0, 0, 2, 0, 0, 2, 0, 0]);
    expect(names.filter((n) => /^up\.\d+\.up\.kernel$/.test(n))).toEqual(['up.2.up.kernel', 'up.5.up.kernel']);
    // skip concatenation widths on the way up (levels of 32, 64, 64 channels; skips popped from the down path):
    // 64+64, 64+64, 64+64 | 64+64, 64+64, 64+32 | 64+32, 32+32, 32+32
    expect(net.up.map((b) => b.res!.inChannels)).toEqual([128, 128, 128, 128, 128, 96, 96, 64, 64]);
    net.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('maps x [B,H,W,C], t [B], labels [B] to ε [B,H,W,C]; label −1 and no labels are the null class', () => {
    const rng = new Rng(1);
    const net = new UNet(tiny, rng);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const x = rng.normalTensor([3, 8, 8, 1]) as tf.Tensor4D;
      const t = tf.tensor1d([0.1, 0.5, 0.9]);
      const yNull = net.apply(x, t, tf.tensor1d([-1, -1, -1], 'int32'));
      expect(yNull.shape).toEqual([3, 8, 8, 1]);
      const yNone = net.apply(x, t);
      const yThree = net.apply(x, t, tf.tensor1d([3, 3, 3], 'int32')); // row 3 = the null row of 3 classes
      const yLabel = net.apply(x, t, tf.tensor1d([0, 1, 2], 'int32'));
      expect(tf.max(tf.abs(tf.sub(yNull, yNone))).dataSync()[0]).toBe(0);
      expect(tf.max(tf.abs(tf.sub(yNull, yThree))).dataSync()[0]).toBe(0);
      expect(tf.max(tf.abs(tf.sub(yNull, yLabel))).dataSync()[0]).toBeGreaterThan(1e-4);
    });
    expect(() => tf.tidy(() => net.apply(tf.zeros([1, 16, 16, 1]) as tf.Tensor4D, tf.zeros([1])))).toThrow(/expected x/);
    expect(tf.memory().numTensors).toBe(before);
    net.dispose();
  });

  it('adds an extra embedding (e.g. a prompt encoding) [B, embDim] to the conditioning embedding', () => {
    const rng = new Rng(3);
    const net = new UNet({ ...micro, numClasses: 0 }, rng);
    expect(Object.keys(net.parameters())).not.toContain('label.table');
    tf.tidy(() => {
      const t = tf.tensor1d([0.3, 0.7]);
      const x = rng.normalTensor([2, 4, 4, 1]) as tf.Tensor4D;
      const extra = rng.normalTensor([2, net.embDim]) as tf.Tensor2D;
      const y0 = net.apply(x, t, null, tf.zerosLike(extra) as tf.Tensor2D);
      expect(tf.max(tf.abs(tf.sub(y0, net.apply(x, t)))).dataSync()[0]).toBe(0);
      const y1 = net.apply(x, t, null, extra);
      expect(y1.shape).toEqual([2, 4, 4, 1]);
      expect(tf.max(tf.abs(tf.sub(y0, y1))).dataSync()[0]).toBeGreaterThan(1e-4);
    });
    net.dispose();
  });

  it('a few Adam steps of denoising score matching lower the loss, without leaking tensors', () => {
    const rng = new Rng(2);
    const net = new UNet(micro, rng);
    const x0 = tf.tidy(() => tf.tanh(rng.normalTensor([4, 4, 4, 1])));
    const eps = rng.normalTensor([4, 4, 4, 1]);
    const t = tf.tensor1d([0.2, 0.4, 0.6, 0.8]);
    const labels = tf.tensor1d([0, 1, 2, -1], 'int32');
    const xt = tf.tidy(() => {
      const a = tf.reshape(tf.cos(tf.mul(t, Math.PI / 2)), [-1, 1, 1, 1]);
      const s = tf.reshape(tf.sin(tf.mul(t, Math.PI / 2)), [-1, 1, 1, 1]);
      return tf.add(tf.mul(a, x0), tf.mul(s, eps)) as tf.Tensor4D;
    });
    const opt = tf.train.adam(1e-2, 0.9, 0.999, 1e-8);
    const loss = () => tf.mean(tf.square(tf.sub(net.apply(xt, t, labels), eps))) as tf.Scalar;
    const losses: number[] = [];
    let count = 0;
    for (let i = 0; i < 6; i++) {
      const l = opt.minimize(loss, true, parameterList(net))!;
      losses.push(l.dataSync()[0]);
      l.dispose();
      if (i === 1) count = tf.memory().numTensors; // Adam's moments exist after the first step
      if (i > 1) expect(tf.memory().numTensors).toBe(count);
    }
    expect(losses[5]).toBeLessThan(0.9 * losses[0]);
    opt.dispose();
    tf.dispose([x0, eps, t, labels, xt]);
    net.dispose();
  });
});
