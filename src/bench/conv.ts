/**
 * `conv`: a 3×3 convolution (stride 1, same padding, bias) of x [32,32,32,64] from 64 to 64 channels, forward, then
 * the gradients of mean(y²) with respect to the input, the kernel (and the bias, as PyTorch computes it too).
 * GFLOP/s = 3 · 2·N·H·W·Cin·Cout·9 / time.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Conv2d } from '../core/nn/conv.ts';
import { Rng } from '../core/rng.ts';
import { timeit } from './timing.ts';
import type { WorkloadOptions, WorkloadResult } from './workload.ts';

export function benchConv({ quick, seed }: WorkloadOptions): WorkloadResult {
  const [n, h, w, c] = quick ? [2, 8, 8, 8] : [32, 32, 32, 64];
  const rng = new Rng(seed);
  const conv = new Conv2d(c, c, 3, rng);
  const x0 = rng.normalTensor([n, h, w, c]);
  const x = tf.variable(x0);
  x0.dispose();
  const vars = [x, conv.kernel, conv.bias!];
  try {
    const ms = timeit(
      () => {
        const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(conv.apply(x as tf.Tensor4D))) as tf.Scalar, vars);
        grads[x.name].dataSync();
        grads[conv.kernel.name].dataSync();
        tf.dispose([value, ...Object.values(grads)]);
      },
      quick ? { warmup: 1, reps: 1 } : { warmup: 2, reps: 7 },
    );
    return { ms, gflops: (3 * 2 * n * h * w * c * c * 9) / ms / 1e6 };
  } finally {
    x.dispose();
    conv.dispose();
  }
}
