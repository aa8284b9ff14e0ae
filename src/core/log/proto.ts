/**
 * A minimal protocol-buffers wire format (https://protobuf.dev/programming-guides/encoding/): enough to write and
 * read TensorFlow's `Event`/`Summary` messages. Varint, fixed32, fixed64 and length-delimited fields; packed and
 * unpacked repeated scalars are handled by the callers through `ProtoReader.floats/doubles`.
 */

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

/** Builds one message; nested messages are encoded separately and added with `message`. */
export class ProtoWriter {
  private chunks: Uint8Array[] = [];
  private scratch = new DataView(new ArrayBuffer(8));

  private push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
  }

  private tag(field: number, wire: number): void {
    this.rawVarint(field * 8 + wire);
  }

  private rawVarint(value: number | bigint): void {
    // Negative int32/int64 values are encoded as their 64-bit two's complement (10 bytes).
    let v = BigInt.asUintN(64, BigInt(value));
    const out: number[] = [];
    while (v >= 0x80n) {
      out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    out.push(Number(v));
    this.push(Uint8Array.from(out));
  }

  /** int32/int64/uint64/bool/enum field. */
  varint(field: number, value: number | bigint | boolean): this {
    this.tag(field, WIRE_VARINT);
    this.rawVarint(typeof value === 'boolean' ? (value ? 1 : 0) : value);
    return this;
  }

  double(field: number, value: number): this {
    this.tag(field, WIRE_FIXED64);
    this.scratch.setFloat64(0, value, true);
    this.push(new Uint8Array(this.scratch.buffer.slice(0, 8)));
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, WIRE_FIXED32);
    this.scratch.setFloat32(0, value, true);
    this.push(new Uint8Array(this.scratch.buffer.slice(0, 4)));
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WIRE_LEN);
    this.rawVarint(value.length);
    this.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, value: ProtoWriter): this {
    return this.bytes(field, value.finish());
  }

  /** A packed `repeated double` field. */
  packedDoubles(field: number, values: ArrayLike<number>): this {
    const buf = new DataView(new ArrayBuffer(values.length * 8));
    for (let i = 0; i < values.length; i++) buf.setFloat64(i * 8, values[i], true);
    return this.bytes(field, new Uint8Array(buf.buffer));
  }

  finish(): Uint8Array {
    const total = this.chunks.reduce((n, c) => n + c.length, 0);
    const out = new Uint8Array(total);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

/** One decoded field: varints as numbers (exact below 2⁵³), fixed32/fixed64 and length-delimited as raw bytes. */
export interface ProtoField {
  field: number;
  wire: number;
  varint: number;
  bytes: Uint8Array;
}

/** Thrown for malformed wire data; the event-file reader turns it into a DalError naming the file and offset. */
export class ProtoError extends Error {}

/** Decodes the fields of one message (in order, repeated fields repeated). */
export function decodeMessage(buf: Uint8Array): ProtoField[] {
  const fields: ProtoField[] = [];
  let pos = 0;
  const readVarint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (pos >= buf.length) throw new ProtoError('truncated varint');
      const b = buf[pos++];
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return result;
      shift += 7n;
    }
    throw new ProtoError('varint longer than 10 bytes');
  };
  const take = (n: number): Uint8Array => {
    if (n < 0 || pos + n > buf.length) throw new ProtoError(`field of ${n} bytes runs past the end of the message`);
    const out = buf.subarray(pos, pos + n);
    pos += n;
    return out;
  };
  const empty = new Uint8Array(0);
  while (pos < buf.length) {
    const key = Number(readVarint());
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (field === 0) throw new ProtoError('field number 0');
    switch (wire) {
      case WIRE_VARINT:
        fields.push({ field, wire, varint: Number(BigInt.asIntN(64, readVarint())), bytes: empty });
        break;
      case WIRE_FIXED64:
        fields.push({ field, wire, varint: 0, bytes: take(8) });
        break;
      case WIRE_LEN:
        fields.push({ field, wire, varint: 0, bytes: take(Number(readVarint())) });
        break;
      case WIRE_FIXED32:
        fields.push({ field, wire, varint: 0, bytes: take(4) });
        break;
      default:
        throw new ProtoError(`unsupported wire type ${wire} (field ${field})`);
    }
  }
  return fields;
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** Reads a fixed64 field as a double. */
export function asDouble(f: ProtoField): number {
  if (f.wire !== WIRE_FIXED64) throw new ProtoError(`field ${f.field}: expected a double, got wire type ${f.wire}`);
  return view(f.bytes).getFloat64(0, true);
}

/** Reads a fixed32 field as a float. */
export function asFloat(f: ProtoField): number {
  if (f.wire !== WIRE_FIXED32) throw new ProtoError(`field ${f.field}: expected a float, got wire type ${f.wire}`);
  return view(f.bytes).getFloat32(0, true);
}

/** Reads a length-delimited field as UTF-8 text. */
export function asString(f: ProtoField): string {
  if (f.wire !== WIRE_LEN) throw new ProtoError(`field ${f.field}: expected a string, got wire type ${f.wire}`);
  return new TextDecoder().decode(f.bytes);
}

/** Values of a `repeated double` field, whether packed (one length-delimited run) or not (one fixed64 each). */
export function repeatedDoubles(fields: ProtoField[], field: number): number[] {
  return repeatedFixed(fields, field, 8, (d, o) => d.getFloat64(o, true));
}

/** Values of a `repeated float` field, packed or not. */
export function repeatedFloats(fields: ProtoField[], field: number): number[] {
  return repeatedFixed(fields, field, 4, (d, o) => d.getFloat32(o, true));
}

function repeatedFixed(
  fields: ProtoField[],
  field: number,
  width: number,
  get: (d: DataView, o: number) => number,
): number[] {
  const out: number[] = [];
  for (const f of fields) {
    if (f.field !== field) continue;
    if (f.wire === WIRE_LEN && f.bytes.length % width !== 0) {
      throw new ProtoError(`field ${field}: packed run of ${f.bytes.length} bytes is not a multiple of ${width}`);
    }
    const d = view(f.bytes);
    for (let o = 0; o + width <= f.bytes.length; o += width) out.push(get(d, o));
  }
  return out;
}

/** The last occurrence of `field` (proto3 semantics for singular fields), or undefined. */
export function lastField(fields: ProtoField[], field: number): ProtoField | undefined {
  for (let i = fields.length - 1; i >= 0; i--) if (fields[i].field === field) return fields[i];
  return undefined;
}
