/**
 * How much of a backtrace's saliency falls on the digit, level by level. Pure: no DOM, no React.
 *
 * Definitions (the panel states them too):
 * - the digit mask: the pixels of the clean input (before any clutter) with ink > a threshold
 *   (0.2 by default; ink is 1, background 0);
 * - pushed up to each level's resolution through the network's own geometry, by one of two rules:
 *   'centre' (a unit of r(l) is on the digit when the cell of x(l-1) under the centre of its
 *   template window is), or 'field' (when any cell of x(l-1) under its template window is: by
 *   induction, any pixel of its receptive field); after each 2x2 max-pool a pooled unit is on the
 *   digit when any of its four is (the mask is max-pooled, as the maps are);
 * - a level's saliency map: sum over channels of |su(l)|, the top-down signal after the
 *   variant's step at r(l)'s resolution; at the pixels, the sum over input channels of |pixels|;
 * - the digit fraction: the share of that map's total mass inside the mask. Its chance level is
 *   the mask's area (the fraction of cells on the digit): a map spread evenly scores the area.
 */
import { shapesOf, type BacktraceMaps, type ModelSpec } from '../../engine';

export const DEFAULT_INK_THRESHOLD = 0.2;
export type MaskRule = 'centre' | 'field';

/** A binary map of h x w cells (1: on the digit). */
export interface MaskGrid {
  h: number;
  w: number;
  cells: Uint8Array;
}

/** The digit at the pixel level: ink > threshold in any input channel of the clean input. */
export function digitMask(pixels: ArrayLike<number>, channels: number, h: number, w: number, threshold = DEFAULT_INK_THRESHOLD): MaskGrid {
  if (pixels.length !== channels * h * w) throw new Error(`digit mask: ${pixels.length} pixels for a ${channels}×${h}×${w} input`);
  const cells = new Uint8Array(h * w);
  for (let c = 0; c < channels; c++) for (let i = 0; i < h * w; i++) if (pixels[c * h * w + i] > threshold) cells[i] = 1;
  return { h, w, cells };
}

/** The mask at r(l) (the resolution of su(l)) and at x(l) of every level. */
export function levelMasks(spec: ModelSpec, pixels: MaskGrid, rule: MaskRule): { r: MaskGrid[]; x: MaskGrid[] } {
  const shapes = shapesOf(spec).levels;
  if (pixels.h !== spec.input.height || pixels.w !== spec.input.width) throw new Error(`digit mask is ${pixels.h}×${pixels.w}, the input ${spec.input.height}×${spec.input.width}`);
  const r: MaskGrid[] = [];
  const x: MaskGrid[] = [];
  let prev = pixels;
  for (const s of shapes) {
    const cells = new Uint8Array(s.hc * s.wc);
    const centre = Math.floor((s.k - 1) / 2);
    for (let y = 0; y < s.hc; y++)
      for (let xo = 0; xo < s.wc; xo++) {
        let on = 0;
        if (rule === 'centre') {
          const yy = y + centre - s.pad;
          const xx = xo + centre - s.pad;
          on = yy >= 0 && yy < prev.h && xx >= 0 && xx < prev.w ? prev.cells[yy * prev.w + xx] : 0;
        } else {
          for (let dy = 0; dy < s.k && !on; dy++) {
            const yy = y + dy - s.pad;
            if (yy < 0 || yy >= prev.h) continue;
            for (let dx = 0; dx < s.k && !on; dx++) {
              const xx = xo + dx - s.pad;
              if (xx >= 0 && xx < prev.w && prev.cells[yy * prev.w + xx]) on = 1;
            }
          }
        }
        cells[y * s.wc + xo] = on;
      }
    const rm = { h: s.hc, w: s.wc, cells };
    r.push(rm);
    if (s.pool) {
      const pooled = new Uint8Array(s.hout * s.wout);
      for (let y = 0; y < s.hout; y++)
        for (let xo = 0; xo < s.wout; xo++)
          for (let q = 0; q < 4; q++) if (cells[(2 * y + (q >> 1)) * s.wc + 2 * xo + (q & 1)]) pooled[y * s.wout + xo] = 1;
      prev = { h: s.hout, w: s.wout, cells: pooled };
    } else {
      prev = rm;
    }
    x.push(prev);
  }
  return { r, x };
}

/** Sum over channels of |signal| at each position of a C x H x W map (from `offset`). */
export function magnitude(signal: ArrayLike<number>, channels: number, h: number, w: number, offset = 0): Float64Array {
  const out = new Float64Array(h * w);
  for (let c = 0; c < channels; c++) for (let i = 0; i < h * w; i++) out[i] += Math.abs(signal[offset + c * h * w + i]);
  return out;
}

/** Share of the map's |mass| inside the mask; null when the map is zero everywhere (nothing to share). */
export function digitFraction(map: ArrayLike<number>, mask: ArrayLike<number>): number | null {
  if (map.length !== mask.length) throw new Error(`digit fraction: a map of ${map.length} cells and a mask of ${mask.length}`);
  let inside = 0;
  let total = 0;
  for (let i = 0; i < map.length; i++) {
    const v = Math.abs(map[i]);
    total += v;
    if (mask[i]) inside += v;
  }
  return total > 0 ? inside / total : null;
}

/** Fraction of cells on the digit: the digit fraction of a map spread evenly. */
export function maskArea(mask: ArrayLike<number>): number {
  if (mask.length === 0) return 0;
  let n = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) n++;
  return n / mask.length;
}

export interface LevelSaliency {
  /** 0 for the pixels, else the 1-based level. */
  level: number;
  h: number;
  w: number;
  /** Sum over channels of |signal|, h x w. */
  map: Float64Array;
  mask: MaskGrid;
  /** Share of the map's mass on the digit (null: the map is zero); the mask's area. */
  fraction: number | null;
  area: number;
  max: number;
  /** Above a unit start: the backtrace does not reach it. */
  aboveStart: boolean;
}

/**
 * One saliency map per level, from the pixels (level 0) up to the top, with its digit fraction.
 * `startLevel` is the level a unit start sits at (levels above it hold no signal); L for a class.
 */
export function saliencyPerLevel(spec: ModelSpec, bt: BacktraceMaps, pixelMask: MaskGrid, rule: MaskRule, startLevel = spec.levels.length): LevelSaliency[] {
  const shapes = shapesOf(spec).levels;
  const masks = levelMasks(spec, pixelMask, rule);
  const { channels, height, width } = spec.input;
  const entry = (level: number, h: number, w: number, map: Float64Array, mask: MaskGrid, aboveStart: boolean): LevelSaliency => {
    let max = 0;
    for (let i = 0; i < map.length; i++) if (map[i] > max) max = map[i];
    return { level, h, w, map, mask, fraction: aboveStart ? null : digitFraction(map, mask.cells), area: maskArea(mask.cells), max, aboveStart };
  };
  const out = [entry(0, height, width, magnitude(bt.pixels, channels, height, width), pixelMask, false)];
  shapes.forEach((s, i) => {
    out.push(entry(i + 1, s.hc, s.wc, magnitude(bt.levels[i].su, s.c, s.hc, s.wc), masks.r[i], i + 1 > startLevel));
  });
  return out;
}

/** A short fingerprint of a map’s values (an FNV-style hash of its float32 bits, word by word), for tests to tell maps apart. */
export function mapHash(map: ArrayLike<number>): string {
  const bits = new Uint32Array(Float32Array.from(map).buffer);
  let h = 0x811c9dc5;
  for (let i = 0; i < bits.length; i++) {
    h ^= bits[i];
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}
