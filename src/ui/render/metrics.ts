/**
 * Pure numbers for the Rendering panel (no DOM, no React): how far a rendered signal is from the
 * map it should explain, and where the top-down signal goes negative.
 *
 * The top-down signal and the bottom-up maps live on different scales (the signal is a class
 * template pushed through products of templates; the bottom-up maps are template-match scores),
 * so besides the raw squared error we compare them after a documented normalisation: the cosine
 * similarity, and the least-squares scale alpha = <t, s> / <s, s> with the residual it leaves,
 * ||t - alpha s||^2 / ||t||^2 (which equals 1 - cos^2).
 */
import type { MapData } from '../scales';

export interface Comparison {
  /** Entries compared. */
  n: number;
  /** ||t - s||^2, unnormalised. */
  sqError: number;
  /** ||t - s||^2 / n: the training objective's reconstruction term for the pixels. */
  meanSq: number;
  /** <t, s> / (||t|| ||s||); null when either is zero everywhere. */
  cos: number | null;
  /** The least-squares alpha minimising ||t - alpha s||^2; null when s is zero everywhere. */
  scale: number | null;
  /** ||t - alpha s||^2 / ||t||^2 in [0, 1] (1 when s is zero); null when t is zero everywhere. */
  scaledResidual: number | null;
}

/** Compares target t with signal s over [offset, offset + n) of both. */
export function compareMaps(t: MapData, s: MapData, offset = 0, n = t.length - offset): Comparison {
  if (s.length < offset + n || t.length < offset + n) throw new Error(`compareMaps: maps of ${t.length} and ${s.length} entries cannot hold ${n} from ${offset}`);
  let tt = 0;
  let ss = 0;
  let ts = 0;
  let sq = 0;
  for (let i = offset; i < offset + n; i++) {
    const a = t[i];
    const b = s[i];
    tt += a * a;
    ss += b * b;
    ts += a * b;
    sq += (a - b) * (a - b);
  }
  const cos = tt > 0 && ss > 0 ? Math.max(-1, Math.min(1, ts / Math.sqrt(tt * ss))) : null;
  const scale = ss > 0 ? ts / ss : null;
  const scaledResidual = tt > 0 ? (cos === null ? 1 : Math.max(0, 1 - cos * cos)) : null;
  return { n, sqError: sq, meanSq: n > 0 ? sq / n : 0, cos, scale, scaledResidual };
}

/** t - s, entry by entry (the error map). */
export function difference(t: MapData, s: MapData): Float64Array {
  if (t.length !== s.length) throw new Error(`difference: ${t.length} and ${s.length} entries`);
  return Float64Array.from({ length: t.length }, (_, i) => t[i] - s[i]);
}

/** Where and how much a top-down signal z goes negative. */
export interface NegativeStats {
  units: number;
  negative: number;
  /** negative / units (0 for no units). */
  fraction: number;
  /** The most negative value; 0 when nothing is negative. */
  min: number;
  /** Index of the most negative value; -1 when nothing is negative. */
  minIndex: number;
  /** Negative units whose a-switch is ON: where the rendering's ReLU actually cuts the signal. Null without switches. */
  atOn: number | null;
  /** sum relu(-z)^2 / units: the nonnegativity term of docs/TRAINING.md for this level (before its weight). */
  penalty: number;
}

export function negativeStats(z: MapData, a?: ArrayLike<number> | null): NegativeStats {
  if (a && a.length !== z.length) throw new Error(`negativeStats: ${z.length} signal entries but ${a.length} switches`);
  let negative = 0;
  let min = 0;
  let minIndex = -1;
  let atOn = 0;
  let pen = 0;
  for (let i = 0; i < z.length; i++) {
    const v = z[i];
    if (!(v < 0)) continue;
    negative++;
    pen += v * v;
    if (v < min) {
      min = v;
      minIndex = i;
    }
    if (a && a[i]) atOn++;
  }
  const units = z.length;
  return { units, negative, fraction: units ? negative / units : 0, min, minIndex, atOn: a ? atOn : null, penalty: units ? pen / units : 0 };
}

/** 1 where data[offset + i] < 0, for i in [0, n). */
export function negativeMask(data: MapData, offset: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = data[offset + i] < 0 ? 1 : 0;
  return out;
}

/** The channels shown: `count` of them from `first` (0-based), clamped to the level's `channels`. */
export function channelWindow(first: number, count: number, channels: number): number[] {
  const n = Math.max(1, Math.min(channels, Number.isFinite(count) ? Math.trunc(count) : 1));
  const start = Math.max(0, Math.min(channels - n, Number.isFinite(first) ? Math.trunc(first) : 0));
  return Array.from({ length: n }, (_, i) => start + i);
}

/** ||I - render_c||^2 for every class's rendering, and the class with the smallest. */
export function classErrors(image: MapData, renders: MapData[]): { errors: number[]; best: number } {
  const errors = renders.map((r) => compareMaps(image, r).sqError);
  let best = -1;
  errors.forEach((e, c) => {
    if (best < 0 || e < errors[best]) best = c;
  });
  return { errors, best };
}

/** Seed of the i-th sample of a row: distinct rows for distinct seeds, the same row for the same seed. */
export function sampleSeed(seed: number, i: number): number {
  return (Math.imul(Math.trunc(seed) >>> 0, 0x9e3779b1) + i * 0x85ebca6b) >>> 0;
}
