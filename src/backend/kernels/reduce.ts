/**
 * Native reductions (Sum/Mean/Max/Min/Prod over any axes), Softmax over the last axis and Transpose. A reduction
 * over one contiguous block of axes runs in place as [outer, r, inner]; scattered axes are first transposed to the end.
 */
import * as tf from '@tensorflow/tfjs-core';
import { alloc, allFloat32, f32, output, sizeOf, type NativeKernel, type KernelAddon } from './util.ts';

/** Reduction op codes of native/src/reduce.cc. */
export const REDUCE_OPS = { Sum: 0, Mean: 1, Max: 2, Min: 3, Prod: 4 } as const;

/** Collapses x's shape into [outer, r, inner] around the reduced axes, or null when they are not one block. */
export function reductionBlock(shape: readonly number[], axes: readonly number[]): [number, number, number] | null {
  const reduced = new Set(axes);
  // Size-1 dims may be counted on either side; only the dims of size > 1 decide the layout.
  const pattern: boolean[] = [];
  for (let d = 0; d < shape.length; d++) if (shape[d] !== 1) pattern.push(reduced.has(d));
  const first = pattern.indexOf(true);
  const last = pattern.lastIndexOf(true);
  for (let i = first; i <= last && first >= 0; i++) if (!pattern[i]) return null;
  let outer = 1;
  let r = 1;
  let inner = 1;
  let seenReduced = false;
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    if (reduced.has(d)) {
      r *= shape[d];
      seenReduced = true;
    } else if (seenReduced) inner *= shape[d];
    else outer *= shape[d];
  }
  return [outer, r, inner];
}

function transposeValues(addon: KernelAddon, x: Float32Array, shape: number[], perm: number[]): Float32Array {
  const out = new Float32Array(x.length);
  addon.transpose(x, shape, perm, out);
  return out;
}

function reduceKernel(addon: KernelAddon, kernelName: keyof typeof REDUCE_OPS): NativeKernel {
  const op = REDUCE_OPS[kernelName];
  return {
    kernelName,
    run: ({ inputs, backend, attrs }) => {
      const { x } = inputs;
      if (!allFloat32(backend, x)) return null;
      const axisAttr = (kernelName === 'Max' ? attrs?.reductionIndices : attrs?.axis) as number | number[];
      const keepDims = Boolean(attrs?.keepDims);
      const axes = tf.util.parseAxisParam(axisAttr, x.shape);
      const [outShape] = tf.backend_util.computeOutAndReduceShapes(x.shape, axes);
      const finalShape = keepDims ? tf.backend_util.expandShapeToKeepDim(outShape, axes) : outShape;
      const out = alloc(backend, sizeOf(outShape));
      let values = f32(backend, x);
      let block = reductionBlock(x.shape, axes);
      if (!block) {
        // Move the reduced axes to the end (tfjs's own order), then reduce the trailing block.
        const perm = tf.backend_util.getAxesPermutation(axes, x.shape.length) ?? [];
        values = transposeValues(addon, values, x.shape, perm);
        const r = axes.reduce((p, a) => p * x.shape[a], 1);
        block = [sizeOf(x.shape) / Math.max(r, 1), r, 1];
        if (r === 0) block = [sizeOf(outShape), 0, 1];
      }
      addon.reduce(op, values, block[0], block[1], block[2], out);
      return output(backend, finalShape, out);
    },
  };
}

function softmaxKernel(addon: KernelAddon): NativeKernel {
  return {
    kernelName: 'Softmax',
    run: ({ inputs, backend, attrs }) => {
      const { logits } = inputs;
      if (!allFloat32(backend, logits)) return null;
      const dim = attrs?.dim as number;
      const rank = logits.shape.length;
      if (rank === 0 || (dim !== -1 && dim !== rank - 1)) return null;
      const cols = logits.shape[rank - 1];
      const out = alloc(backend, sizeOf(logits.shape));
      if (cols > 0) addon.softmax(f32(backend, logits), out.length / cols, cols, out);
      return output(backend, logits.shape, out);
    },
  };
}

function transposeKernel(addon: KernelAddon): NativeKernel {
  return {
    kernelName: 'Transpose',
    run: ({ inputs, backend, attrs }) => {
      const { x } = inputs;
      if (!allFloat32(backend, x)) return null;
      const perm = attrs?.perm as number[];
      const outShape = perm.map((p) => x.shape[p]);
      const out = alloc(backend, sizeOf(x.shape));
      addon.transpose(f32(backend, x), x.shape, perm, out);
      return output(backend, outShape, out);
    },
  };
}

/** Every native reduction / softmax / transpose kernel. */
export function reduceKernels(addon: KernelAddon): NativeKernel[] {
  return [
    ...(Object.keys(REDUCE_OPS) as (keyof typeof REDUCE_OPS)[]).map((k) => reduceKernel(addon, k)),
    softmaxKernel(addon),
    transposeKernel(addon),
  ];
}
