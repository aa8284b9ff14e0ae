import { describe, expect, it } from 'vitest';
import { crc32c, maskCrc, maskedCrc32c } from '../../../src/core/log/crc32c.ts';

describe('crc32c', () => {
  it('matches the published check values', () => {
    expect(crc32c(new TextEncoder().encode('abcd'))).toBe(0x92c80a31);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    // The standard CRC-32C check value (RFC 3720 B.4 / the "123456789" catalogue entry).
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });

  it('masks as TFRecord does', () => {
    const bytes = Uint8Array.from([0x1a, 0x11, ...new TextEncoder().encode('CRC test, one two')]);
    expect(maskedCrc32c(bytes)).toBe(0x5794d08a);
    // By hand: rotate right by 15, add 0xa282ead8 modulo 2^32.
    expect(maskCrc(0)).toBe(0xa282ead8);
    expect(maskCrc(1 << 15)).toBe((1 + 0xa282ead8) >>> 0);
    expect(maskCrc(0xffffffff)).toBe((0xffffffff + 0xa282ead8) % 2 ** 32);
  });
});
