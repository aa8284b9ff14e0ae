/** Progress lines, ETA and number formatting (src/core/train/progress.ts), with a fake clock and stream. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createProgress, formatDuration, formatNumber, formatTerms } from '../../../src/core/train/progress.ts';

function fakeStream(): { stream: NodeJS.WriteStream; lines: () => string[] } {
  let out = '';
  const stream = { isTTY: false, write: (s: string) => ((out += s), true) } as unknown as NodeJS.WriteStream;
  return { stream, lines: () => out.split('\n').filter(Boolean) };
}

describe('formatting', () => {
  it('numbers: 4 significant digits, exponent outside [1e-3, 1e5), integers (counts) exactly, non-finite as is', () => {
    expect(formatNumber(0.0123456)).toBe('0.01235');
    expect(formatNumber(3)).toBe('3');
    expect(formatNumber(-12.34567)).toBe('-12.35');
    expect(formatNumber(0)).toBe('0');
    expect(formatNumber(0.00012346)).toBe('1.235e-4');
    expect(formatNumber(123456.7)).toBe('1.235e+5');
    expect(formatNumber(10226)).toBe('10226');
    expect(formatNumber(123456)).toBe('123456');
    expect(formatNumber(NaN)).toBe('NaN');
    expect(formatNumber(-Infinity)).toBe('-Infinity');
  });

  it('durations: seconds, minutes and seconds, hours and minutes; ? when unknown', () => {
    expect(formatDuration(4.4)).toBe('4s');
    expect(formatDuration(59.6)).toBe('1m00s');
    expect(formatDuration(125)).toBe('2m05s');
    expect(formatDuration(3 * 3600 + 7 * 60 + 30)).toBe('3h07m');
    expect(formatDuration(Infinity)).toBe('?');
  });

  it('terms: name=value in order', () => {
    expect(formatTerms({ 'loss/sds': 0.5, tMax: 0.98 })).toBe('loss/sds=0.5 tMax=0.98');
    expect(formatTerms(undefined)).toBe('');
  });
});

describe('plain-line progress (not a terminal)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
  });
  afterEach(() => vi.useRealTimers());

  it('prints the first update, then at most every intervalMs, and the last; rate and ETA from the clock', () => {
    const { stream, lines } = fakeStream();
    const p = createProgress({ total: 100, stream, intervalMs: 2000, label: 'step' });
    vi.advanceTimersByTime(1000);
    p.update(2, { loss: 0.5 }); // first: printed; 2 steps in 1 s → 2/s, 98 left → 49 s
    vi.advanceTimersByTime(1000);
    p.update(4); // 1 s after the last line: skipped
    vi.advanceTimersByTime(1500);
    p.update(7); // 2.5 s after: printed; 7 steps in 3.5 s → 2/s, 93 left → 46.5 s → 47s (rounded)
    vi.advanceTimersByTime(100);
    p.update(100, { loss: 0.25 }); // the last: printed
    p.log('done');
    p.stop();
    expect(lines()).toEqual([
      'step 2/100 (2%) 2/s ETA 49s loss=0.5',
      'step 7/100 (7%) 2/s ETA 47s ',
      'step 100/100 (100%) 27.78/s ETA 0s loss=0.25',
      'done',
    ]);
  });

  it('a resumed run counts its rate from where it started', () => {
    const { stream, lines } = fakeStream();
    const p = createProgress({ total: 1000, start: 600, stream, label: 'iter' });
    vi.advanceTimersByTime(4000);
    p.update(700); // 100 in 4 s → 25/s; 300 left → 12 s
    expect(lines()).toEqual(['iter 700/1000 (70%) 25/s ETA 12s ']);
  });
});
