import * as fs from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SummaryWriter } from '../../src/core/log/tfevents.ts';
import { RunScalars } from '../../src/viewer/scalars.ts';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'dal-view-scalars-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('RunScalars', () => {
  it('reads the records appended since the last refresh', () => {
    const dir = tmp();
    const w = new SummaryWriter(dir, { flushSeconds: 3600 });
    for (let s = 1; s <= 3; s++) w.scalar('loss', s / 4, s);
    w.flush();
    const r = new RunScalars(dir);
    expect(r.refresh()).toBe(true);
    expect(r.json().tags.loss).toEqual({ step: [1, 2, 3], value: [0.25, 0.5, 0.75] });
    expect(r.refresh()).toBe(false); // nothing new

    w.scalar('loss', 1, 4);
    w.scalar('other', 2, 4);
    w.close();
    expect(r.refresh()).toBe(true);
    expect(r.json().tags.loss!.step).toEqual([1, 2, 3, 4]);
    expect(r.json().tags.other).toEqual({ step: [4], value: [2] });
    expect(r.json().lastStep).toBe(4);
  });

  it('leaves a truncated tail for later and completes it when the rest arrives', () => {
    const dir = tmp();
    const w = new SummaryWriter(dir, { flushSeconds: 3600 });
    w.scalar('a', 1, 1);
    w.close();
    // A second file of the same run: written in two pieces, the first ending mid-record.
    const w2 = new SummaryWriter(dir, { flushSeconds: 3600, filenameSuffix: '.b' });
    w2.scalar('a', 2, 2);
    w2.scalar('a', 3, 3);
    w2.close();
    const bytes = fs.readFileSync(w2.path);
    fs.writeFileSync(w2.path, bytes.subarray(0, bytes.length - 7));
    const r = new RunScalars(dir);
    r.refresh();
    expect(r.json().tags.a!.step).toEqual([1, 2]);
    fs.appendFileSync(w2.path, bytes.subarray(bytes.length - 7));
    expect(r.refresh()).toBe(true);
    expect(r.json().tags.a).toEqual({ step: [1, 2, 3], value: [1, 2, 3] });
    expect(r.json().error).toBeUndefined();
  });

  it('drops the points of earlier files at or after the step a resumed session restarts from', () => {
    const dir = tmp();
    const w = new SummaryWriter(dir, { flushSeconds: 3600 });
    for (let s = 1; s <= 5; s++) w.scalar('loss', s, s);
    w.close();
    const w2 = new SummaryWriter(dir, { flushSeconds: 3600, purgeStep: 3, filenameSuffix: '.resumed' });
    for (let s = 4; s <= 6; s++) w2.scalar('loss', 10 * s, s);
    w2.close();
    const r = new RunScalars(dir);
    r.refresh();
    expect(r.json().tags.loss).toEqual({ step: [1, 2, 4, 5, 6], value: [1, 2, 40, 50, 60] });
  });

  it('reports a corrupt record and keeps the points before it', () => {
    const dir = tmp();
    const w = new SummaryWriter(dir, { flushSeconds: 3600 });
    w.scalar('a', 1, 1);
    w.scalar('a', 2, 2);
    w.close();
    const bytes = fs.readFileSync(w.path);
    bytes[bytes.length - 6] ^= 0xff; // inside the last record's data
    fs.writeFileSync(w.path, bytes);
    const r = new RunScalars(dir);
    r.refresh();
    expect(r.json().tags.a!.step).toEqual([1]);
    expect(r.json().error).toMatch(/bad data CRC/);
  });

  it('reads 10,000 points per tag for 4 tags', () => {
    const dir = tmp();
    const w = new SummaryWriter(dir, { flushSeconds: 3600 });
    for (let s = 1; s <= 10_000; s++) for (const t of ['a', 'b', 'c', 'd']) w.scalar(t, s, s);
    w.close();
    const r = new RunScalars(dir);
    r.refresh();
    const j = r.json();
    expect(Object.keys(j.tags).sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(j.tags.d!.step.length).toBe(10_000);
    expect(j.tags.d!.value[9999]).toBe(10_000);
  });
});
