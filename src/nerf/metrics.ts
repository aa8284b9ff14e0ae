/**
 * Scores of a DreamFusion result from its turntable (16 renders at the teacher's resolution), by dal's shapes
 * classifier: the fraction of views whose shape, colour and both are the prompt's, and the mean probability of the
 * prompt's class among all 25 (shape × colour, the product of the two heads' softmaxes) — a retrieval score in the
 * spirit of CLIP R-precision.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Classifier } from '../core/metrics/classifier.ts';
import type { PromptClass } from './prompt.ts';

export interface TurntableScores {
  /** fraction of views classified as the prompt's shape */
  viewsShape: number;
  /** … as the prompt's colour */
  viewsColor: number;
  /** … as both */
  viewsBoth: number;
  /** mean over views of p(shape)·p(colour) of the prompt's class */
  promptProb: number;
}

/**
 * @param images [V, 32, 32, 3] in [0, 1]
 */
export function scoreTurntable(classifier: Classifier, images: Float32Array, views: number, target: PromptClass): TurntableScores {
  return tf.tidy(() => {
    const [h, w, c] = classifier.config.inputShape;
    const logits = classifier.logits(tf.tensor4d(images, [views, h, w, c]));
    const pShape = tf.softmax(logits.shape).arraySync() as number[][];
    const pColor = tf.softmax(logits.color).arraySync() as number[][];
    let shape = 0;
    let color = 0;
    let both = 0;
    let prob = 0;
    for (let i = 0; i < views; i++) {
      const s = argmax(pShape[i]) === target.shape;
      const k = argmax(pColor[i]) === target.color;
      shape += s ? 1 : 0;
      color += k ? 1 : 0;
      both += s && k ? 1 : 0;
      prob += pShape[i][target.shape] * pColor[i][target.color];
    }
    return { viewsShape: shape / views, viewsColor: color / views, viewsBoth: both / views, promptProb: prob / views };
  });
}

function argmax(a: number[]): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i] > a[best]) best = i;
  return best;
}
