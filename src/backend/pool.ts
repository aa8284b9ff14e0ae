/**
 * Recycling of the native backend's output buffers. Every tfjs kernel output is a fresh Float32Array, and V8 counts
 * each one's bytes as external memory: a U-Net training step allocates some GB of them, which triggers dozens of
 * full (mark-compact) garbage collections per step — measured at a quarter of the step's time. The pool hands a
 * disposed tensor's Float32Array to the next kernel output of the same length instead.
 *
 * A buffer is recycled only while it provably has one owner:
 * - `alloc` hands it out ('out'); the tensor that stores it `adopt`s it ('held');
 * - a second tensor storing the same ArrayBuffer (a cpu kernel returning a view of its input, e.g. a contiguous
 *   Slice) or any read by the user (`dataSync`, `data`, `array`: see NativeBackend.readSync) makes it `escape`:
 *   it is forgotten and left to the garbage collector;
 * - when its tensor is disposed, it is `release`d to the free list (up to `maxFreeBytes`, else dropped).
 * Recycled buffers hold stale values: `alloc` is for outputs the kernel overwrites entirely, `allocZeroed` otherwise.
 */

type State = 'out' | 'held' | 'free';

export class BufferPool {
  private readonly free = new Map<number, Float32Array[]>();
  private readonly state = new WeakMap<ArrayBuffer, State>();
  private freeBytes = 0;

  /**
   * @param maxFreeBytes largest total size of the free lists (larger releases are dropped)
   * @param minLength buffers shorter than this are not pooled (they cost the collector little)
   */
  constructor(
    readonly maxFreeBytes: number,
    readonly minLength = 4096,
  ) {}

  /** A Float32Array of length n with unspecified contents (recycled when one is free). */
  alloc(n: number): Float32Array {
    return this.take(n) ?? this.fresh(n);
  }

  /** A zero-filled Float32Array of length n. */
  allocZeroed(n: number): Float32Array {
    return this.take(n)?.fill(0) ?? this.fresh(n);
  }

  /** Called when a tensor starts storing `values`. */
  adopt(values: unknown): void {
    if (!(values instanceof Float32Array)) return;
    const buf = values.buffer as ArrayBuffer;
    const s = this.state.get(buf);
    if (s === undefined) return;
    if (s === 'out' && values.byteOffset === 0 && values.byteLength === buf.byteLength) this.state.set(buf, 'held');
    else this.state.delete(buf); // a second owner, or a view: never recycled
  }

  /** Called when `values` become visible outside the backend (a read by the user): never recycled. */
  escape(values: unknown): void {
    if (values instanceof Float32Array) this.state.delete(values.buffer as ArrayBuffer);
  }

  /** Called when the only tensor storing `values` was disposed. */
  release(values: unknown): void {
    if (!(values instanceof Float32Array)) return;
    const buf = values.buffer as ArrayBuffer;
    if (this.state.get(buf) !== 'held') return;
    if (this.freeBytes + values.byteLength > this.maxFreeBytes) {
      this.state.delete(buf);
      return;
    }
    this.state.set(buf, 'free');
    const list = this.free.get(values.length);
    if (list) list.push(values);
    else this.free.set(values.length, [values]);
    this.freeBytes += values.byteLength;
  }

  /** Drops every free buffer (the collector reclaims them). */
  clear(): void {
    for (const list of this.free.values()) for (const a of list) this.state.delete(a.buffer as ArrayBuffer);
    this.free.clear();
    this.freeBytes = 0;
  }

  /** Bytes currently held in the free lists. */
  get freeByteCount(): number {
    return this.freeBytes;
  }

  /** A free buffer of length n, or undefined. */
  private take(n: number): Float32Array | undefined {
    const a = this.free.get(n)?.pop();
    if (!a) return undefined;
    this.freeBytes -= a.byteLength;
    this.state.set(a.buffer as ArrayBuffer, 'out');
    return a;
  }

  /** A new (zero) buffer, tracked when it is large enough to pool. */
  private fresh(n: number): Float32Array {
    const a = new Float32Array(n);
    if (n >= this.minLength && this.maxFreeBytes > 0) this.state.set(a.buffer as ArrayBuffer, 'out');
    return a;
  }
}
