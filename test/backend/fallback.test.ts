/** The native backend's fallback: kernels without a native version, and dtypes the native kernels decline. */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.ts';
import { availableBackends, initBackend, nativeAvailable } from '../../src/backend/index.ts';
import { nativeKernelNames } from '../../src/backend/native.ts';
import { expectSameOnBoth, randn } from './compare.ts';

describe.runIf(nativeAvailable())('native backend fallback', () => {
  it("registers every cpu kernel for native, plus dal's own (GroupNorm+SiLU and its backward)", () => {
    const cpu = tf.getKernelsForBackend('cpu').map((k) => k.kernelName).sort();
    const native = tf.getKernelsForBackend('native').map((k) => k.kernelName);
    expect(native.filter((k) => !k.startsWith('Dal')).sort()).toEqual(cpu);
    expect(native.filter((k) => k.startsWith('Dal')).sort()).toEqual(['DalGroupNormSilu', 'DalGroupNormSiluGrad']);
    expect(nativeKernelNames()).toContain('DalGroupNormSilu');
    expect(nativeKernelNames()).toContain('Conv2DBackpropFilter');
  });

  it('runs kernels it does not implement (cumsum, gather, concat, pad) like cpu', async () => {
    const rng = new Rng(40);
    const x = randn(rng, [6, 5]);
    await expectSameOnBoth(() => {
      const t = tf.tensor(x, [6, 5]);
      return [
        tf.cumsum(t, 1),
        tf.gather(t, tf.tensor1d([4, 0, 2], 'int32')),
        tf.concat([t, t], 1),
        tf.pad(t, [[1, 0], [0, 2]]),
        tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.cumsum(a, 1), a)))(t), // (tfjs's Cumsum gradient is wrong for axis 0)
      ];
    });
  });

  it('falls back for int32 and bool inputs', async () => {
    await initBackend('native');
    const a = tf.tensor1d([1, 2, 3], 'int32');
    const b = tf.tensor1d([4, -5, 6], 'int32');
    const s = tf.add(a, b);
    expect(s.dtype).toBe('int32');
    expect([...(await s.data())]).toEqual([5, -3, 9]);
    expect([...(await tf.sum(tf.tensor1d([true, false, true], 'bool')).data())]).toEqual([2]);
    expect([...(await tf.relu(b).data())]).toEqual([4, 0, 6]);
    tf.dispose([a, b, s]);
  });

  it('initBackend selects backends and rejects uninstalled ones with a fix', async () => {
    expect(availableBackends()).toEqual(expect.arrayContaining(['native', 'cpu']));
    expect(await initBackend('cpu')).toBe('cpu');
    expect(await initBackend()).toBe('native');
    if (!availableBackends().includes('tensorflow')) {
      await expect(initBackend('tensorflow')).rejects.toThrow(/npm i @tensorflow\/tfjs-node/);
    }
  });
});
