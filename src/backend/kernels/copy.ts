/**
 * Native data-movement kernels (float32): Slice, Concat, PadV2 and SplitV (the Concat gradient), each one or more strided copies
 * (native/src/copy.cc). Unlike the cpu Slice, the native one always copies, so no output aliases its input.
 */
import * as tf from '@tensorflow/tfjs-core';
import { alloc, allocZeroed, allFloat32, f32, output, sizeOf, type KernelAddon, type NativeKernel } from './util.ts';

/** Row-major element strides of a shape (the last is 1). */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  for (let d = shape.length - 1, st = 1; d >= 0; d--) {
    s[d] = st;
    st *= shape[d];
  }
  return s;
}

function sliceKernel(addon: KernelAddon): NativeKernel {
  return {
    kernelName: 'Slice',
    run: ({ inputs, backend, attrs }) => {
      const { x } = inputs;
      if (!allFloat32(backend, x)) return null;
      const [begin, size] = tf.slice_util.parseSliceParams(x as tf.Tensor, attrs?.begin as number[], attrs?.size as number[]);
      tf.slice_util.assertParamsValid(x as tf.Tensor, begin, size);
      const out = alloc(backend, sizeOf(size));
      if (out.length > 0) {
        const st = stridesOf(x.shape);
        const offset = begin.reduce((o, b, d) => o + b * st[d], 0);
        addon.stridedCopy(f32(backend, x), offset, st, out, 0, stridesOf(size), size);
      }
      return output(backend, size, out);
    },
  };
}

function concatKernel(addon: KernelAddon): NativeKernel {
  return {
    kernelName: 'Concat',
    run: ({ inputs, backend, attrs }) => {
      const xs = inputs as unknown as tf.TensorInfo[];
      if (xs.length === 0 || !allFloat32(backend, ...xs)) return null;
      const axis = tf.util.parseAxisParam(attrs?.axis as number, xs[0].shape)[0];
      const outShape = tf.backend_util.computeOutShape(xs.map((t) => t.shape), axis);
      const out = alloc(backend, sizeOf(outShape));
      const outStrides = stridesOf(outShape);
      let at = 0;
      for (const t of xs) {
        if (sizeOf(t.shape) > 0) {
          addon.stridedCopy(f32(backend, t), 0, stridesOf(t.shape), out, at * outStrides[axis], outStrides, t.shape);
        }
        at += t.shape[axis] ?? 0;
      }
      return output(backend, outShape, out);
    },
  };
}

function padKernel(addon: KernelAddon): NativeKernel {
  return {
    kernelName: 'PadV2',
    run: ({ inputs, backend, attrs }) => {
      const { x } = inputs;
      if (!allFloat32(backend, x)) return null;
      const paddings = attrs?.paddings as [number, number][];
      const value = (attrs?.constantValue as number | undefined) ?? 0;
      const outShape = x.shape.map((s, d) => paddings[d][0] + s + paddings[d][1]);
      const out = value !== 0 ? alloc(backend, sizeOf(outShape)).fill(value) : allocZeroed(backend, sizeOf(outShape));
      if (sizeOf(x.shape) > 0) {
        const st = stridesOf(outShape);
        const offset = paddings.reduce((o, [before], d) => o + before * st[d], 0);
        addon.stridedCopy(f32(backend, x), 0, stridesOf(x.shape), out, offset, st, x.shape);
      }
      return output(backend, outShape, out);
    },
  };
}

function splitKernel(addon: KernelAddon): NativeKernel {
  return {
    kernelName: 'SplitV',
    run: ({ inputs, backend, attrs }) => {
      const { x } = inputs;
      if (!allFloat32(backend, x)) return null;
      const axis = tf.util.parseAxisParam(attrs?.axis as number, x.shape)[0];
      const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, attrs?.numOrSizeSplits as number | number[], axis);
      const st = stridesOf(x.shape);
      const xv = f32(backend, x);
      let at = 0;
      return sizes.map((n) => {
        const shape = x.shape.slice();
        shape[axis] = n;
        const out = alloc(backend, sizeOf(shape));
        if (out.length > 0) addon.stridedCopy(xv, at * st[axis], st, out, 0, stridesOf(shape), shape);
        at += n;
        return output(backend, shape, out);
      });
    },
  };
}

/**
 * UnsortedSegmentSum (the gradient of Gather, e.g. of an embedding table) as one pass in JS: the cpu kernel builds it
 * from a comparison and a reduction per segment. out[s] = Σ_{i: ids[i] = s} x[i]; ids outside [0, numSegments) drop.
 */
function unsortedSegmentSumKernel(): NativeKernel {
  return {
    kernelName: 'UnsortedSegmentSum',
    run: ({ inputs, backend, attrs }) => {
      const { x, segmentIds } = inputs;
      if (!allFloat32(backend, x) || segmentIds.dtype !== 'int32') return null;
      const ids = backend.data.get(segmentIds.dataId).values as Int32Array;
      const numSegments = attrs?.numSegments as number;
      const m = sizeOf(segmentIds.shape);
      if (m === 0 || x.shape.slice(0, segmentIds.shape.length).join() !== segmentIds.shape.join()) return null;
      const inner = sizeOf(x.shape) / m;
      const xv = f32(backend, x);
      const out = allocZeroed(backend, numSegments * inner);
      for (let i = 0; i < m; i++) {
        const sgm = ids[i];
        if (sgm < 0 || sgm >= numSegments) continue;
        for (let j = 0, o = sgm * inner, k = i * inner; j < inner; j++) out[o + j] += xv[k + j];
      }
      return output(backend, [numSegments, ...x.shape.slice(segmentIds.shape.length)], out);
    },
  };
}

/** The native data-movement kernels. */
export function copyKernels(addon: KernelAddon): NativeKernel[] {
  return [sliceKernel(addon), concatKernel(addon), padKernel(addon), splitKernel(addon), unsortedSegmentSumKernel()];
}
