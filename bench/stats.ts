/**
 * Repeated timing with a budget, two functions at a time. The software adapter is ~100x slower
 * than a GPU and the slowest configurations take seconds per run, so the number of timed runs
 * adapts: `reps` when they fit in `budgetMs` (per function), else fewer, never below `minReps`.
 * The median is reported: a shared 2-core machine running Chromium's GPU process, the page and
 * other people's jobs side by side has long outliers.
 */
import type { Timing } from './types';

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export interface MeasureOptions {
  warmup: number;
  reps: number;
  budgetMs: number;
  minReps?: number;
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/**
 * Two functions timed in alternation (A, B, A, B, ...), the same number of runs each, so that
 * whatever else the machine is doing lands on both alike and their ratio stays fair. At least
 * one warm-up pair: the first run pays for pipeline creation and first touches of buffers.
 */
export async function measurePair(a: () => Promise<unknown>, b: () => Promise<unknown>, o: MeasureOptions): Promise<[Timing, Timing]> {
  const minReps = o.minReps ?? 3;
  let last = 0;
  const warm = Math.max(1, o.warmup);
  let warmDone = 0;
  for (let i = 0; i < warm; i++) {
    last = (await time(a)) + (await time(b));
    warmDone++;
    if (last * (warm - i - 1) > o.budgetMs) break; // slow configuration: fewer warm-ups
  }
  const runs = Math.max(minReps, Math.min(o.reps, Math.floor((2 * o.budgetMs) / Math.max(last, 1e-3))));
  const sa: number[] = [];
  const sb: number[] = [];
  for (let i = 0; i < runs; i++) {
    sa.push(await time(a));
    sb.push(await time(b));
  }
  const t = (s: number[]): Timing => ({ medianMs: median(s), minMs: Math.min(...s), maxMs: Math.max(...s), runs, warmup: warmDone });
  return [t(sa), t(sb)];
}
