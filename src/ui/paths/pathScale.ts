/**
 * The colour scale of path counts (a kind of quantity of its own: log10 of a count of paths).
 * Sequential light-to-dark (ColorBrewer YlOrBr, colour-blind safe), so "more paths" reads as
 * "more ink" on the white page; a cell with no path through the selection gets a flat grey of its
 * own, apart from the gradient, so "none" never looks like "few".
 *
 * It is a ColourScale like those of scales.ts: entry 0 is "none", entries 1..255 span log10
 * counts 0 (one path) to max. lutIndex maps -Infinity (no path) to entry 0 by itself, and the
 * domain starts one step below 0 so that a single path lands on entry 1.
 */
import { color, interpolateYlOrBr } from 'd3';
import type { ColourScale } from '../scales';

export const PATH_NONE_CSS = '#ececec';
const ENTRIES = 256;

export function pathCountScale(maxLog10: number): ColourScale {
  const hi = Number.isFinite(maxLog10) && maxLog10 > 0 ? maxLog10 : 1;
  const lut = new Uint8ClampedArray(3 * ENTRIES);
  const css: string[] = [];
  for (let i = 0; i < ENTRIES; i++) {
    const s = i === 0 ? PATH_NONE_CSS : interpolateYlOrBr(0.15 + (0.85 * (i - 1)) / (ENTRIES - 2));
    const c = color(s)!.rgb();
    lut.set([c.r, c.g, c.b], 3 * i);
    css.push(c.formatHex());
  }
  return { kind: 'sequential', lo: -hi / (ENTRIES - 2), hi, lut, entries: ENTRIES, css };
}
