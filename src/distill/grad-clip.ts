/**
 * Clipping by global L2 norm (Pascanu et al. 2013), for the generator's and fake score's updates. (A shared
 * `clipByGlobalNorm` is landing in core; this stays until it does.)
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * @param grads named gradients
 * @param maxNorm the largest global norm, or null for no clipping
 * @returns the (possibly scaled) gradients and the global norm before clipping
 */
export function clipGrads(grads: tf.NamedTensorMap, maxNorm: number | null): { grads: tf.NamedTensorMap; norm: number } {
  const norm = tf.tidy(() => tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g))))).dataSync()[0]);
  if (maxNorm === null || !(norm > maxNorm)) return { grads, norm };
  const scale = maxNorm / (norm + 1e-6);
  return { grads: Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, tf.mul(g, scale)])), norm };
}
