import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../../src/core/io/atomic.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dal-atomic-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('writes strings and bytes, replaces an existing file and leaves no temporary files', () => {
    const p = path.join(dir, 'sub', 'deeper', 'a.txt');
    writeFileAtomic(p, 'first');
    expect(fs.readFileSync(p, 'utf8')).toBe('first');
    writeFileAtomic(p, new Uint8Array([104, 105]));
    expect(fs.readFileSync(p, 'utf8')).toBe('hi');
    expect(fs.readdirSync(path.dirname(p))).toEqual(['a.txt']);
  });

  it('keeps the old file and cleans up when the rename fails', () => {
    const target = path.join(dir, 'isdir');
    fs.mkdirSync(path.join(target, 'child'), { recursive: true });
    expect(() => writeFileAtomic(target, 'x')).toThrow();
    expect(fs.readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(fs.statSync(target).isDirectory()).toBe(true);
  });
});
