/**
 * The procedural multi-view shapes data (DESIGN.md): 5 shapes × 5 colours seen from random orbit cameras, with prompts
 * such as "a red cube, side view" and labels, rendered on the fly, deterministic for the state of an `Rng`.
 *
 * Views: azimuth is wrapped to (−180°, 180°]; "overhead" when elevation > 45° (checked first, so a high camera is
 * overhead whatever its azimuth), else "front" when |azimuth| < 45°, "back" when |azimuth| > 135°, else "side".
 * The boundaries themselves (|azimuth| = 45° or 135°, elevation = 45°) are "side". Cameras are drawn with azimuth
 * uniform in [0°, 360°) and elevation uniform in [−10°, 60°].
 */
import { Rng } from '../../rng.ts';
import type { ImageDataset } from '../dataset.ts';
import { ELEVATION_RANGE_DEG } from '../../camera.ts';
import { SHAPES } from './primitives.ts';
import { renderShapeInto, type RenderOptions, type ShapeSample } from './renderer.ts';
import { COLORS } from './shading.ts';

export { SHAPES } from './primitives.ts';
export { COLORS } from './shading.ts';
export { occupancy, occupancyGrid } from './primitives.ts';
export { renderShape, renderShapeInto, type ShapeSample } from './renderer.ts';
export { camera } from '../../camera.ts';

export const VIEWS = ['front', 'side', 'back', 'overhead'] as const;
export type ViewName = (typeof VIEWS)[number];

/** Number of (shape, colour) classes; class id = shape · COLORS.length + colour. */
export const NUM_SHAPE_CLASSES = SHAPES.length * COLORS.length;

/** Azimuth wrapped to (−180, 180]. */
export function wrapAzimuth(azimuthDeg: number): number {
  let a = azimuthDeg % 360;
  if (a > 180) a -= 360;
  if (a <= -180) a += 360;
  return a;
}

/** Index into VIEWS of a camera (see the module comment for the rule and its precedence). */
export function viewIndex(azimuthDeg: number, elevationDeg: number): number {
  if (elevationDeg > 45) return 3;
  const a = Math.abs(wrapAzimuth(azimuthDeg));
  if (a < 45) return 0;
  if (a > 135) return 2;
  return 1;
}

/** Combined class id shape · 5 + colour. */
export function classId(s: Pick<ShapeSample, 'shape' | 'color'>): number {
  return s.shape * COLORS.length + s.color;
}

/** "a red cube, side view". */
export function promptFor(s: ShapeSample): string {
  return `a ${COLORS[s.color]} ${SHAPES[s.shape]}, ${VIEWS[viewIndex(s.azimuth, s.elevation)]} view`;
}

/**
 * Every word a shapes prompt uses ("a", the colours, the shapes, ",", the views, "view"): the vocabulary a teacher
 * trained on these prompts knows (normalized as the tokenizer's `words`).
 */
export const SHAPES_PROMPT_WORDS: readonly string[] = ['a', ...COLORS, ...SHAPES, ',', ...VIEWS, 'view'];

const PROMPT_RE = new RegExp(`^\\s*an?\\s+(${COLORS.join('|')})\\s+(${SHAPES.join('|')})\\s*(?:,\\s*(${VIEWS.join('|')})\\s+view)?\\s*\\.?\\s*$`);

/**
 * Parse a shapes prompt ("a red cube, side view"; case-insensitive; the view part is optional, giving view -1).
 * @returns indices into SHAPES, COLORS and VIEWS, or null when the prompt is not of that form
 */
export function parsePrompt(p: string): { shape: number; color: number; view: number } | null {
  const m = PROMPT_RE.exec(p.toLowerCase());
  if (!m) return null;
  return {
    color: (COLORS as readonly string[]).indexOf(m[1]),
    shape: (SHAPES as readonly string[]).indexOf(m[2]),
    view: m[3] ? (VIEWS as readonly string[]).indexOf(m[3]) : -1,
  };
}

/** A random object and camera: shape, colour uniform; azimuth U[0, 360), elevation U[−10, 60]. */
export function randomShapeSample(rng: Rng): ShapeSample {
  const shape = rng.int(SHAPES.length);
  const color = rng.int(COLORS.length);
  const azimuth = 360 * rng.uniform();
  const [lo, hi] = ELEVATION_RANGE_DEG;
  const elevation = lo + (hi - lo) * rng.uniform();
  return { shape, color, azimuth, elevation };
}

/** A rendered batch with its prompts and labels. */
export interface ShapesBatch {
  /** [n, size, size, 3] RGB in [0, 1]. */
  images: Float32Array;
  samples: ShapeSample[];
  prompts: string[];
  /** [n] combined class id shape · 5 + colour. */
  labels: Int32Array;
  /** [n] indices into SHAPES, COLORS and VIEWS. */
  shapes: Int32Array;
  colors: Int32Array;
  views: Int32Array;
}

/** Render the given samples as a batch. */
export function renderBatch(samples: ShapeSample[], size = 32, opts: RenderOptions = {}): ShapesBatch {
  const n = samples.length;
  const per = size * size * 3;
  const images = new Float32Array(n * per);
  const labels = new Int32Array(n);
  const shapes = new Int32Array(n);
  const colors = new Int32Array(n);
  const views = new Int32Array(n);
  samples.forEach((s, i) => {
    renderShapeInto(s, size, images, i * per, opts);
    labels[i] = classId(s);
    shapes[i] = s.shape;
    colors[i] = s.color;
    views[i] = viewIndex(s.azimuth, s.elevation);
  });
  return { images, samples, prompts: samples.map(promptFor), labels, shapes, colors, views };
}

/** `n` random objects and views rendered at `size`×`size`; consumes 4 draws of `rng` per sample. */
export function shapesBatch(rng: Rng, n: number, size = 32, opts: RenderOptions = {}): ShapesBatch {
  const samples: ShapeSample[] = [];
  for (let i = 0; i < n; i++) samples.push(randomShapeSample(rng));
  return renderBatch(samples, size, opts);
}

/** Seeds of the fixed shapes splits (a held-out set never changes, so metrics stay comparable). */
export const SHAPES_SPLIT_SEEDS = { train: 1, test: 2 } as const;

/**
 * A fixed, pre-rendered shapes set as an `ImageDataset` (labels = class id; 25 classes), e.g. the held-out real data
 * of the FID and the classifier's test set. Deterministic for (split, n, size); train and test come from different
 * seeds (their cameras are continuous, so no image is in both).
 */
export function shapesDataset(split: keyof typeof SHAPES_SPLIT_SEEDS, n: number, size = 32): ImageDataset & { prompts: string[]; samples: ShapeSample[] } {
  const b = shapesBatch(new Rng(SHAPES_SPLIT_SEEDS[split]), n, size);
  return {
    name: `shapes-${split}`,
    shape: [size, size, 3],
    numClasses: NUM_SHAPE_CLASSES,
    size: n,
    images: b.images,
    labels: b.labels,
    prompts: b.prompts,
    samples: b.samples,
  };
}
