import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeEvent, readRecords } from '../../src/core/log/reader.ts';
import { encodeEvent, DT_FLOAT } from '../../src/core/log/events.ts';
import { ProtoWriter } from '../../src/core/log/proto.ts';
import { SummaryWriter } from '../../src/core/log/tfevents.ts';
import { decodeScalarEvent } from '../../src/viewer/scalar-events.ts';

describe('decodeScalarEvent', () => {
  it('agrees with decodeEvent on every record of a log with scalars, images, histograms, text and a session start', () => {
    const dir = fs.mkdtempSync(join(tmpdir(), 'dal-view-ev-'));
    try {
      const w = new SummaryWriter(dir, { flushSeconds: 3600, purgeStep: 3 });
      w.text('config', '```yaml\nname: x\n```', 0);
      for (let s = 1; s <= 5; s++) {
        w.scalar('loss/sds', 1 / s, s);
        w.scalar('tMax', 0.98 - s / 100, s);
      }
      w.scalar('ünïcode/tag', 0.5, 6);
      w.scalar('big-step', 2.5, 2 ** 40 + 3);
      w.image('particles', { width: 2, height: 1, data: new Uint8Array([255, 0, 0, 255, 0, 255, 0, 255]) }, 5);
      w.histogram('dist', [0.1, 0.2, 0.3, 2], 5);
      w.close();
      const file = fs.readdirSync(dir)[0]!;
      const records = readRecords(fs.readFileSync(join(dir, file)), file);
      let scalars = 0;
      for (const { data } of records) {
        const full = decodeEvent(data);
        const fast = decodeScalarEvent(data);
        expect(fast.step).toBe(full.step);
        expect(fast.wallTime).toBe(full.wallTime);
        expect(fast.scalars).toEqual(full.scalars);
        expect(fast.sessionStatus).toBe(full.sessionStatus);
        scalars += fast.scalars.length;
      }
      expect(scalars).toBe(12);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('hands a rank-0 tensor scalar (as PyTorch writes with new_style) to decodeEvent', () => {
    // Summary.Value {tag: "t", metadata {plugin_data {plugin_name: "scalars"}}, tensor {dtype: DT_FLOAT, float_val: 0.25}}
    const tensor = new ProtoWriter().varint(1, DT_FLOAT).message(2, new ProtoWriter()).float(5, 0.25);
    const meta = new ProtoWriter().message(1, new ProtoWriter().string(1, 'scalars'));
    const value = new ProtoWriter().string(1, 't').message(8, tensor).message(9, meta);
    const data = encodeEvent(12.5, 7, { summary: new ProtoWriter().message(1, value) });
    expect(decodeScalarEvent(data)).toEqual({ wallTime: 12.5, step: 7, scalars: [{ tag: 't', value: 0.25 }] });
  });
});
