/**
 * The contrastive term's rival offsets (train/rivals.ts): k_n in [0, C-2], a pure function of
 * (seed, epoch, step) (so a resumed run draws the same ones), different from step to step and seed
 * to seed, and uniform over the C-1 other classes.
 */
import { describe, expect, it } from 'vitest';
import { rivalOffsets } from '../../src/engine/train/rivals';

describe('rival offsets', () => {
  it('lie in [0, C - 2], repeat for the same step and differ between steps, epochs and seeds', () => {
    const a = rivalOffsets(1, 0, 5, 64, 10);
    expect(a.length).toBe(64);
    expect(Math.min(...a)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...a)).toBeLessThanOrEqual(8);
    expect(Array.from(rivalOffsets(1, 0, 5, 64, 10))).toEqual(Array.from(a));
    for (const other of [rivalOffsets(1, 0, 6, 64, 10), rivalOffsets(1, 1, 5, 64, 10), rivalOffsets(2, 0, 5, 64, 10)])
      expect(Array.from(other)).not.toEqual(Array.from(a));
    // Two classes: the only rival is the other one (k = 0).
    expect(Array.from(rivalOffsets(3, 0, 0, 16, 2))).toEqual(new Array(16).fill(0));
    expect(() => rivalOffsets(1, 0, 0, 4, 1)).toThrow(/at least 2 classes/);
  });

  it('are uniform over the C - 1 offsets (chi-square over many steps)', () => {
    const C = 10;
    const counts = new Array(C - 1).fill(0);
    let total = 0;
    for (let step = 0; step < 200; step++)
      for (const k of rivalOffsets(7, 3, step, 64, C)) {
        counts[k]++;
        total++;
      }
    const e = total / (C - 1);
    const chi2 = counts.reduce((s, c) => s + (c - e) ** 2 / e, 0);
    // 8 degrees of freedom: P(chi2 > 26.1) = 0.001.
    expect(chi2).toBeLessThan(26.1);
  });
});
