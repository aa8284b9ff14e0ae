/** `gemm`: C = A·B for 1024×1024 fp32 matrices; GFLOP/s = 2n³ / time. */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../core/rng.ts';
import { timeit } from './timing.ts';
import type { WorkloadOptions, WorkloadResult } from './workload.ts';

export function benchGemm({ quick, seed }: WorkloadOptions): WorkloadResult {
  const n = quick ? 64 : 1024;
  const rng = new Rng(seed);
  const a = rng.normalTensor([n, n]) as tf.Tensor2D;
  const b = rng.normalTensor([n, n]) as tf.Tensor2D;
  try {
    const ms = timeit(
      () => {
        const c = tf.matMul(a, b);
        c.dataSync();
        c.dispose();
      },
      quick ? { warmup: 1, reps: 1 } : { warmup: 2, reps: 10 },
    );
    return { ms, gflops: (2 * n ** 3) / ms / 1e6 };
  } finally {
    tf.dispose([a, b]);
  }
}
