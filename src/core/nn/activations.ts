/** Elementwise activations by name, for configurable networks (MLP widths × activation). */
import * as tf from '@tensorflow/tfjs-core';

export type ActivationName = 'relu' | 'silu' | 'softplus' | 'sigmoid' | 'tanh' | 'linear';

/** SiLU / swish, x·σ(x) (Elfwing et al. 2018, eq. 3). */
export function silu<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => tf.mul(x, tf.sigmoid(x)));
}

/** Applies the named activation. */
export function activate<T extends tf.Tensor>(x: T, name: ActivationName): T {
  switch (name) {
    case 'relu':
      return tf.relu(x);
    case 'silu':
      return silu(x);
    case 'softplus':
      return tf.softplus(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'tanh':
      return tf.tanh(x);
    case 'linear':
      return x;
  }
}
