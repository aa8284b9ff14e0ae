import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DalError } from '../../../src/core/errors.ts';
import { decodePng } from '../../../src/core/io/png.ts';
import { readEventFile } from '../../../src/core/log/reader.ts';
import { SummaryWriter } from '../../../src/core/log/tfevents.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dal-tfevents-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('SummaryWriter', () => {
  it('round-trips scalars, an image, a histogram and text through the reader', () => {
    const dir = path.join(tmp, 'roundtrip');
    const w = new SummaryWriter(dir);
    expect(path.basename(w.path)).toMatch(new RegExp(`^events\\.out\\.tfevents\\.\\d+\\..+\\.${process.pid}\\.\\d+$`));
    w.scalar('loss/total', 0.25, 1);
    w.scalar('loss/total', -3.5, 2);
    // 2x2 RGBA with one translucent pixel -> stored as RGBA, colorspace 4.
    const rgba = { width: 2, height: 2, data: Uint8Array.from([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 9, 9, 9, 128]) };
    w.image('samples', rgba, 3);
    const opaque = { width: 1, height: 1, data: Uint8Array.from([10, 20, 30, 255]) };
    w.image('opaque', opaque, 3);
    w.histogram('weights', [0, 1, 2, 3, 4, 4, NaN, Infinity], 4, 4);
    w.histogram('constant', [7, 7, 7], 4);
    w.text('config', '```yaml\nseed: 1\nprior: ring8 ✓\n```', 0);
    w.close();
    w.close(); // idempotent
    expect(() => w.scalar('late', 1, 5)).toThrow(/closed/);

    const events = readEventFile(w.path);
    expect(events[0].fileVersion).toBe('brain.Event:2');
    const scalars = events.flatMap((e) => e.scalars.map((s) => [s.tag, s.value, e.step]));
    expect(scalars).toEqual([
      ['loss/total', 0.25, 1],
      ['loss/total', -3.5, 2],
    ]);
    const images = events.flatMap((e) => e.images);
    expect(images.map((i) => [i.tag, i.width, i.height, i.colorspace])).toEqual([
      ['samples', 2, 2, 4],
      ['opaque', 1, 1, 3],
    ]);
    expect(decodePng(images[0].png)).toEqual(rgba);
    expect(decodePng(images[1].png)).toEqual(opaque);

    const [h, c] = events.flatMap((e) => e.histograms);
    // Finite values 0,1,2,3,4,4 in 4 buckets of width 1 over [0,4]: [0,1) [1,2) [2,3) [3,4].
    expect(h).toEqual({
      tag: 'weights', min: 0, max: 4, num: 6, sum: 14, sumSquares: 46,
      bucketLimit: [1, 2, 3, 4], bucket: [1, 1, 1, 3],
    });
    expect(c).toMatchObject({ min: 7, max: 7, num: 3, sum: 21, sumSquares: 147, bucketLimit: [7], bucket: [3] });
    expect(events.flatMap((e) => e.texts)).toEqual([{ tag: 'config', text: '```yaml\nseed: 1\nprior: ring8 ✓\n```' }]);
    for (const e of events) expect(Math.abs(e.wallTime - Date.now() / 1000)).toBeLessThan(60);
  });

  it('gives each writer its own file and flushes on its timer', async () => {
    const dir = path.join(tmp, 'timer');
    const a = new SummaryWriter(dir, { flushSeconds: 0.05 });
    const b = new SummaryWriter(dir);
    expect(a.path).not.toBe(b.path);
    a.scalar('x', 1, 1);
    expect(readEventFile(a.path).length).toBe(1); // only file_version so far
    await new Promise((r) => setTimeout(r, 200));
    expect(readEventFile(a.path).flatMap((e) => e.scalars)).toEqual([{ tag: 'x', value: 1 }]);
    a.close();
    b.close();
  });

  it("starts a resumed run's file with SessionLog START at the purge step", () => {
    const w = new SummaryWriter(path.join(tmp, 'purge'), { purgeStep: 1200 });
    w.scalar('loss', 0.5, 1200);
    w.close();
    const events = readEventFile(w.path);
    expect(events.map((e) => [e.fileVersion, e.sessionStatus, e.step, e.scalars.length])).toEqual([
      ['brain.Event:2', undefined, 0, 0],
      [undefined, 1, 1200, 0],
      [undefined, undefined, 1200, 1],
    ]);
  });

  it('reports a corrupted byte or a truncated file as a DalError naming the file and offset', () => {
    const w = new SummaryWriter(path.join(tmp, 'corrupt'));
    w.scalar('a', 1, 1);
    w.scalar('b', 2, 2);
    w.close();
    const good = fs.readFileSync(w.path);
    const first = 16 + Number(good.readBigUInt64LE(0)); // byte offset of the second record

    const corrupt = (mutate: (b: Buffer) => Buffer) => {
      const p = path.join(tmp, `bad-${Math.random().toString(36).slice(2)}`);
      fs.writeFileSync(p, mutate(Buffer.from(good)));
      try {
        readEventFile(p);
      } catch (err) {
        expect(err).toBeInstanceOf(DalError);
        expect((err as Error).message).toContain(p);
        return (err as Error).message;
      }
      throw new Error('expected a DalError');
    };
    const flip = (i: number) => (b: Buffer) => ((b[i] ^= 0x01), b);
    expect(corrupt(flip(first + 14))).toMatch(new RegExp(`bad data CRC .* byte offset ${first}\\b`));
    expect(corrupt(flip(first + 2))).toMatch(new RegExp(`bad length CRC .* byte offset ${first}\\b`));
    expect(corrupt((b) => b.subarray(0, b.length - 3))).toMatch(/truncated record at byte offset \d+/);
    expect(corrupt((b) => b.subarray(0, first + 5))).toMatch(new RegExp(`truncated record header at byte offset ${first}\\b`));
    expect(() => readEventFile(path.join(tmp, 'missing'))).toThrow(DalError);
  });

  for (const [mode, signal] of [
    ['wait', 'SIGTERM'],
    ['wait', 'SIGINT'],
    ['exit', null],
  ] as const) {
    it(`keeps every scalar of a child process that ${signal ? `is killed by ${signal}` : 'exits without close()'}`, async () => {
      const dir = path.join(tmp, `child-${signal ?? 'exit'}`);
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'helpers', 'writer-child.ts'), dir, '50', mode], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.on('exit', (code, sig) => resolve({ code, signal: sig })),
      );
      await new Promise<void>((resolve) => {
        let out = '';
        child.stdout.on('data', (d) => {
          out += d;
          if (out.includes('ready')) resolve();
        });
      });
      if (signal) child.kill(signal);
      const result = await ended;
      expect(result).toEqual(signal ? { code: null, signal } : { code: 0, signal: null });
      const files = fs.readdirSync(dir);
      expect(files.length).toBe(1);
      const steps = readEventFile(path.join(dir, files[0])).flatMap((e) => e.scalars.map((s) => [e.step, s.value]));
      expect(steps).toEqual(Array.from({ length: 50 }, (_, i) => [i, Math.fround(1 / (i + 1))]));
    });
  }
});
