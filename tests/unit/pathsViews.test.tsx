// The path view's colour scale and count chart, rendered to static markup (no DOM needed).
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { PathCountChart } from '../../src/ui/paths/PathCountChart';
import { PATH_NONE_CSS, pathCountScale } from '../../src/ui/paths/pathScale';
import { lutIndex } from '../../src/ui/scales';

describe('path-count colour scale', () => {
  it('keeps entry 0 for "no path" and spreads one path .. the maximum over the rest', () => {
    const s = pathCountScale(6.5);
    expect(s.css[0]).toBe(PATH_NONE_CSS);
    expect(lutIndex(s, -Infinity)).toBe(0);
    expect(lutIndex(s, 0)).toBe(1); // log10(1): a single path is not "none"
    expect(lutIndex(s, 6.5)).toBe(255);
    expect(lutIndex(s, 3.25)).toBeGreaterThan(100);
    expect(lutIndex(s, 3.25)).toBeLessThan(160);
    // Light to dark: more paths, less luminance.
    const lum = (i: number) => s.lut[3 * i] + s.lut[3 * i + 1] + s.lut[3 * i + 2];
    expect(lum(255)).toBeLessThan(lum(128));
    expect(lum(128)).toBeLessThan(lum(1));
  });
  it('still works when every count is one path (max log10 0) or none at all', () => {
    for (const max of [0, -Infinity]) {
      const s = pathCountScale(max);
      expect(lutIndex(s, 0)).toBe(1);
      expect(lutIndex(s, -Infinity)).toBe(0);
    }
  });
});

describe('PathCountChart', () => {
  it('draws active and possible bars per row, and marks the selection', () => {
    const html = renderToStaticMarkup(
      <PathCountChart
        rows={[
          { name: 'class 3', active: NaN, possible: NaN },
          { name: 'level 1', active: 2, possible: 4 },
          { name: 'pixels', active: -Infinity, possible: 5 },
        ]}
        caption="log10 paths"
      />,
    );
    expect(html).toContain('data-row="class 3" data-active="NaN"');
    expect(html).toMatch(/data-row="class 3"[^]*selected/);
    // level 1: two bars, the active one about half the possible one (log scale from 0).
    const widths = [...html.matchAll(/<rect x="58" y="[\d.]+" width="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(widths).toHaveLength(3); // level 1 possible + active, pixels possible only (no active path)
    expect(widths[1] / widths[0]).toBeCloseTo(0.5, 1);
    expect(html).toContain('level 1: 100 of 10,000');
    expect(html).toContain('pixels: none of 100,000');
    expect(html).toContain('role="img"');
  });
});
