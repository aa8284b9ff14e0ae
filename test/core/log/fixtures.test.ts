/** Reads the real TensorFlow/PyTorch event files in test/fixtures/tfevents and checks the values its README lists. */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodePng } from '../../../src/core/io/png.ts';
import { maskedCrc32c } from '../../../src/core/log/crc32c.ts';
import { readEventFile, readRecords } from '../../../src/core/log/reader.ts';
import {
  encodeEvent,
  frameRecord,
  histogramEvent,
  imageEvent,
  scalarEvent,
} from '../../../src/core/log/events.ts';
import type { DecodedEvent } from '../../../src/core/log/reader.ts';

const dir = fileURLToPath(new URL('../../fixtures/tfevents', import.meta.url));
const file = (name: string) => path.join(dir, name);

describe('event files written by TensorFlow and PyTorch', () => {
  it('are the files test/fixtures/README.md describes (size and SHA-256 prefix of each)', () => {
    const note = fs.readFileSync(path.join(dir, '..', 'README.md'), 'utf8');
    const rows = [...note.matchAll(/^\| `([^`]+)` \| ([\d,]+) \| `([0-9a-f]{12})` \|/gm)];
    expect(rows.map((r) => r[1]).sort()).toEqual(fs.readdirSync(dir).filter((n) => n.includes('tfevents')).sort());
    for (const [, name, bytes, sha] of rows) {
      const data = fs.readFileSync(file(name));
      expect(data.length, name).toBe(Number(bytes.replace(/,/g, '')));
      expect(createHash('sha256').update(data).digest('hex').slice(0, 12), name).toBe(sha);
    }
  });

  it('has every record framed with valid length and data CRCs', () => {
    const names = fs.readdirSync(dir).filter((n) => n.includes('tfevents'));
    expect(names.length).toBe(4);
    for (const name of names) {
      const bytes = fs.readFileSync(file(name));
      const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      // Walk the framing independently of the reader and check both CRCs by hand.
      let pos = 0;
      let count = 0;
      while (pos < bytes.length) {
        const len = Number(dv.getBigUint64(pos, true));
        expect(dv.getUint32(pos + 8, true)).toBe(maskedCrc32c(bytes.subarray(pos, pos + 8)));
        expect(dv.getUint32(pos + 12 + len, true)).toBe(maskedCrc32c(bytes.subarray(pos + 12, pos + 12 + len)));
        pos += 16 + len;
        count++;
      }
      expect(pos).toBe(bytes.length);
      expect(readRecords(bytes, name).length).toBe(count);
      expect(readEventFile(file(name)).length).toBe(count);
    }
  });

  it('reads lingvo (TF1): file_version and 360 events of 7 simple_value tags from step 1500', () => {
    const events = readEventFile(file('lingvo.events.out.tfevents.test'));
    expect(events[0].fileVersion).toBe('brain.Event:2');
    const rest = events.slice(1);
    expect(rest.length).toBe(360);
    expect(rest[0].step).toBe(1500);
    const tags = rest[0].scalars.map((s) => s.tag);
    expect(tags).toContain('bleu/dev');
    expect(tags).toContain('log_perplexity/dev');
    for (const [i, e] of rest.entries()) {
      expect(e.scalars.map((s) => s.tag)).toEqual(tags);
      expect(tags.length).toBe(7);
      if (i > 0) expect(e.step).toBeGreaterThan(rest[i - 1].step);
    }
  });

  it('reads TF2 rank-0 DT_FLOAT tensor scalars: my_metric = 0.5·step for steps 0–99', () => {
    const events = readEventFile(file('events.out.tfevents.1585499054.Jaakkos-Mac-mini.local.11684.5.v2'));
    expect(events[0].fileVersion).toBe('brain.Event:2');
    const points = events.flatMap((e) => e.scalars.map((s) => ({ step: e.step, ...s })));
    expect(points.length).toBe(100);
    points.forEach((p, i) => {
      expect(p).toEqual({ step: i, tag: 'my_metric', value: 0.5 * i });
    });
  });

  it('reads the legacy histo, simple_value and 28×28 RGB PNG image (wandb fixture)', () => {
    const events = readEventFile(file('events.out.tfevents.111.simple.localdomain'));
    const histos = events.flatMap((e) => e.histograms);
    expect(histos.length).toBe(1);
    const h = histos[0];
    expect(h.tag).toBe('histo');
    expect(h.bucket.length).toBe(601);
    expect(h.bucketLimit.length).toBe(601);
    expect(h.bucket.reduce((a, b) => a + b, 0)).toBeCloseTo(h.num, 9);
    expect(h.min).toBeLessThanOrEqual(h.sum / h.num);
    expect(h.max).toBeGreaterThanOrEqual(h.sum / h.num);
    for (let i = 1; i < h.bucketLimit.length; i++) expect(h.bucketLimit[i]).toBeGreaterThan(h.bucketLimit[i - 1]);

    const loss = events.flatMap((e) => e.scalars);
    expect(loss.map((s) => s.tag)).toEqual(['loss']);
    expect(Number.isFinite(loss[0].value)).toBe(true);

    const images = events.flatMap((e) => e.images);
    expect(images.length).toBe(1);
    expect(images[0]).toMatchObject({ tag: 'image', width: 28, height: 28, colorspace: 3 });
    const img = decodePng(images[0].png);
    expect([img.width, img.height, img.data.length]).toEqual([28, 28, 28 * 28 * 4]);
  });

  it('reads PyTorch simple_value scalars strict/foo at steps 0–495 by 5', () => {
    const events = readEventFile(file('events.out.tfevents.1622543341.janoshs-mbp.lan.86862.0'));
    const points = events.flatMap((e) => e.scalars.map((s) => ({ step: e.step, tag: s.tag })));
    expect(points).toEqual(Array.from({ length: 100 }, (_, i) => ({ step: 5 * i, tag: 'strict/foo' })));
  });

  // Re-encoding what the reader decoded with dal's own record encoders must give back the original bytes: this pins
  // field numbers, wire types, field order and framing against TensorFlow's and PyTorch's serializers.
  const reencode = (e: DecodedEvent): Uint8Array => {
    expect(e.scalars.length + e.images.length + e.histograms.length + e.texts.length).toBeLessThanOrEqual(1);
    if (e.fileVersion !== undefined) return encodeEvent(e.wallTime, e.step, { fileVersion: e.fileVersion });
    if (e.scalars.length) return scalarEvent(e.wallTime, e.step, e.scalars[0].tag, e.scalars[0].value);
    if (e.images.length) return imageEvent(e.wallTime, e.step, e.images[0].tag, e.images[0]);
    const { tag, ...h } = e.histograms[0];
    return histogramEvent(e.wallTime, e.step, tag, h);
  };

  for (const name of ['events.out.tfevents.1622543341.janoshs-mbp.lan.86862.0', 'events.out.tfevents.111.simple.localdomain']) {
    it(`re-encodes ${name} byte for byte with dal's record encoders`, () => {
      const original = fs.readFileSync(file(name));
      const again = Buffer.concat(readEventFile(file(name)).map((e) => frameRecord(reencode(e))));
      expect(again.equals(original)).toBe(true);
    });
  }
});
