/**
 * Trains dal's classifier for a dataset and saves it as a checkpoint (default: the shipped `checkpoints/<kind>-classifier`).
 *
 *   npx tsx scripts/train-classifier.ts mnist [--steps N] [--batch B] [--lr LR] [--seed S] [--out DIR] [--backend native|cpu]
 *   npx tsx scripts/train-classifier.ts shapes …
 *
 * Prints the training loss every 100 steps, then the held-out accuracies (MNIST: the fixed 1,000-digit test split;
 * shapes: 2,000 fresh renders from the test seed), which are also stored in the checkpoint's manifest.
 */
import { parseArgs } from 'node:util';
import { initBackend, type BackendName } from '../src/backend/index.ts';
import type { ClassifierKind } from '../src/core/metrics/classifier.ts';
import { saveClassifier } from '../src/core/metrics/classifier.ts';
import { trainClassifier } from '../src/core/metrics/classifier-train.ts';
import { shippedClassifierDir } from '../src/core/metrics/evaluate.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    steps: { type: 'string' },
    batch: { type: 'string' },
    lr: { type: 'string' },
    seed: { type: 'string' },
    channels: { type: 'string' },
    out: { type: 'string' },
    backend: { type: 'string' },
  },
});
const kind = positionals[0] as ClassifierKind;
if (kind !== 'mnist' && kind !== 'shapes') {
  console.error('usage: npx tsx scripts/train-classifier.ts mnist|shapes [--steps N] [--batch B] [--lr LR] [--seed S] [--out DIR]');
  process.exit(2);
}
const backend = await initBackend(values.backend as BackendName | undefined);
const out = values.out ?? shippedClassifierDir(kind);
const heldOut = kind === 'mnist' ? 'mnist test split (1,000 digits)' : 'shapes test seed (2,000 fresh renders)';
console.log(`training the ${kind} classifier on '${backend}' → ${out}`);
const result = await trainClassifier(kind, {
  steps: values.steps ? Number(values.steps) : undefined,
  batchSize: values.batch ? Number(values.batch) : undefined,
  lr: values.lr ? Number(values.lr) : undefined,
  seed: values.seed ? Number(values.seed) : 0,
  config: values.channels ? { channels: values.channels.split(',').map(Number) } : undefined,
  onLog: (step, loss) => console.log(`step ${step}  loss ${loss.toFixed(4)}`),
});
saveClassifier(out, result.model, {
  steps: result.steps,
  trainingSeconds: result.seconds,
  metrics: result.metrics,
  heldOut,
  training: { ...result.training, backend, command: `npx tsx scripts/train-classifier.ts ${process.argv.slice(2).join(' ')}` },
});
console.log(JSON.stringify({ kind, backend, steps: result.steps, seconds: Math.round(result.seconds), ...result.metrics }));
result.model.dispose();
