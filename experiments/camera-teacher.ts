/**
 * experiments/camera-teacher.md: does a shapes teacher know the camera? For every shape × colour and 8 cameras
 * (azimuths 0°, 45°, …, 315° at elevation 15°: face-on and edge-on for the cube), DDIM-50 samples at CFG 3 from the
 * prompt with its view word ("a red cube, front view"), from
 *   - checkpoints/shapes-unet (view word only),
 *   - checkpoints/shapes-unet-cam without a camera (the null camera),
 *   - checkpoints/shapes-unet-cam with the exact camera,
 * scored against the true render of that prompt from that camera (the shapes renderer, 32×32): the mean squared
 * pixel error in [0, 1] (over all pixels, and per shape), and the shipped classifier's shape × colour accuracy. The
 * same noise for every teacher. A teacher that uses the camera reproduces the view, not just the object.
 *
 *   node --import tsx experiments/camera-teacher.ts [--seed S]
 */
import { writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { setupBackend } from '../src/cli/backend.ts';
import type { Condition } from '../src/core/diffusion/denoiser.ts';
import { withGuidance } from '../src/core/diffusion/guidance.ts';
import { sample } from '../src/core/diffusion/samplers.ts';
import { COLORS, promptFor, renderShape, SHAPES, type ShapeSample } from '../src/core/data/shapes/dataset.ts';
import { imageGrid, writePng } from '../src/core/io/png.ts';
import { loadClassifier } from '../src/core/metrics/classifier.ts';
import { shippedClassifierDir } from '../src/core/metrics/evaluate.ts';
import { loadModel } from '../src/core/model/model-dir.ts';
import { Rng } from '../src/core/rng.ts';

const seedFlag = process.argv.indexOf('--seed');
const seed = seedFlag >= 0 ? Number(process.argv[seedFlag + 1]) : 0;
const AZIMUTHS = [0, 45, 90, 135, 180, 225, 270, 315];
const ELEVATION = 15;
const GUIDANCE = 3;
const STEPS = 50;

await setupBackend();
const views: ShapeSample[] = [];
for (let shape = 0; shape < SHAPES.length; shape++) {
  for (let color = 0; color < COLORS.length; color++) for (const azimuth of AZIMUTHS) views.push({ shape, color, azimuth, elevation: ELEVATION });
}
const n = views.length;
const per = 32 * 32 * 3;
const truth = new Float32Array(n * per);
views.forEach((v, i) => truth.set(renderShape(v, 32), i * per));
const prompts = views.map(promptFor);
const cameras = Float32Array.from(views.flatMap((v) => [v.azimuth, v.elevation]));

const variants = [
  { name: 'view word only', teacher: 'checkpoints/shapes-unet', camera: false },
  { name: 'camera teacher, null camera', teacher: 'checkpoints/shapes-unet-cam', camera: false },
  { name: 'camera teacher, exact camera', teacher: 'checkpoints/shapes-unet-cam', camera: true },
];
const classifier = loadClassifier(shippedClassifierDir('shapes')).model;
const rows: string[] = [];
const grids: Float32Array[] = [];
for (const v of variants) {
  const t0 = Date.now();
  const { denoiser } = loadModel(v.teacher);
  const cond: Condition = v.camera ? { prompts, cameras } : { prompts };
  const x = tf.tidy(() => {
    const out = sample(withGuidance(denoiser, GUIDANCE), n, { sampler: 'ddim', steps: STEPS, cond, rng: new Rng(seed), clipX0: [-1, 1] });
    return tf.clipByValue(tf.div(tf.add(out, 1), 2), 0, 1);
  });
  const images = x.dataSync() as Float32Array;
  x.dispose();
  denoiser.dispose();
  grids.push(images);
  const { features, predictions } = classifier.run(images);
  features.dispose();
  const mse = (pick: (i: number) => boolean) => {
    let s = 0;
    let m = 0;
    for (let i = 0; i < n; i++) {
      if (!pick(i)) continue;
      for (let j = i * per; j < (i + 1) * per; j++) s += (images[j] - truth[j]) ** 2;
      m += per;
    }
    return s / m;
  };
  let right = 0;
  views.forEach((s, i) => (right += Number(predictions.shape[i] === s.shape && predictions.color[i] === s.color)));
  const perShape = SHAPES.map((_, k) => mse((i) => views[i].shape === k).toFixed(4));
  rows.push(`| ${v.name} (\`${v.teacher}\`) | ${mse(() => true).toFixed(4)} | ${perShape.join(' | ')} | ${(right / n).toFixed(3)} | ${((Date.now() - t0) / 1000).toFixed(0)} s |`);
  process.stderr.write(`${rows.at(-1)}\n`);
}
classifier.dispose();

// One image: for the red cube, the 8 azimuths — truth, then each variant.
const cube = views.map((s, i) => (s.shape === SHAPES.indexOf('cube') && s.color === 0 ? i : -1)).filter((i) => i >= 0);
const strip = new Float32Array(4 * cube.length * per);
[truth, ...grids].forEach((src, r) => cube.forEach((i, c) => strip.set(src.subarray(i * per, (i + 1) * per), (r * cube.length + c) * per)));
writePng('experiments/camera-teacher.png', imageGrid(strip, [4 * cube.length, 32, 32, 3], cube.length));

const md = `# Does the shapes teacher know the camera?

Every shape × colour seen from 8 cameras (azimuths ${AZIMUTHS.join('°, ')}° at elevation ${ELEVATION}°; ${n} samples), DDIM-${STEPS} at CFG ${GUIDANCE}
from the prompt with its view word ("a red cube, front view"), the same noise (seed ${seed}) for every row; scored
against the true render of the prompt from that camera: mean squared error of the pixels in [0, 1], overall and per
shape, and \`checkpoints/shapes-classifier\`'s shape × colour accuracy. Regenerate with
\`node --import tsx experiments/camera-teacher.ts\`.

| teacher | MSE to the true view | ${SHAPES.join(' | ')} | shape × colour accuracy | time |
| --- | ---: | ${SHAPES.map(() => '---:').join(' | ')} | ---: | ---: |
${rows.join('\n')}

![](camera-teacher.png)

"a red cube" at the 8 azimuths: the true render, then the rows of the table in order.
`;
writeFileSync('experiments/camera-teacher.md', md);
process.stdout.write(md);
