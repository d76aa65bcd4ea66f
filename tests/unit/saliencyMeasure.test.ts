// The saliency panel's measure (src/ui/saliency/saliencyMeasure.ts): the digit mask, its
// propagation to each level's resolution, and the share of |saliency| on the digit.
import { describe, expect, it } from 'vitest';
import { CpuEngine, PRESETS, initParams, shapesOf, type ModelSpec } from '../../src/engine';
import { TWO_LEVEL } from '../helpers/specs';
import { receptiveField } from '../../src/ui/paths/geometry';
import { digitFraction, digitMask, levelMasks, magnitude, mapHash, maskArea, saliencyPerLevel, type MaskGrid } from '../../src/ui/saliency/saliencyMeasure';

const grid = (h: number, w: number, on: [number, number][]): MaskGrid => {
  const cells = new Uint8Array(h * w);
  for (const [y, x] of on) cells[y * w + x] = 1;
  return { h, w, cells };
};
const onCells = (g: MaskGrid) => [...g.cells].flatMap((v, i) => (v ? [[Math.floor(i / g.w), i % g.w]] : []));

// 8x8 input; level 1: 3x3 pad 1 (same size) then pool to 4x4; level 2: 3x3 no pad (2x2), no pool.
const SPEC: ModelSpec = {
  input: { channels: 1, height: 8, width: 8 },
  levels: [
    { kernel: 3, channels: 2, pad: 1, pool: true },
    { kernel: 3, channels: 3, pad: 0, pool: false },
  ],
  readout: 'gap',
  classes: 2,
};

describe('digit mask', () => {
  it('keeps the pixels with ink above the threshold (strictly)', () => {
    const px = [0, 0.1, 0.2, 0.21, 1, 0.5];
    expect([...digitMask(px, 1, 2, 3).cells]).toEqual([0, 0, 0, 1, 1, 1]);
    expect([...digitMask(px, 1, 2, 3, 0.6).cells]).toEqual([0, 0, 0, 0, 1, 0]);
    expect(() => digitMask(px, 1, 3, 3)).toThrow(/6 pixels for a 1×3×3 input/);
  });
});

describe('mask propagation', () => {
  const block = grid(8, 8, [[2, 4], [2, 5], [3, 4], [3, 5]]);

  it("'centre': a unit is on the digit when the cell under its template's centre is; pooling takes any of four", () => {
    const m = levelMasks(SPEC, block, 'centre');
    // Level 1 with pad 1 and a 3x3 template: the centre of r(1)(y, x) is pixel (y, x).
    expect(onCells(m.r[0])).toEqual(onCells(block));
    // Pooled: the 2x2 block sits in one window, (1, 2).
    expect(onCells(m.x[0])).toEqual([[1, 2]]);
    // Level 2, 3x3 without padding: the centre of r(2)(y, x) is x(1)(y + 1, x + 1).
    expect(m.r[1].h).toBe(2);
    expect(onCells(m.r[1])).toEqual([[0, 1]]);
    expect(m.x[1]).toBe(m.r[1]);
  });

  it("'field': a unit is on the digit when any cell under its template window is", () => {
    const m = levelMasks(SPEC, block, 'field');
    // r(1): the block dilated by one cell, clipped to the map.
    expect(onCells(m.r[0])).toEqual([1, 2, 3, 4].flatMap((y) => [3, 4, 5, 6].map((x) => [y, x])));
    // Every 3x3 window of the 4x4 pooled map holds the ON cells.
    expect(onCells(m.r[1])).toEqual([[0, 0], [0, 1], [1, 0], [1, 1]]);
  });

  it("'field' is exactly 'any pixel of the unit's receptive field is on the digit' (drmm-mnist)", () => {
    const spec = PRESETS['drmm-mnist'];
    // A thin diagonal stroke.
    const stroke = grid(28, 28, Array.from({ length: 12 }, (_, i) => [6 + i, 9 + i] as [number, number]));
    const m = levelMasks(spec, stroke, 'field');
    shapesOf(spec).levels.forEach((s, i) => {
      for (let y = 0; y < s.hc; y++)
        for (let x = 0; x < s.wc; x++) {
          const box = receptiveField(spec, { level: i + 1, stage: 'relu', channel: 0, y, x });
          let any = 0;
          for (let py = box.y0; py <= box.y1; py++) for (let px = box.x0; px <= box.x1; px++) any |= stroke.cells[py * 28 + px];
          expect(m.r[i].cells[y * s.wc + x], `level ${i + 1} (${y}, ${x})`).toBe(any);
        }
    });
  });

  it('a digit-free input has an empty mask at every level', () => {
    const m = levelMasks(SPEC, grid(8, 8, []), 'field');
    for (const g of [...m.r, ...m.x]) expect(maskArea(g.cells)).toBe(0);
  });
});

describe('digit fraction', () => {
  it('is the share of |mass| inside the mask, with the mask area as its chance level', () => {
    expect(digitFraction([1, 2, 3, 4], [1, 0, 0, 1])).toBeCloseTo(0.5, 12);
    expect(digitFraction([0, 0, 5, 0], [0, 0, 1, 0])).toBe(1);
    expect(digitFraction([-3, 1, 0, 0], [1, 0, 0, 0])).toBeCloseTo(0.75, 12);
    // An even map scores the area.
    expect(digitFraction([2, 2, 2, 2], [1, 1, 0, 0])).toBeCloseTo(maskArea([1, 1, 0, 0]), 12);
    expect(maskArea([1, 1, 0, 0])).toBe(0.5);
  });
  it('is null (not 0) for a map with no saliency at all, and refuses mismatched sizes', () => {
    expect(digitFraction([0, 0, 0], [1, 0, 0])).toBeNull();
    expect(() => digitFraction([1, 2], [1])).toThrow(/2 cells and a mask of 1/);
  });
  it('sums |signal| over channels per position', () => {
    const s = new Float32Array([1, -2, 0, 3, /* ch 2 */ -1, 1, 4, 0]);
    expect([...magnitude(s, 2, 2, 2)]).toEqual([2, 3, 4, 3]);
  });
});

describe('saliency per level from a real backtrace (CPU reference)', () => {
  const spec = TWO_LEVEL;
  const engine = new CpuEngine(spec, initParams(spec, 2));
  const image = new Float32Array(784);
  for (let y = 6; y < 22; y++) for (let x = 12; x < 16; x++) image[y * 28 + x] = 1; // a bar, a "1"
  const mask = digitMask(image, 1, 28, 28);

  it('gives one map per level with the fraction computed from the maps and the propagated masks', async () => {
    const res = await engine.infer({ images: image, n: 1, start: { kind: 'class', classes: [3] }, variant: 'rendering' });
    const levels = saliencyPerLevel(spec, res.backtrace, mask, 'centre');
    expect(levels.map((l) => [l.level, l.h, l.w])).toEqual([[0, 28, 28], [1, 28, 28], [2, 14, 14]]);
    const masks = levelMasks(spec, mask, 'centre');
    const su2 = magnitude(res.backtrace.levels[1].su, 24, 14, 14);
    expect(levels[2].fraction).toBeCloseTo(digitFraction(su2, masks.r[1].cells)!, 12);
    expect(levels[0].fraction).toBeCloseTo(digitFraction(magnitude(res.backtrace.pixels, 1, 28, 28), mask.cells)!, 12);
    expect(levels[0].area).toBeCloseTo(64 / 784, 12);
    for (const l of levels) expect(l.fraction).not.toBeNull();
    // Another variant gives other maps.
    const grad = await engine.infer({ images: image, n: 1, start: { kind: 'class', classes: [3] }, variant: 'gradient' });
    const g = saliencyPerLevel(spec, grad.backtrace, mask, 'centre');
    expect(mapHash(g[0].map)).not.toBe(mapHash(levels[0].map));
  });

  it('marks the levels above a unit start as not reached', async () => {
    const res = await engine.infer({ images: image, n: 1, start: { kind: 'unit', level: 1, stage: 'pool', channel: 0, y: 7, x: 6 }, variant: 'rendering' });
    const levels = saliencyPerLevel(spec, res.backtrace, mask, 'centre', 1);
    expect(levels[2].aboveStart).toBe(true);
    expect(levels[2].fraction).toBeNull();
    expect(levels[1].aboveStart).toBe(false);
  });
});
