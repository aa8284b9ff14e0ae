/**
 * A 2-D convolution in NHWC with PyTorch's geometry and initialization (`nn.Conv2d(cin, cout, k, stride, padding)`).
 *
 * Padding is explicit and symmetric (k = 3, padding 1 pads one pixel on every side), so a stride-2 convolution of
 * an even-sized input samples the same pixels as PyTorch's; tfjs's 'same' would pad only bottom/right there.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../rng.ts';
import { fanInUniform } from './init.ts';
import { ModuleBase, type ModuleEntries } from './module.ts';

export interface Conv2dOptions {
  /** default 1 */
  stride?: number;
  /** pixels padded on each side; default (kernelSize − 1) / 2 ("same" for odd kernels at stride 1) */
  padding?: number;
  /** default true */
  bias?: boolean;
}

export class Conv2d extends ModuleBase {
  /** [k, k, inChannels, outChannels] */
  readonly kernel: tf.Variable;
  /** [outChannels], or null without bias */
  readonly bias: tf.Variable | null;
  readonly stride: number;
  readonly padding: number;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    rng: Rng,
    opts: Conv2dOptions = {},
  ) {
    super();
    this.stride = opts.stride ?? 1;
    this.padding = opts.padding ?? Math.floor((kernelSize - 1) / 2);
    const fanIn = inChannels * kernelSize * kernelSize;
    this.kernel = fanInUniform(rng, [kernelSize, kernelSize, inChannels, outChannels], fanIn);
    this.bias = opts.bias === false ? null : fanInUniform(rng, [outChannels], fanIn);
  }

  protected entries(): ModuleEntries {
    return { kernel: this.kernel, bias: this.bias };
  }

  /** Output spatial size for an input of size n (PyTorch: ⌊(n + 2p − k)/s⌋ + 1). */
  outSize(n: number): number {
    return Math.floor((n + 2 * this.padding - this.kernelSize) / this.stride) + 1;
  }

  /**
   * @param x [B, H, W, inChannels]
   * @param shift [B, outChannels], added to every pixel of image b (a ResBlock's embedding projection); folded with
   *   the bias into one per-image bias of the fused convolution, so it costs no pass over the output of its own
   * @returns [B, H', W', outChannels] with H' = outSize(H)
   */
  apply(x: tf.Tensor4D, shift?: tf.Tensor2D | null): tf.Tensor4D {
    return tf.tidy(() => {
      const [b, h, w, c] = x.shape;
      if (c !== this.inChannels) {
        throw new Error(`Conv2d: expected ${this.inChannels} input channels, got shape [${x.shape}]`);
      }
      if (shift && (shift.rank !== 2 || shift.shape[0] !== b || shift.shape[1] !== this.outChannels)) {
        throw new Error(`Conv2d: shift must be [${b},${this.outChannels}], got [${shift.shape}]`);
      }
      const perImage = shift ? tf.reshape(shift, [b, 1, 1, this.outChannels]) : null;
      if (this.kernelSize === 1 && this.stride === 1 && this.padding === 0) {
        // A 1×1 convolution in NHWC is a matmul over the flattened pixels (no im2col, free reshapes).
        const y = tf.fused.matMul({
          a: tf.reshape(x, [b * h * w, c]) as tf.Tensor2D,
          b: tf.reshape(this.kernel, [c, this.outChannels]) as tf.Tensor2D,
          bias: this.bias ?? undefined,
        });
        const y4 = tf.reshape(y, [b, h, w, this.outChannels]) as tf.Tensor4D;
        return perImage ? (tf.add(y4, perImage) as tf.Tensor4D) : y4;
      }
      const bias = perImage ? (this.bias ? tf.add(this.bias, perImage) : perImage) : (this.bias ?? undefined);
      const p = this.padding;
      const pad: 'same' | tf.backend_util.ExplicitPadding = this.stride === 1 && 2 * p === this.kernelSize - 1 ? 'same' : explicitPad(p);
      return tf.fused.conv2d({
        x,
        filter: this.kernel as tf.Tensor4D,
        strides: this.stride,
        pad,
        bias,
      });
    });
  }
}

function explicitPad(p: number): tf.backend_util.ExplicitPadding {
  return [
    [0, 0],
    [p, p],
    [p, p],
    [0, 0],
  ];
}
