/**
 * Adam (Kingma & Ba 2015, Algorithm 1) with one native pass per variable on the `native` backend, in place of the
 * ~12 elementwise kernels per variable of tfjs's AdamOptimizer (a U-Net step spent ~3,000 kernel calls there).
 *
 * It *is* a tf.AdamOptimizer: the same state (per-variable `<name>/m`, `<name>/v` variables, β₁ᵗ and β₂ᵗ in accBeta1,
 * accBeta2, the iteration count), so getWeights / setWeights and dal's checkpoints (core/checkpoint.ts) save and
 * restore it unchanged, and the same float32 arithmetic (native/src/adam.cc), so its updates equal tfjs's.
 * Off the native backend, or for non-float32 variables, it runs tfjs's own applyGradients.
 */
import * as tf from '@tensorflow/tfjs-core';
import { loadAddon, type AdamAddon } from './addon.ts';
import { NATIVE_BACKEND } from './native.ts';
import { backendValues, poolAlloc } from './fused.ts';

/** The AdamOptimizer fields tfjs keeps protected (names and layout as tfjs-core 4.22's adam_optimizer.js). */
interface AdamState {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
  incrementIterations(): void;
}

function adamAddon(): AdamAddon | null {
  if (tf.getBackend() !== NATIVE_BACKEND) return null;
  const addon = loadAddon();
  return addon && typeof addon.adamUpdate === 'function' ? addon : null;
}

/** tfjs's argument: gradients by variable name, as a map or a list of {name, tensor}. */
type VariableGradients = Parameters<tf.AdamOptimizer['applyGradients']>[0];

export class FusedAdamOptimizer extends tf.AdamOptimizer {
  override applyGradients(variableGradients: VariableGradients): void {
    const addon = adamAddon();
    const list = Array.isArray(variableGradients)
      ? variableGradients.map(({ name, tensor }) => ({ name, gradient: tensor as tf.Tensor | null }))
      : Object.entries(variableGradients).map(([name, gradient]) => ({ name, gradient: gradient as tf.Tensor | null }));
    const variables = list.map(({ name }) => tf.engine().registeredVariables[name]);
    const float32 = list.every(({ gradient }, i) => variables[i].dtype === 'float32' && (!gradient || gradient.dtype === 'float32'));
    if (!addon || !float32) {
      super.applyGradients(variableGradients);
      return;
    }
    const s = this as unknown as AdamState;
    tf.tidy(() => {
      // tfjs: oneMinusAccBeta = sub(1, accBeta) in float32; every scalar operand is a float32 scalar tensor.
      const omAcc1 = Math.fround(1 - s.accBeta1.dataSync()[0]);
      const omAcc2 = Math.fround(1 - s.accBeta2.dataSync()[0]);
      list.forEach(({ name, gradient }, i) => {
        const value = variables[i];
        s.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        s.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        if (gradient == null) return;
        const m = s.accumulatedFirstMoment[i].variable;
        const v = s.accumulatedSecondMoment[i].variable;
        const n = value.size;
        const [thetaOut, mOut, vOut] = [poolAlloc(n), poolAlloc(n), poolAlloc(n)];
        addon.adamUpdate(
          backendValues(value), backendValues(gradient), backendValues(m), backendValues(v), thetaOut, mOut, vOut,
          s.beta1, 1 - s.beta1, s.beta2, 1 - s.beta2, omAcc1, omAcc2, s.epsilon, -s.learningRate,
        );
        m.assign(tf.tensor(mOut, value.shape));
        v.assign(tf.tensor(vOut, value.shape));
        value.assign(tf.tensor(thetaOut, value.shape));
      });
      s.accBeta1.assign(tf.mul(s.accBeta1, s.beta1));
      s.accBeta2.assign(tf.mul(s.accBeta2, s.beta2));
    });
    s.incrementIterations();
  }
}

/**
 * Adam with tfjs's signature and defaults (`tf.train.adam`), fused on the native backend.
 * @param epsilon default: the backend's epsilon, as tfjs
 */
export function adam(learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon: number | null = null): FusedAdamOptimizer {
  return new FusedAdamOptimizer(learningRate, beta1, beta2, epsilon ?? undefined);
}
