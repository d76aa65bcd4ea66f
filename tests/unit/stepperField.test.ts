// Receptive fields from the architecture: known values for a two-level model (drmm-compact's first
// two levels), and brute-force checks against the CPU reference (nudge pixels, see which units
// change).
import { describe, expect, it } from 'vitest';
import { PRESETS, initParams, shapesOf, type ModelParams, type ModelSpec } from '../../src/engine';
import { forward } from '../../src/engine/reference/pipeline';
import { mapSize, receptiveField } from '../../src/ui/stepper/receptiveField';
import { TWO_LEVEL } from '../helpers/specs';


describe('receptiveField (two levels: 5x5 pad 2, pool, 3x3 pad 1, pool)', () => {
  it('level 1: a 5x5 template around the unit, cut at the border', () => {
    expect(receptiveField(TWO_LEVEL, { level: 1, stage: 'relu', y: 10, x: 12 })).toEqual({ y0: 8, y1: 12, x0: 10, x1: 14 });
    expect(receptiveField(TWO_LEVEL, { level: 1, stage: 'relu', y: 0, x: 27 })).toEqual({ y0: 0, y1: 2, x0: 25, x1: 27 });
    // A pooled unit: its 2x2 window of 5x5 fields, 6x6.
    expect(receptiveField(TWO_LEVEL, { level: 1, stage: 'pool', y: 3, x: 4 })).toEqual({ y0: 4, y1: 9, x0: 6, x1: 11 });
  });

  it('level 2: a 3x3 template over pooled level 1 covers 10x10 pixels; a pooled unit 12x12', () => {
    // r(2) (5,5) -> x(1) rows 4..6 -> r(1) rows 8..13 -> pixels 6..15.
    expect(receptiveField(TWO_LEVEL, { level: 2, stage: 'relu', y: 5, x: 5 })).toEqual({ y0: 6, y1: 15, x0: 6, x1: 15 });
    // x(2) (2,2) -> r(2) rows 4..5 -> x(1) 3..6 -> r(1) 6..13 -> pixels 4..15.
    expect(receptiveField(TWO_LEVEL, { level: 2, stage: 'pool', y: 2, x: 2 })).toEqual({ y0: 4, y1: 15, x0: 4, x1: 15 });
    // The corner: padding is not a unit, so the field is cut, not shifted.
    expect(receptiveField(TWO_LEVEL, { level: 2, stage: 'relu', y: 0, x: 0 })).toEqual({ y0: 0, y1: 5, x0: 0, x1: 5 });
  });

  it('pixels are their own field; units outside the map are refused', () => {
    expect(receptiveField(TWO_LEVEL, { level: 0, stage: 'relu', y: 7, x: 3 })).toEqual({ y0: 7, y1: 7, x0: 3, x1: 3 });
    expect(() => receptiveField(TWO_LEVEL, { level: 2, stage: 'pool', y: 7, x: 0 })).toThrow(/outside level 2's 7x7 pool map/);
    expect(() => receptiveField(TWO_LEVEL, { level: 3, stage: 'relu', y: 0, x: 0 })).toThrow(/no level 3/);
    expect(mapSize(TWO_LEVEL, { level: 2, stage: 'relu' }, 'height')).toBe(14);
    expect(mapSize(PRESETS['drmm-mnist'], { level: 2, stage: 'pool' }, 'width')).toBe(14); // no pooling: x(2) = r(2)
  });

  // Brute force on the CPU reference: nudge one pixel at a time and record which pixels change u(L)
  // at each unit. With every weight positive and every bias large, every switch is ON and the DP is
  // linear, so the pixels that change a unit are exactly its field; with pooling (one window position
  // is chosen) and random weights they can only be fewer.
  function touchedBoxes(spec: ModelSpec, params: ModelParams): { y0: number; x0: number; y1: number; x1: number }[] {
    const shapes = shapesOf(spec);
    const L = shapes.levels.length;
    const lv = shapes.levels[L - 1];
    const { height: H, width: W } = spec.input;
    const base = new Float64Array(H * W).fill(0.5);
    const u0 = forward(spec, params, base, 1).levels[L - 1].u;
    const boxes = Array.from({ length: lv.hc * lv.wc }, () => ({ y0: H, x0: W, y1: -1, x1: -1 }));
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const img = base.slice();
        img[y * W + x] += 0.25;
        const u = forward(spec, params, img, 1).levels[L - 1].u;
        for (let j = 0; j < lv.hc * lv.wc; j++) {
          let changed = false;
          for (let c = 0; c < lv.c && !changed; c++) changed = Math.abs(u[c * lv.hc * lv.wc + j] - u0[c * lv.hc * lv.wc + j]) > 1e-12;
          if (!changed) continue;
          const b = boxes[j];
          b.y0 = Math.min(b.y0, y);
          b.x0 = Math.min(b.x0, x);
          b.y1 = Math.max(b.y1, y);
          b.x1 = Math.max(b.x1, x);
        }
      }
    return boxes;
  }

  it('equals the pixels that change a unit when every switch is ON (no pooling, padding, odd sizes)', () => {
    const spec: ModelSpec = { input: { channels: 1, height: 9, width: 8 }, levels: [{ kernel: 3, channels: 2, pad: 1, pool: false }, { kernel: 3, channels: 2, pad: 0, pool: false }, { kernel: 2, channels: 2, pad: 1, pool: false }], readout: 'gap', classes: 2 };
    const p = initParams(spec, 3);
    const params: ModelParams = { ...p, weights: p.weights.map((w) => w.map((v) => Math.abs(v) + 0.01)), biases: p.biases.map((b) => b.map(() => 10)) };
    const lv = shapesOf(spec).levels[2];
    touchedBoxes(spec, params).forEach((b, j) => {
      expect(receptiveField(spec, { level: 3, stage: 'relu', y: Math.floor(j / lv.wc), x: j % lv.wc }), `unit ${j}`).toEqual(b);
    });
  });

  it('contains the pixels that change a unit with pooling and random weights (two levels, the drmm-compact preset, a small odd model)', () => {
    const odd: ModelSpec = { input: { channels: 1, height: 13, width: 11 }, levels: [{ kernel: 3, channels: 2, pad: 1, pool: true }, { kernel: 2, channels: 2, pad: 0, pool: true }], readout: 'dense', classes: 2 };
    for (const spec of [odd, TWO_LEVEL, PRESETS['drmm-compact']]) {
      const L = spec.levels.length;
      const lv = shapesOf(spec).levels[L - 1];
      let nonEmpty = 0;
      touchedBoxes(spec, initParams(spec, 5)).forEach((b, j) => {
        if (b.y1 < 0) return;
        nonEmpty++;
        const f = receptiveField(spec, { level: L, stage: 'relu', y: Math.floor(j / lv.wc), x: j % lv.wc });
        expect(b.y0).toBeGreaterThanOrEqual(f.y0);
        expect(b.x0).toBeGreaterThanOrEqual(f.x0);
        expect(b.y1).toBeLessThanOrEqual(f.y1);
        expect(b.x1).toBeLessThanOrEqual(f.x1);
      });
      expect(nonEmpty).toBeGreaterThan(0);
    }
  }, 120_000);
});
