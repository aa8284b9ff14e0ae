/**
 * Weighted loss terms, as threestudio combines them: every `loss_<name>` times its `lambda_<name>` from the config,
 * summed into the loss that is minimized, with each term logged as `loss/<name>` (its unweighted value) and the
 * total as `loss` when there is more than one. A term whose λ is 0 is neither computed into the total nor logged.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface WeightedLoss {
  /** Σ λ_name · term_name (differentiable; use it inside `optimizer.minimize` / `tf.variableGrads`) */
  loss: tf.Scalar;
  /** `loss/<name>`: each term's value; `loss`: the total (with two or more terms) */
  log: Record<string, number>;
}

/**
 * @param terms named scalar losses (e.g. `{sds: …, orient: …}`)
 * @param lambdas the weight of each term; every term needs one (a missing λ is an error, not a silent 0)
 */
export function weightedLoss(terms: Record<string, tf.Scalar>, lambdas: Record<string, number>): WeightedLoss {
  const used: tf.Scalar[] = [];
  const log: Record<string, number> = {};
  for (const [name, term] of Object.entries(terms)) {
    const lambda = lambdas[name];
    if (lambda === undefined || !Number.isFinite(lambda)) throw new Error(`weightedLoss: no finite λ for the term "${name}" (given ${lambda})`);
    if (lambda === 0) continue;
    log[`loss/${name}`] = term.dataSync()[0];
    used.push(lambda === 1 ? term : tf.mul(term, lambda));
  }
  if (used.length === 0) throw new Error(`weightedLoss: every λ is 0 (terms: ${Object.keys(terms).join(', ')})`);
  const loss = used.length === 1 ? used[0] : (tf.addN(used) as tf.Scalar);
  if (used.length > 1) log.loss = loss.dataSync()[0];
  return { loss, log };
}
