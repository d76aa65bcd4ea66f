// The Rendering panel's pure helpers (src/ui/render/metrics.ts): errors, normalisation, negative marks.
import { describe, expect, it } from 'vitest';
import { PRESETS, initParams } from '../../src/engine';
import { backtrace, forward } from '../../src/engine/reference/pipeline';
import { channelWindow, classErrors, compareMaps, difference, negativeMask, negativeStats, sampleSeed } from '../../src/ui/render/metrics';
import { randomArray } from '../helpers/compare';

describe('compareMaps', () => {
  it('raw error, cosine, least-squares scale and the residual after scaling', () => {
    const c = compareMaps([1, 0, 2], [2, 0, 4]);
    expect(c.sqError).toBe(1 + 4);
    expect(c.meanSq).toBeCloseTo(5 / 3, 12);
    expect(c.cos).toBeCloseTo(1, 12);
    expect(c.scale).toBeCloseTo(0.5, 12);
    expect(c.scaledResidual).toBeCloseTo(0, 12);
    const o = compareMaps([1, 0], [0, 3]);
    expect(o.cos).toBe(0);
    expect(o.scale).toBe(0);
    expect(o.scaledResidual).toBe(1);
  });

  it('the residual after scaling is ||t - alpha s||^2 / ||t||^2 and does not depend on the scale of s', () => {
    const t = Array.from(randomArray(50, 3));
    const s = Array.from(randomArray(50, 4));
    const c = compareMaps(t, s);
    const r = t.reduce((acc, v, i) => acc + (v - c.scale! * s[i]) ** 2, 0) / t.reduce((acc, v) => acc + v * v, 0);
    expect(c.scaledResidual).toBeCloseTo(r, 10);
    const k = compareMaps(t, s.map((v) => v * -7.5));
    expect(k.cos).toBeCloseTo(-c.cos!, 12);
    expect(k.scaledResidual).toBeCloseTo(c.scaledResidual!, 12);
    expect(k.scale! * -7.5).toBeCloseTo(c.scale!, 12);
  });

  it('zero maps: no cosine; a zero signal leaves the whole target as residual; a zero target has no relative residual', () => {
    const z = compareMaps([1, 2], [0, 0]);
    expect(z.cos).toBeNull();
    expect(z.scale).toBeNull();
    expect(z.scaledResidual).toBe(1);
    const t0 = compareMaps([0, 0], [1, 2]);
    expect(t0.cos).toBeNull();
    expect(t0.scaledResidual).toBeNull();
    expect(t0.sqError).toBe(5);
  });

  it('compares one channel of a map by offset and length', () => {
    const c = compareMaps([9, 9, 1, 2], [0, 0, 1, 2], 2, 2);
    expect(c.n).toBe(2);
    expect(c.sqError).toBe(0);
    expect(() => compareMaps([1, 2], [1], 0, 2)).toThrow(/cannot hold/);
  });

  it('difference and class errors', () => {
    expect(Array.from(difference([1, 2], [0.5, 3]))).toEqual([0.5, -1]);
    const { errors, best } = classErrors([1, 1], [[0, 0], [1, 0.5], [3, 3]]);
    expect(errors).toEqual([2, 0.25, 8]);
    expect(best).toBe(1);
  });
});

describe('negative marks', () => {
  it('count, fraction, most negative value, negatives at ON switches, penalty', () => {
    const s = negativeStats([-1, 2, -3, 0, 0.5], [1, 0, 0, 1, 1]);
    expect(s.units).toBe(5);
    expect(s.negative).toBe(2);
    expect(s.fraction).toBeCloseTo(0.4, 12);
    expect(s.min).toBe(-3);
    expect(s.minIndex).toBe(2);
    expect(s.atOn).toBe(1);
    expect(s.penalty).toBeCloseTo((1 + 9) / 5, 12);
    const none = negativeStats([0, 1]);
    expect(none).toMatchObject({ negative: 0, min: 0, minIndex: -1, atOn: null, penalty: 0 });
    expect(() => negativeStats([1, 2], [1])).toThrow(/switches/);
  });

  it('mask of one channel', () => {
    expect(Array.from(negativeMask([5, -1, 2, -0.1, 0], 1, 4))).toEqual([1, 0, 1, 0]);
  });

  it('on a real backtrace: z(l) = sr(l) has the same negative values as the signal arriving at x(l) (the maps hatch sx)', () => {
    const spec = PRESETS['drmm-compact'];
    const params = initParams(spec, 2);
    const fwd = forward(spec, params, Float64Array.from(randomArray(784, 6, 0, 1)), 1);
    for (const variant of ['rendering', 'gradient'] as const) {
      const bt = backtrace(spec, params, fwd, { kind: 'class', classes: [3] }, variant);
      let anyNegative = false;
      bt.levels.forEach((lv) => {
        const a = negativeStats(lv.sr);
        const b = negativeStats(lv.sx);
        expect(a.negative).toBe(b.negative);
        expect(a.min).toBe(b.min);
        if (a.negative) anyNegative = true;
      });
      // Random signed templates do send the signal negative somewhere (the case the panel is for).
      expect(anyNegative).toBe(true);
    }
  });
});

describe('channel window and sample seeds', () => {
  it('clamps the shown channels into the level', () => {
    expect(channelWindow(0, 4, 12)).toEqual([0, 1, 2, 3]);
    expect(channelWindow(10, 4, 12)).toEqual([8, 9, 10, 11]);
    expect(channelWindow(5, 8, 3)).toEqual([0, 1, 2]);
    expect(channelWindow(NaN, NaN, 5)).toEqual([0]);
  });

  it('gives every sample of a row its own seed, and another row for another seed', () => {
    const row = (s: number) => Array.from({ length: 6 }, (_, i) => sampleSeed(s, i));
    expect(new Set(row(1)).size).toBe(6);
    expect(row(1)).toEqual(row(1));
    expect(row(2).some((v) => row(1).includes(v))).toBe(false);
  });
});
