/** Timing as the peer (`peer_torch.py`'s `timeit`) does it: warm-up runs, then the median of repeated runs, in ms. */

export interface TimingOptions {
  warmup: number;
  reps: number;
}

/**
 * @param step one synchronous workload step (it must finish its computation before returning, e.g. by reading a result)
 * @returns the median wall time of `reps` runs after `warmup` untimed ones, in milliseconds
 */
export function timeit(step: () => void, { warmup, reps }: TimingOptions): number {
  for (let i = 0; i < warmup; i++) step();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    step();
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** Median (the mean of the two middle values for an even count, as Python's statistics.median). */
export function median(xs: number[]): number {
  if (xs.length === 0) throw new Error('median of no values');
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
