/**
 * Typed access to the C++ addon `native/build/Release/dal_native.node` (the compute core of the `native` backend).
 *
 * NOTE for the backend glue (src/backend/native.ts): call `loadAddon()`; it returns null when the addon is
 * missing or failed to load, and `addonLoadError()` then says why (the node-gyp error kept in
 * native/build/BUILD_FAILED, or the load exception) and how to fix it.
 * Conventions of every kernel below:
 * - arrays are Float32Array, row-major (tensors' own dataSync() storage is fine); outputs are preallocated by the
 *   caller and fully overwritten (never read), so they need not be zeroed;
 * - sizes are plain integers; booleans may be passed as booleans;
 * - `activation` codes: see `Activation` (0 none, 1 relu, 2 relu6, 3 sigmoid, 4 elu, 5 leakyrelu), applied after
 *   the bias; `leakyAlpha` is only read for leakyrelu;
 * - conv geometry is NHWC with the tfjs filter layout [KH,KW,Cin,Cout]; pass the pads tfjs computed
 *   (convInfo.padInfo.top/left) and OH/OW (convInfo.outHeight/outWidth); bottom/right pads follow from them.
 * - results are bit-identical for any DAL_NUM_THREADS.
 * Wrong argument types or too-short arrays throw a JS Error (never a crash).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DalError } from '../core/errors.ts';

/** Activation codes fused into matmul / conv2d epilogues. */
export const Activation = { none: 0, relu: 1, relu6: 2, sigmoid: 3, elu: 4, leakyrelu: 5 } as const;
export type ActivationCode = (typeof Activation)[keyof typeof Activation];

/** The functions of the addon this module types (other .cc files may export more; see `raw`). */
export interface DalAddon {
  /**
   * C[b] = act(op(A[b])·op(B[b]) + bias) for b < batch. op(A) is m×k (A stored k×m when transA), op(B) is k×n
   * (B stored n×k when transB). A[b] starts at b·aBatchStride (0 = broadcast one A to every b), likewise B;
   * C[b] at b·m·n.
   * @param a [batch?,m,k] or [batch?,k,m]  @param b [batch?,k,n] or [batch?,n,k]  @param out [batch,m,n]
   * @param bias [n] or null
   */
  matmul(
    a: Float32Array, b: Float32Array, out: Float32Array, batch: number, m: number, n: number, k: number,
    transA: boolean, transB: boolean, aBatchStride: number, bBatchStride: number,
    bias: Float32Array | null, activation: number, leakyAlpha: number,
  ): void;
  /**
   * y = act(conv2d(x, w) + bias), cross-correlation as tf.conv2d.
   * @param x [N,H,W,Cin]  @param w [KH,KW,Cin,Cout]  @param y [N,OH,OW,Cout]  @param bias [Cout] or null
   */
  conv2d(
    x: Float32Array, w: Float32Array, y: Float32Array,
    N: number, H: number, W: number, Cin: number, OH: number, OW: number, Cout: number, KH: number, KW: number,
    strideH: number, strideW: number, padTop: number, padLeft: number, dilationH: number, dilationW: number,
    bias: Float32Array | null, activation: number, leakyAlpha: number,
  ): void;
  /**
   * dx = ∂(Σ y·dy)/∂x for y = conv2d(x, w) (Conv2DBackpropInput).
   * @param dy [N,OH,OW,Cout]  @param w [KH,KW,Cin,Cout]  @param dx [N,H,W,Cin]
   */
  conv2dBackpropInput(
    dy: Float32Array, w: Float32Array, dx: Float32Array,
    N: number, H: number, W: number, Cin: number, OH: number, OW: number, Cout: number, KH: number, KW: number,
    strideH: number, strideW: number, padTop: number, padLeft: number, dilationH: number, dilationW: number,
  ): void;
  /**
   * dw = ∂(Σ y·dy)/∂w for y = conv2d(x, w) (Conv2DBackpropFilter).
   * @param x [N,H,W,Cin]  @param dy [N,OH,OW,Cout]  @param dw [KH,KW,Cin,Cout]
   */
  conv2dBackpropFilter(
    x: Float32Array, dy: Float32Array, dw: Float32Array,
    N: number, H: number, W: number, Cin: number, OH: number, OW: number, Cout: number, KH: number, KW: number,
    strideH: number, strideW: number, padTop: number, padLeft: number, dilationH: number, dilationW: number,
  ): void;
  /** Threads of the addon's pool (DAL_NUM_THREADS, else the core count). */
  numThreads(): number;
}

const nativeDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'native');
/** DAL_NATIVE_ADDON=path loads another build of the addon (kernel development, A/B benchmarks). */
const addonPath = process.env.DAL_NATIVE_ADDON || join(nativeDir, 'build', 'Release', 'dal_native.node');
const failedMarker = join(nativeDir, 'build', 'BUILD_FAILED');
const fix = 'install a C++ toolchain (g++, make, python3) and run `node scripts/build-native.js`';

let loaded: { addon: (DalAddon & Record<string, unknown>) | null; error: string | null } | undefined;

function load(): NonNullable<typeof loaded> {
  if (loaded) return loaded;
  if (!process.env.DAL_NATIVE_ADDON && existsSync(failedMarker)) {
    const reason = readFileSync(failedMarker, 'utf8').trim();
    loaded = { addon: null, error: `the native addon failed to build (${reason}); ${fix}` };
  } else if (!existsSync(addonPath)) {
    loaded = { addon: null, error: `the native addon is not built (${addonPath} is missing); ${fix}` };
  } else {
    try {
      const require = createRequire(import.meta.url);
      loaded = { addon: require(addonPath) as DalAddon & Record<string, unknown>, error: null };
    } catch (e) {
      loaded = { addon: null, error: `the native addon did not load (${(e as Error).message}); ${fix}` };
    }
  }
  return loaded;
}

/** The addon, or null when it is unavailable (see addonLoadError). Loaded once. */
export function loadAddon(): (DalAddon & Record<string, unknown>) | null {
  return load().addon;
}

/** Why the addon is unavailable, with the fix; null when it loaded. */
export function addonLoadError(): string | null {
  return load().error;
}

/** The addon, throwing the load error when it is unavailable. */
export function requireAddon(): DalAddon & Record<string, unknown> {
  const { addon, error } = load();
  if (!addon) throw new DalError(error ?? 'the native addon is unavailable');
  return addon;
}

/** The addon functions of native/src/elementwise.cc and reduce.cc (see the comments there for the layouts). */
export interface ElementwiseAddon {
  binaryOp(op: number, a: Float32Array, aShape: number[], b: Float32Array, bShape: number[], out: Float32Array, outShape: number[]): void;
  unaryOp(op: number, x: Float32Array, out: Float32Array, alpha: number): void;
  addN(xs: Float32Array[], out: Float32Array): void;
  reduce(op: number, x: Float32Array, outer: number, r: number, inner: number, out: Float32Array): void;
  softmax(x: Float32Array, rows: number, cols: number, out: Float32Array): void;
  transpose(x: Float32Array, shape: number[], perm: number[], out: Float32Array): void;
  /** dst[dstOffset + Σ i·dstStrides] = src[srcOffset + Σ i·srcStrides] for every multi-index i < dims. */
  stridedCopy(
    src: Float32Array, srcOffset: number, srcStrides: number[], dst: Float32Array, dstOffset: number, dstStrides: number[],
    dims: number[],
  ): void;
}

/** The fused GroupNorm(+SiLU) pass of native/src/fused_groupnorm.cc, forward and backward (used by fused.ts). */
export interface GroupNormAddon {
  groupNormForward(
    x: Float32Array, gamma: Float32Array, beta: Float32Array, B: number, HW: number, C: number, G: number, eps: number,
    silu: boolean, out: Float32Array, mean: Float32Array, rstd: Float32Array,
  ): void;
  groupNormBackward(
    dout: Float32Array, x: Float32Array, gamma: Float32Array, beta: Float32Array, mean: Float32Array, rstd: Float32Array,
    B: number, HW: number, C: number, G: number, silu: boolean, dx: Float32Array, dgamma: Float32Array, dbeta: Float32Array,
  ): void;
}

/** One Adam update of one variable, native/src/adam.cc (used by adam.ts). */
export interface AdamAddon {
  adamUpdate(
    theta: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array,
    thetaOut: Float32Array, mOut: Float32Array, vOut: Float32Array,
    beta1: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number,
    oneMinusAccBeta1: number, oneMinusAccBeta2: number, epsilon: number, negLr: number,
  ): void;
}

/**
 * The whole addon, in this one place: gemm and convolutions (above), and the elementwise, reduction, copy, GroupNorm
 * and Adam passes. Declaration merging keeps this additive.
 */
export interface DalAddon extends ElementwiseAddon, GroupNormAddon, AdamAddon {}
