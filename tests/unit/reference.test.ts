/**
 * The CPU reference checked against independent facts: the gradient backtrace equals central
 * finite differences of the class score (float64, with no switch flipping between I+h and I-h),
 * and the log10 path DP equals brute-force enumeration of the paths on a tiny model.
 */
import { describe, expect, it } from 'vitest';
import { initParams, shapesOf, type ModelSpec } from '../../src/engine/model';
import { backtrace, countPaths, forward } from '../../src/engine/reference/pipeline';
import { randomArray } from '../helpers/compare';
import { SMALL } from '../helpers/specs';
import { scoreGradientByDifferences } from '../helpers/finiteDiff';

describe('gradient backtrace = input gradient (central finite differences, float64)', () => {
  for (const spec of [SMALL, { ...SMALL, readout: 'dense' as const }]) {
    it(`${spec.readout} read-out`, () => {
      const params = initParams(spec, 7);
      const img = Float64Array.from(randomArray(99, 8, 0, 1));
      const fwd = forward(spec, params, img, 1);
      for (const cls of [0, 3]) {
        const g = backtrace(spec, params, fwd, { kind: 'class', classes: [cls] }, 'gradient').pixels;
        // Pixels where a switch flips between I+h and I-h (no derivative there) are left out.
        const diffs = scoreGradientByDifferences(spec, params, img, cls);
        for (const { pixel, fd } of diffs) expect(Math.abs(fd - g[pixel])).toBeLessThan(1e-6 * Math.max(1, Math.abs(fd)));
        expect(diffs.length).toBeGreaterThan(90); // nearly every pixel was checked
      }
    });
  }

  it('rendering and deconvnet differ from the gradient and keep every level nonnegative where they should', () => {
    const params = initParams(SMALL, 3);
    const img = Float64Array.from(randomArray(99, 4, 0, 1));
    const fwd = forward(SMALL, params, img, 1);
    const start = { kind: 'class' as const, classes: 'predicted' as const };
    const grad = backtrace(SMALL, params, fwd, start, 'gradient');
    const rend = backtrace(SMALL, params, fwd, start, 'rendering');
    const dec = backtrace(SMALL, params, fwd, start, 'deconvnet');
    for (const l of rend.levels) expect(Math.min(...l.su)).toBeGreaterThanOrEqual(0);
    for (const l of dec.levels) expect(Math.min(...l.su)).toBeGreaterThanOrEqual(0);
    // The rendering mask is a subset of deconvnet's: wherever a switch is OFF, rendering is 0.
    rend.levels.forEach((l, i) => l.su.forEach((v, j) => { if (!fwd.levels[i].a[j]) expect(v).toBe(0); }));
    const diff = (a: Float64Array, b: Float64Array) => a.some((v, i) => Math.abs(v - b[i]) > 1e-9);
    expect(diff(grad.pixels, rend.pixels)).toBe(true);
    expect(diff(rend.pixels, dec.pixels)).toBe(true);
  });

  it('an OFF unit has no active path: its saliency is zero at every level', () => {
    const params = initParams(SMALL, 3);
    const img = Float64Array.from(randomArray(99, 4, 0, 1));
    const fwd = forward(SMALL, params, img, 1);
    const sh = shapesOf(SMALL).levels[1];
    const off = fwd.levels[1].a.findIndex((v) => v === 0);
    expect(off).toBeGreaterThanOrEqual(0);
    const c = Math.floor(off / (sh.hc * sh.wc));
    const y = Math.floor(off / sh.wc) % sh.hc;
    const x = off % sh.wc;
    const bt = backtrace(SMALL, params, fwd, { kind: 'unit', level: 2, stage: 'relu', channel: c, y, x }, 'rendering');
    expect(bt.pixels.every((v) => v === 0)).toBe(true);
    const paths = countPaths(SMALL, fwd, { kind: 'unit', level: 2, stage: 'relu', channel: c, y, x }, 0);
    expect(paths.pixelsActiveLog10).toBe(-Infinity);
  });
});

/** Brute force: walk every path from the start down to the pixels, one at a time. */
function enumeratePaths(spec: ModelSpec, fwd: ReturnType<typeof forward>, possible: boolean): { perLevel: number[]; pixels: number } {
  const sh = shapesOf(spec).levels;
  const perLevel = sh.map(() => 0);
  let pixels = 0;
  // Walk down from an x(l) unit (level index i, 0-based; i = -1 means a pixel).
  const fromX = (i: number, c: number, y: number, x: number): void => {
    if (i < 0) {
      pixels++;
      return;
    }
    const l = sh[i];
    const choices = l.pool
      ? (possible ? [0, 1, 2, 3] : [fwd.levels[i].t![(c * l.hout + y) * l.wout + x]]).map((q) => [2 * y + (q >> 1), 2 * x + (q & 1)])
      : [[y, x]];
    for (const [ry, rx] of choices) fromR(i, c, ry, rx);
  };
  const fromR = (i: number, c: number, y: number, x: number): void => {
    const l = sh[i];
    if (!possible && !fwd.levels[i].a[(c * l.hc + y) * l.wc + x]) return;
    perLevel[i]++;
    for (let ci = 0; ci < l.cin; ci++)
      for (let dy = 0; dy < l.k; dy++)
        for (let dx = 0; dx < l.k; dx++) {
          const yy = y + dy - l.pad;
          const xx = x + dx - l.pad;
          if (yy >= 0 && yy < l.hin && xx >= 0 && xx < l.win) fromX(i - 1, ci, yy, xx);
        }
  };
  const top = sh[sh.length - 1];
  for (let c = 0; c < top.c; c++) for (let y = 0; y < top.hout; y++) for (let x = 0; x < top.wout; x++) fromX(sh.length - 1, c, y, x);
  return { perLevel, pixels };
}

describe('active-path counts (log10 DP) = brute-force enumeration', () => {
  const TINY: ModelSpec = {
    input: { channels: 1, height: 5, width: 5 },
    levels: [
      { kernel: 3, channels: 2, pad: 1, pool: true },
      { kernel: 2, channels: 2, pad: 0, pool: false },
    ],
    readout: 'gap',
    classes: 2,
  };
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}`, () => {
      const params = initParams(TINY, seed);
      const img = Float64Array.from(randomArray(25, seed + 10, 0, 1));
      const fwd = forward(TINY, params, img, 1);
      const dp = countPaths(TINY, fwd, { kind: 'class', classes: [0] }, 0);
      for (const possible of [false, true]) {
        const bf = enumeratePaths(TINY, fwd, possible);
        const got = possible ? dp.pixelsPossibleLog10 : dp.pixelsActiveLog10;
        expect(got).toBeCloseTo(bf.pixels ? Math.log10(bf.pixels) : -Infinity, 9);
        bf.perLevel.forEach((count, i) => {
          const lv = possible ? dp.levels[i].possibleLog10 : dp.levels[i].activeLog10;
          if (count === 0) expect(lv).toBe(-Infinity);
          else expect(lv).toBeCloseTo(Math.log10(count), 9);
        });
      }
      // Every path passes exactly one unit of each level: the units' through-counts add up to the total.
      for (const l of dp.levels) {
        const sum = l.throughLog10.reduce((s, v) => s + (v === -Infinity ? 0 : 10 ** v), 0);
        expect(Math.log10(sum)).toBeCloseTo(dp.pixelsActiveLog10, 9);
      }
    });
  }
});
