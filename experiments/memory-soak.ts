/**
 * Memory soak (issue 3, acceptance 6): N repeated training steps of the workload U-Net (src/core/nn/unet.ts, default
 * config, 1,822,849 parameters) on the native backend must keep the resident memory flat (within 10% of the
 * post-warm-up baseline) and tf.memory().numTensors constant. The step is the bench's (src/bench/unet.ts).
 *
 *   node --expose-gc --import tsx experiments/memory-soak.ts [--steps 2000] [--batch 32] [--warmup 200] [--every 100] [--out experiments/memory-soak.md]
 *
 * Samples process.memoryUsage().rss and tf.memory().numTensors every `--every` steps, prints the table and writes it
 * with the verdict to `--out`. Exit code 1 when the RSS level (mean of the last third of the post-warm-up samples against
 * the first third) moves by more than 10%, or numTensors changes.
 * With `--expose-gc` each sample is taken after a full garbage collection, so that it measures what the process
 * retains (a leak) rather than where V8's collection sawtooth happens to be: with the backend's buffer pool, few
 * collections run, and unreclaimed garbage can swing the RSS by ~100 MB between samples.
 */
import { writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { adam } from '../src/backend/adam.ts';
import { unetTrainStep } from '../src/bench/unet.ts';
import { initBackend } from '../src/backend/index.ts';
import { countParameters, parameterList } from '../src/core/nn/module.ts';
import { UNet } from '../src/core/nn/unet.ts';
import { Rng } from '../src/core/rng.ts';

const args = process.argv.slice(2);
const flag = (name: string, def: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : def;
};
const steps = Number(flag('--steps', '2000'));
const batch = Number(flag('--batch', '32'));
const warmup = Number(flag('--warmup', '200'));
const every = Number(flag('--every', '100'));
const out = flag('--out', 'experiments/memory-soak.md');
const limitPct = 10;

interface Sample {
  step: number;
  rssMiB: number;
  heapMiB: number;
  externalMiB: number;
  numTensors: number;
  numBytes: number;
  poolMiB: number;
  loss: number;
  secPerStep: number;
}

const mib = (b: number) => b / 2 ** 20;

const backend = await initBackend('native');
const rng = new Rng(0);
const net = new UNet({}, rng);
const { resolution: r, inChannels: c, numClasses } = net.config;
const params = parameterList(net);
const opt = adam(2e-4, 0.9, 0.999, 1e-8);
const x0 = rng.normalTensor([batch, r, r, c]) as tf.Tensor4D;
const labels = tf.tensor1d(Array.from({ length: batch }, () => rng.int(numClasses + 1) - 1), 'int32');
const step = unetTrainStep(net, opt, params, x0, labels, rng);

/** V8's full collection when the process runs with --expose-gc. */
const forcedGc = (globalThis as { gc?: () => void }).gc;
const command = `${forcedGc ? 'node --expose-gc --import tsx' : 'npx tsx'} experiments/memory-soak.ts ${args.join(' ')}`.trimEnd();
console.error(`memory-soak: backend ${backend}, ${countParameters(net)} params, batch ${batch}, ${steps} steps`);
const samples: Sample[] = [];
let t0 = performance.now();
for (let i = 1; i <= steps; i++) {
  const loss = step();
  const lossValue = loss.dataSync()[0];
  loss.dispose();
  if (i % every === 0 || i === steps) {
    forcedGc?.();
    const mem = process.memoryUsage();
    const tm = tf.memory();
    const now = performance.now();
    const s: Sample = {
      step: i,
      rssMiB: mib(mem.rss),
      heapMiB: mib(mem.heapUsed),
      externalMiB: mib(mem.external + mem.arrayBuffers),
      numTensors: tm.numTensors,
      numBytes: tm.numBytes,
      poolMiB: mib((tf.backend() as { pool?: { freeByteCount: number } }).pool?.freeByteCount ?? 0),
      loss: lossValue,
      secPerStep: (now - t0) / 1000 / (i - (samples.at(-1)?.step ?? 0)),
    };
    t0 = now;
    samples.push(s);
    console.error(
      `step ${i}: rss ${s.rssMiB.toFixed(1)} MiB, heap ${s.heapMiB.toFixed(1)} MiB, tensors ${s.numTensors}, ` +
        `loss ${s.loss.toFixed(4)}, ${s.secPerStep.toFixed(3)} s/step`,
    );
    if (samples.some((x) => x.step > warmup)) report(false);
  }
}

const md = report(true);
console.log(md);

opt.dispose();
tf.dispose([x0, labels]);
net.dispose();

/** Renders the table and verdict (so far) and writes it to `out`; returns the markdown. */
function report(done: boolean): string {
  const post = samples.filter((s) => s.step > warmup);
  const base = post[0];
  const maxDev = Math.max(...post.map((s) => Math.abs(s.rssMiB - base.rssMiB) / base.rssMiB)) * 100;
  const finalDev = ((post.at(-1)!.rssMiB - base.rssMiB) / base.rssMiB) * 100;
  // Flatness is judged on the level, not on single samples: the mean RSS of the last third of the post-warm-up samples
  // against the mean of the first third. Single samples swing with the buffer pool's free lists (reported per row),
  // which are bounded (DAL_POOL_MB) and are not a leak; a leak raises the level.
  const third = Math.max(1, Math.floor(post.length / 3));
  const mean = (xs: Sample[]) => xs.reduce((a, s) => a + s.rssMiB, 0) / xs.length;
  const [early, late] = [mean(post.slice(0, third)), mean(post.slice(-third))];
  const levelDev = ((late - early) / early) * 100;
  const tensorsConstant = post.every((s) => s.numTensors === base.numTensors && s.numBytes === base.numBytes);
  const pass = Math.abs(levelDev) <= limitPct && tensorsConstant;

  const rows = samples.map(
    (s) =>
      `| ${s.step} | ${s.rssMiB.toFixed(1)} | ${s.heapMiB.toFixed(1)} | ${s.externalMiB.toFixed(1)} | ${s.numTensors} | ` +
      `${(s.numBytes / 2 ** 20).toFixed(2)} | ${s.poolMiB.toFixed(1)} | ${s.loss.toFixed(4)} | ${s.secPerStep.toFixed(3)} |`,
  );
  const md = `# Memory soak: ${steps} U-Net training steps on \`${backend}\`

Issue 3, acceptance 6: repeated U-Net training steps keep the resident memory flat (within ${limitPct}% after warm-up)
and \`tf.memory().numTensors\` constant.

- Workload: the bench's U-Net training step (\`unetTrainStep\` in \`src/bench/unet.ts\`; default \`UNet\` config,
  ${countParameters(net)} parameters, Adam lr 2e-4), batch ${batch}, ${r}×${r}×${c}, seed 0.
- Samples every ${every} steps${forcedGc ? ', each after a full garbage collection (`--expose-gc`)' : ' (no forced garbage collection: run with `node --expose-gc` to measure retained memory)'};
  steps 1–${warmup} are warm-up; the baseline is the first sample after it (step ${base.step}).
- Date: ${new Date().toISOString()}; Node ${process.version}; DAL_NUM_THREADS=${process.env.DAL_NUM_THREADS ?? '(default)'};
  DAL_MALLOC_TUNE=${process.env.DAL_MALLOC_TUNE ?? '(default)'}.

| step | RSS MiB | JS heap MiB | external+ArrayBuffers MiB | numTensors | tensor MiB | pool free MiB | loss | s/step |
|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

**Result: ${done ? (pass ? 'PASS' : 'FAIL') : `IN PROGRESS (${samples.at(-1)!.step}/${steps} steps)`}.**
RSS level: mean of the last third of the post-warm-up samples ${late.toFixed(1)} MiB against ${early.toFixed(1)} MiB for the
first third: ${levelDev >= 0 ? '+' : ''}${levelDev.toFixed(2)}% (limit ±${limitPct}%). Single samples: baseline ${base.rssMiB.toFixed(1)} MiB
(step ${base.step}), largest deviation from it ${maxDev.toFixed(2)}%, final ${finalDev >= 0 ? '+' : ''}${finalDev.toFixed(2)}%.
numTensors ${tensorsConstant ? `constant at ${base.numTensors}` : `NOT constant: ${post.map((s) => s.numTensors).join(', ')}`}.

Command:

    ${command}
`;
  writeFileSync(out, md);
  if (done) process.exitCode = pass ? 0 : 1;
  return md;
}
