// Pure colour-scale and formatting helpers of the UI (src/ui/scales.ts).
import { describe, expect, it } from 'vitest';
import {
  T_NONE,
  binaryScale,
  categoricalScale,
  channelsNonzero,
  divergingScale,
  fmtLog10,
  imageScale,
  lutIndex,
  mapToRgba,
  maxAbs,
  onFraction,
  progressPercent,
  sequentialDomain,
  sequentialScale,
  symmetricDomain,
  tCounts,
  tDisplay,
  upscale,
} from '../../src/ui/scales';

const rgbAt = (s: ReturnType<typeof divergingScale>, v: number) => {
  const k = 3 * lutIndex(s, v);
  return [s.lut[k], s.lut[k + 1], s.lut[k + 2]];
};

describe('domains', () => {
  it('is symmetric around zero from the largest magnitude', () => {
    expect(symmetricDomain([0.5, -2, 1])).toEqual({ lo: -2, hi: 2, empty: false });
    expect(symmetricDomain(new Float32Array([3, 1]))).toEqual({ lo: -3, hi: 3, empty: false });
    expect(symmetricDomain([0, 0])).toEqual({ lo: -1, hi: 1, empty: true });
    expect(symmetricDomain([])).toEqual({ lo: -1, hi: 1, empty: true });
    expect(maxAbs([NaN, -4])).toBe(4);
  });
  it('is [0, max] for nonnegative maps', () => {
    expect(sequentialDomain([0, 2.5, 1])).toEqual({ lo: 0, hi: 2.5, empty: false });
    expect(sequentialDomain([0, 0])).toEqual({ lo: 0, hi: 1, empty: true });
  });
});

describe('diverging scale', () => {
  const s = divergingScale(2);
  it('puts zero on the (near-white) middle and is symmetric', () => {
    expect(s.lo).toBe(-2);
    expect(s.hi).toBe(2);
    const mid = rgbAt(s, 0);
    for (const c of mid) expect(c).toBeGreaterThan(230);
    expect(lutIndex(s, 0)).toBe(lutIndex(s, 1e-9));
    expect(lutIndex(s, 2) + lutIndex(s, -2)).toBe(s.entries - 1);
  });
  it('is warm (red) for positive and blue for negative values, clamped outside the domain', () => {
    const [r, , b] = rgbAt(s, 2);
    expect(r).toBeGreaterThan(b);
    const [r2, , b2] = rgbAt(s, -2);
    expect(b2).toBeGreaterThan(r2);
    expect(lutIndex(s, 100)).toBe(s.entries - 1);
    expect(lutIndex(s, -100)).toBe(0);
    expect(lutIndex(s, Infinity)).toBe(s.entries - 1);
    expect(lutIndex(s, NaN)).toBe((s.entries - 1) >> 1);
  });
  it('falls back to +-1 when there is no range', () => {
    expect(divergingScale(0).hi).toBe(1);
    expect(divergingScale(NaN).hi).toBe(1);
  });
});

describe('other scales', () => {
  it('sequential runs dark to light (viridis) over [0, max]', () => {
    const s = sequentialScale(4);
    const lum = (v: number) => rgbAt(s, v).reduce((a, b) => a + b, 0);
    expect(lum(4)).toBeGreaterThan(lum(0));
    expect(lutIndex(s, -1)).toBe(0);
  });
  it('image: background white, ink dark', () => {
    const s = imageScale();
    expect(rgbAt(s, 0)[0]).toBeGreaterThan(240);
    expect(rgbAt(s, 1)[0]).toBeLessThan(20);
  });
  it('binary and categorical index their tables directly', () => {
    const b = binaryScale();
    expect(lutIndex(b, 0)).toBe(0);
    expect(lutIndex(b, 1)).toBe(1);
    const c = categoricalScale();
    expect(c.entries).toBe(5);
    for (let i = 0; i < 5; i++) expect(lutIndex(c, i)).toBe(i);
    expect(new Set(c.css).size).toBe(5);
  });
  it('mapToRgba colours one channel slice, opaque', () => {
    const s = binaryScale();
    const px = mapToRgba(new Uint8Array([0, 0, 1, 0]), 2, 1, 2, s);
    expect(px.length).toBe(8);
    expect(px[3]).toBe(255);
    expect(px[0]).toBeLessThan(px[4]); // ON (dark) then OFF (light)
  });
});

describe('t-switch display', () => {
  it('greys out windows whose pooled output is 0 (no ON unit)', () => {
    const t = new Uint8Array([0, 1, 2, 3, 0]);
    const x = new Float32Array([0.5, 1, 0, 2, 0]);
    const shown = tDisplay(t, x);
    expect(Array.from(shown)).toEqual([0, 1, T_NONE, 3, T_NONE]);
    expect(tCounts(shown)).toEqual([1, 1, 0, 1, 2]);
    expect(() => tDisplay(t, new Float32Array(3))).toThrow(/differ in size/);
  });
});

describe('small helpers', () => {
  it('counts ON fractions and nonzero channels', () => {
    expect(onFraction(new Uint8Array([1, 0, 1, 1]))).toBe(0.75);
    expect(onFraction([])).toBe(0);
    expect(channelsNonzero(new Float32Array([0, 0, 0, 3, 0, 0]), 3, 2)).toEqual([false, true, false]);
  });
  it('formats log10 path counts', () => {
    expect(fmtLog10(-Infinity)).toBe('none');
    expect(fmtLog10(0)).toBe('1');
    expect(fmtLog10(Math.log10(946))).toBe('946');
    expect(fmtLog10(12.345)).toBe('10^12.3');
  });
  it('gives progress percent only with a known total', () => {
    expect(progressPercent(50, 200)).toBe(25);
    expect(progressPercent(10, 0)).toBeNull();
    expect(progressPercent(300, 200)).toBe(100);
  });
  it('upscales maps to about the target width', () => {
    expect(upscale(28)).toBe(2);
    expect(upscale(7)).toBe(8);
    expect(upscale(200)).toBe(1);
  });
});
