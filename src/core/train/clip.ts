/**
 * Gradient clipping by global norm (Pascanu et al. 2013, "On the difficulty of training recurrent neural networks",
 * Alg. 2; TensorFlow's `clip_by_global_norm`, PyTorch's `clip_grad_norm_`): when ‖g‖₂ over all gradients together
 * exceeds `maxNorm`, every gradient is scaled by maxNorm/(‖g‖₂ + 1e-6).
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * @param grads gradients by variable name (e.g. from `tf.variableGrads`)
 * @param maxNorm the largest global norm let through; null = no clipping (the norm is still measured)
 * @returns the (possibly scaled) gradients — the same tensors when no clipping happened, else new ones, which the
 *   caller disposes (or creates inside `tf.tidy`) — and the global norm before clipping
 */
export function clipByGlobalNorm(grads: tf.NamedTensorMap, maxNorm: number | null): { grads: tf.NamedTensorMap; norm: number } {
  if (maxNorm !== null && !(maxNorm > 0)) throw new Error(`clipByGlobalNorm: maxNorm must be > 0 or null, got ${maxNorm}`);
  const list = Object.values(grads);
  const norm = list.length === 0 ? 0 : tf.tidy(() => tf.sqrt(tf.addN(list.map((g) => tf.sum(tf.square(g))))).dataSync()[0]);
  if (maxNorm === null || !(norm > maxNorm)) return { grads, norm };
  const scale = maxNorm / (norm + 1e-6);
  return { grads: Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, tf.mul(g, scale)])), norm };
}
