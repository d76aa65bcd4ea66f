// Every level's templates as one image a level (src/ui/dashboard/templateLayout.ts).
import { describe, expect, it } from 'vitest';
import { templateLayout } from '../../src/ui/dashboard/templateLayout';

function px(g: { rgba: Uint8ClampedArray; width: number }, x: number, y: number): number[] {
  const p = 4 * (y * g.width + x);
  return Array.from(g.rgba.slice(p, p + 3));
}
const isRed = (c: number[]) => c[0] > c[2] + 40;
const isBlue = (c: number[]) => c[2] > c[0] + 40;
const WHITE = [255, 255, 255];

describe('templateLayout', () => {
  it('wraps level-1 templates (one input channel) into a grid with 1-pixel gaps, each on its own scale', () => {
    const k = 2;
    const data = new Float32Array([1, 0, 0, -1, /* 2 */ -2, 0, 0, 2, /* 3 */ 0, 0, 0, 0]);
    const g = templateLayout({ data, channels: 3, cin: 1, k }, { maxTemplates: 32, maxInputs: 32, perRow: 2 });
    expect(g).toMatchObject({ width: 5, height: 5, wrapped: true, perRow: 2, rows: 3 });
    expect(isRed(px(g, 0, 0))).toBe(true); // +1
    expect(isBlue(px(g, 1, 1))).toBe(true); // -1
    expect(px(g, 2, 0)).toEqual(WHITE); // gap
    expect(isBlue(px(g, 3, 0))).toBe(true); // template 2's -2
    // Template 2 on its own scale: its +2 is as red as template 1's +1.
    expect(px(g, 4, 1)).toEqual(px(g, 0, 0));
    // Template 3 (all zero) is the scale's middle (near white), in the second row.
    const mid = px(g, 0, 3);
    expect(Math.min(...mid)).toBeGreaterThan(230);
  });

  it('draws a higher level per input channel: a row per template, a tile per input channel', () => {
    // 2 templates, 3 input channels, 1x1 kernels: template c's weight on input j is data[c*3 + j].
    const data = new Float32Array([1, -1, 0, /* 2 */ -0.5, 0.25, 0.5]);
    const g = templateLayout({ data, channels: 2, cin: 3, k: 1 });
    expect(g).toMatchObject({ width: 5, height: 3, wrapped: false, rows: 2, cols: 3 });
    expect(isRed(px(g, 0, 0))).toBe(true);
    expect(isBlue(px(g, 2, 0))).toBe(true);
    expect(px(g, 1, 0)).toEqual(WHITE); // gap between input channels
    expect(px(g, 0, 1)).toEqual(WHITE); // gap between templates
    expect(isBlue(px(g, 0, 2))).toBe(true); // template 2, input 0: -0.5 (its max |w| 0.5: full blue)
    expect(px(g, 0, 2)).toEqual(px(g, 2, 0)); // both the extreme of their own scale
    expect(isRed(px(g, 4, 2))).toBe(true);
  });

  it('leaves out templates and input channels beyond the limits', () => {
    const data = new Float32Array(40 * 50 * 9).fill(1);
    const g = templateLayout({ data, channels: 40, cin: 50, k: 3 }, { maxTemplates: 10, maxInputs: 20, perRow: 8 });
    expect(g).toMatchObject({ rows: 10, cols: 20, width: 20 * 4 - 1, height: 10 * 4 - 1 });
  });
});
