/**
 * Colour scales and small numeric helpers for the maps, kept pure (no DOM, no React) so they can
 * be unit-tested. One scale per kind of quantity:
 *
 * - diverging (signed maps: u, saliency, reconstruction): d3.interpolateRdBu reversed, so positive
 *   is red and negative blue, on a symmetric domain +-max|v| centred on zero;
 * - sequential (nonnegative maps: r): d3.interpolateViridis on [0, max];
 * - image (the input digit): d3.interpolateGreys on [0, 1], ink dark on white;
 * - binary (a-switches): OFF light, ON near-black;
 * - categorical (t-switches): four Okabe-Ito colours (colour-blind safe) plus a neutral grey for
 *   pooling windows with no ON unit, where the chosen position carries no information.
 *
 * Every scale is a lookup table of RGB triples, so drawing a map is one index per pixel.
 */
import { color, interpolateGreys, interpolateRdBu, interpolateViridis } from 'd3';

export type ScaleKind = 'diverging' | 'sequential' | 'image' | 'binary' | 'categorical';

export interface ColourScale {
  kind: ScaleKind;
  /** Values at the first and last table entry (categorical: 0 and entries-1). */
  lo: number;
  hi: number;
  /** RGB triples, `entries` of them. */
  lut: Uint8ClampedArray;
  entries: number;
  /** CSS colours of the table, for legends. */
  css: string[];
}

/** Anything a map can be drawn from. */
export type MapData = ArrayLike<number>;

const LUT_SIZE = 256;

function lutFrom(interp: (t: number) => string, n: number): { lut: Uint8ClampedArray; css: string[] } {
  const lut = new Uint8ClampedArray(3 * n);
  const css: string[] = [];
  for (let i = 0; i < n; i++) {
    const s = interp(n === 1 ? 0 : i / (n - 1));
    const c = color(s)?.rgb();
    lut[3 * i] = c ? c.r : 0;
    lut[3 * i + 1] = c ? c.g : 0;
    lut[3 * i + 2] = c ? c.b : 0;
    css.push(c ? c.formatHex() : '#000000');
  }
  return { lut, css };
}

/** Largest |v| over the data (0 for empty or all-zero data; NaN entries are ignored). */
export function maxAbs(data: MapData): number {
  let m = 0;
  for (let i = 0; i < data.length; i++) {
    const a = Math.abs(data[i]);
    if (a > m) m = a;
  }
  return m;
}

/** Largest value over the data, never below 0 (NaN entries are ignored). */
export function maxValue(data: MapData): number {
  let m = 0;
  for (let i = 0; i < data.length; i++) if (data[i] > m) m = data[i];
  return m;
}

/**
 * Symmetric domain [-m, m] for a signed map with m = max|v|. An all-zero map gets [-1, 1] so that
 * zero still lands on the neutral middle colour (and `empty` says there was nothing to show).
 */
export function symmetricDomain(data: MapData): { lo: number; hi: number; empty: boolean } {
  const m = maxAbs(data);
  return m > 0 ? { lo: -m, hi: m, empty: false } : { lo: -1, hi: 1, empty: true };
}

/** Domain [0, max] for a nonnegative map; an all-zero map gets [0, 1]. */
export function sequentialDomain(data: MapData): { lo: number; hi: number; empty: boolean } {
  const m = maxValue(data);
  return m > 0 ? { lo: 0, hi: m, empty: false } : { lo: 0, hi: 1, empty: true };
}

/** Positive red, negative blue: RdBu runs red -> blue, so it is read backwards. */
export function divergingScale(maxAbsValue: number): ColourScale {
  const m = maxAbsValue > 0 && Number.isFinite(maxAbsValue) ? maxAbsValue : 1;
  return { kind: 'diverging', lo: -m, hi: m, entries: LUT_SIZE, ...lutFrom((t) => interpolateRdBu(1 - t), LUT_SIZE) };
}

export function sequentialScale(max: number): ColourScale {
  const m = max > 0 && Number.isFinite(max) ? max : 1;
  return { kind: 'sequential', lo: 0, hi: m, entries: LUT_SIZE, ...lutFrom(interpolateViridis, LUT_SIZE) };
}

/** Pixel intensities in [0, 1]: 0 (background) white, 1 (ink) black. */
export function imageScale(): ColourScale {
  return { kind: 'image', lo: 0, hi: 1, entries: LUT_SIZE, ...lutFrom(interpolateGreys, LUT_SIZE) };
}

export const SWITCH_COLOURS = { off: '#f0f0f0', on: '#1a1a1a' } as const;

/** a-switches: 0 OFF, 1 ON. */
export function binaryScale(): ColourScale {
  const css = [SWITCH_COLOURS.off, SWITCH_COLOURS.on];
  return { kind: 'binary', lo: 0, hi: 1, entries: 2, ...lutFrom((t) => css[Math.round(t)], 2) };
}

/** t-switch categories: the chosen position in each 2x2 window, dy*2 + dx, then "no ON unit". */
export const T_CATEGORIES = [
  { name: 'UL', long: 'upper left', css: '#E69F00' },
  { name: 'UR', long: 'upper right', css: '#0072B2' },
  { name: 'LL', long: 'lower left', css: '#009E73' },
  { name: 'LR', long: 'lower right', css: '#CC79A7' },
  { name: 'none', long: 'no ON unit in the window', css: '#d9d9d9' },
] as const;
export const T_NONE = 4;

export function categoricalScale(): ColourScale {
  const css = T_CATEGORIES.map((c) => c.css);
  return { kind: 'categorical', lo: 0, hi: css.length - 1, entries: css.length, ...lutFrom((t) => css[Math.round(t * (css.length - 1))], css.length) };
}

/** Table index of value v: clamped linear for continuous scales, the integer itself for tables of categories. */
export function lutIndex(s: ColourScale, v: number): number {
  if (s.kind === 'categorical' || s.kind === 'binary') {
    const i = Math.round(v);
    return i >= 0 && i < s.entries ? i : s.entries - 1;
  }
  if (!Number.isFinite(v)) return v > 0 ? s.entries - 1 : v < 0 ? 0 : (s.entries - 1) >> 1;
  const t = (v - s.lo) / (s.hi - s.lo);
  return Math.min(s.entries - 1, Math.max(0, Math.round(t * (s.entries - 1))));
}

/** RGBA pixels (alpha 255) of an h x w map read from data[offset ..]. */
export function mapToRgba(data: MapData, offset: number, h: number, w: number, s: ColourScale): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(4 * h * w);
  for (let i = 0; i < h * w; i++) {
    const k = 3 * lutIndex(s, data[offset + i]);
    out[4 * i] = s.lut[k];
    out[4 * i + 1] = s.lut[k + 1];
    out[4 * i + 2] = s.lut[k + 2];
    out[4 * i + 3] = 255;
  }
  return out;
}

/**
 * The t-switch map as shown: the chosen position (0..3) where the window's pooled output is
 * positive, T_NONE where it is 0 (every unit of the window OFF: the tie rule picked UL, but no
 * active path runs through it, so the choice means nothing).
 */
export function tDisplay(t: Uint8Array, pooled: MapData): Uint8Array {
  if (t.length !== pooled.length) throw new Error(`t-switches (${t.length}) and pooled map (${pooled.length}) differ in size`);
  const out = new Uint8Array(t.length);
  for (let i = 0; i < t.length; i++) out[i] = pooled[i] > 0 ? t[i] : T_NONE;
  return out;
}

/** Counts of each displayed t category (0..3, then none). */
export function tCounts(display: Uint8Array): number[] {
  const counts = [0, 0, 0, 0, 0];
  for (let i = 0; i < display.length; i++) counts[Math.min(display[i], T_NONE)]++;
  return counts;
}

/** Fraction of nonzero entries. */
export function onFraction(a: ArrayLike<number>): number {
  if (a.length === 0) return 0;
  let on = 0;
  for (let i = 0; i < a.length; i++) if (a[i]) on++;
  return on / a.length;
}

/** Per channel: whether any of its `size` entries (channel-major) is nonzero. */
export function channelsNonzero(data: MapData, channels: number, size: number): boolean[] {
  const out: boolean[] = [];
  for (let c = 0; c < channels; c++) {
    let any = false;
    for (let i = c * size; i < (c + 1) * size && !any; i++) any = data[i] !== 0;
    out.push(any);
  }
  return out;
}

/** Display scale factor so a w-wide map is drawn about `target` CSS pixels wide (integer, at least 1). */
export function upscale(w: number, target = 56): number {
  return Math.max(1, Math.round(target / Math.max(1, w)));
}

/** Short number for captions: 3 significant digits, exponent form when tiny or huge. */
export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(2);
  return Number(v.toPrecision(3)).toString();
}

/** A log10 path count as text: "10^12.3", or "none" for -Infinity. */
export function fmtLog10(v: number): string {
  if (v === -Infinity) return 'none';
  if (!Number.isFinite(v)) return String(v);
  if (v < 6) return Math.round(10 ** v).toLocaleString('en-US');
  return `10^${v.toFixed(1)}`;
}

/** Percent (0..100, integer) of a byte progress, or null while the total is unknown. */
export function progressPercent(loaded: number, total: number): number | null {
  if (!(total > 0)) return null;
  return Math.max(0, Math.min(100, Math.floor((100 * loaded) / total)));
}

/** "1.2 MB" style byte counts. */
export function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} kB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}
