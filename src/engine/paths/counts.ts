/**
 * Active rendering paths counted by a dynamic program over the levels, on the CPU: the path
 * graph, its scaled counts and the passes that count paths downwards (to the pixels) and from
 * above (from the class or a seed node). Pure: it reads only the a- and t-switches of one image.
 * pathModel.ts combines the passes for a selection (the class, one unit, or one pixel).
 *
 * The path graph (as the GPU engine's path DP, docs/ENGINE.md): the class node reaches every
 * x(L) unit; an x(l) unit of a pooling level reaches the one r(l) unit its t-switch chose (all
 * four when counting the possible paths; without pooling x(l) and r(l) are the same node); an
 * r(l) unit reaches every x(l-1) unit its template covers (padding is not a unit). A path is
 * active when every r unit on it is ON. "Possible" counts repeat the DP with every switch ON and
 * every window position allowed.
 *
 * Counts grow past any float, so each layer's counts are kept scaled: value = v[i] * 10^e, with
 * the largest v equal to 1 (see `Counts`). Logs are taken only for display.
 */
import type { LevelShape } from '../model';

/** Nonnegative counts of one layer: value[i] = v[i] * 10^e (max v is 1). */
export interface Counts {
  v: Float64Array;
  e: number;
}

/** The switches of one image, per level. */
export interface SwitchSet {
  /** a(l): C x Hc x Wc, 1 = ON. */
  a: ArrayLike<number>[];
  /** t(l): C x Hout x Wout, the chosen window position dy*2 + dx; null without pooling. */
  t: (ArrayLike<number> | null)[];
}

/** One node of the path graph: an r(l) or x(l) unit (level 0, layer x: a pixel), by flat index. */
export interface NodeRef {
  level: number;
  layer: 'r' | 'x';
  index: number;
}

/** Counts of every layer of one pass: x[0] the pixels, x[l] and r[l] for level l (null: all zero). */
export interface Layers {
  x: (Counts | null)[];
  r: (Counts | null)[];
}

// ---------------------------------------------------------------------------------------------
// scaled counts

function normalised(v: Float64Array, e: number): Counts | null {
  let m = 0;
  for (let i = 0; i < v.length; i++) if (v[i] > m) m = v[i];
  if (m === 0) return null;
  if (m !== 1) {
    const inv = 1 / m;
    for (let i = 0; i < v.length; i++) v[i] *= inv;
  }
  return { v, e: e + Math.log10(m) };
}

export function ones(n: number): Counts {
  return { v: new Float64Array(n).fill(1), e: 0 };
}

function delta(n: number, i: number): Counts {
  const v = new Float64Array(n);
  v[i] = 1;
  return { v, e: 0 };
}

/** log10 of one entry (-Infinity for zero). */
export function logAt(c: Counts | null, i: number): number {
  return c && c.v[i] > 0 ? Math.log10(c.v[i]) + c.e : -Infinity;
}

/** log10 of the sum of the entries, only those with mask[i] != 0 when a mask is given. */
export function logSum(c: Counts | null, mask: ArrayLike<number> | null = null): number {
  if (!c) return -Infinity;
  let s = 0;
  for (let i = 0; i < c.v.length; i++) if (!mask || mask[i]) s += c.v[i];
  return s > 0 ? Math.log10(s) + c.e : -Infinity;
}

// ---------------------------------------------------------------------------------------------
// the passes

/**
 * r(l) from x(l-1), counting paths downwards: each ON unit sums its template window. The window
 * sum is the same for every channel at a position (a template covers all input channels), so it
 * is computed once per position.
 */
function convDown(s: LevelShape, input: Counts, a: ArrayLike<number> | null): Counts | null {
  const { hin, win, cin, c, hc, wc, k, pad } = s;
  const iv = input.v;
  // Per input position, the sum over input channels.
  const col = new Float64Array(hin * win);
  for (let ci = 0; ci < cin; ci++) for (let q = 0; q < hin * win; q++) col[q] += iv[ci * hin * win + q];
  const out = new Float64Array(c * hc * wc);
  for (let y = 0; y < hc; y++)
    for (let x = 0; x < wc; x++) {
      let acc = 0;
      for (let dy = 0; dy < k; dy++) {
        const yy = y + dy - pad;
        if (yy < 0 || yy >= hin) continue;
        for (let dx = 0; dx < k; dx++) {
          const xx = x + dx - pad;
          if (xx >= 0 && xx < win) acc += col[yy * win + xx];
        }
      }
      if (acc === 0) continue;
      for (let ch = 0; ch < c; ch++) {
        const j = (ch * hc + y) * wc + x;
        if (!a || a[j]) out[j] = acc;
      }
    }
  return normalised(out, input.e);
}

/** x(l-1) from r(l), counting paths from above: every ON unit adds its count to the units its template covers. */
function convUp(s: LevelShape, r: Counts, a: ArrayLike<number> | null): Counts | null {
  const { hin, win, cin, c, hc, wc, k, pad } = s;
  // Per position, the sum over the ON channels; what reaches x(l-1) is the same for every input channel.
  const pos = new Float64Array(hc * wc);
  for (let ch = 0; ch < c; ch++)
    for (let p = 0; p < hc * wc; p++) {
      const j = ch * hc * wc + p;
      if (!a || a[j]) pos[p] += r.v[j];
    }
  const plane = new Float64Array(hin * win);
  for (let y = 0; y < hc; y++)
    for (let x = 0; x < wc; x++) {
      const v = pos[y * wc + x];
      if (v === 0) continue;
      for (let dy = 0; dy < k; dy++) {
        const yy = y + dy - pad;
        if (yy < 0 || yy >= hin) continue;
        for (let dx = 0; dx < k; dx++) {
          const xx = x + dx - pad;
          if (xx >= 0 && xx < win) plane[yy * win + xx] += v;
        }
      }
    }
  const out = new Float64Array(cin * hin * win);
  for (let ci = 0; ci < cin; ci++) out.set(plane, ci * hin * win);
  return normalised(out, r.e);
}

/** x(l) from r(l): the unit its t-switch chose (possible: the sum of all four). */
function poolDown(s: LevelShape, r: Counts, t: ArrayLike<number> | null): Counts | null {
  const { c, hc, wc, hout, wout } = s;
  const out = new Float64Array(c * hout * wout);
  for (let ch = 0; ch < c; ch++)
    for (let y = 0; y < hout; y++)
      for (let x = 0; x < wout; x++) {
        const i = (ch * hout + y) * wout + x;
        let acc = 0;
        for (let q = 0; q < 4; q++) {
          if (t && q !== t[i]) continue;
          acc += r.v[(ch * hc + 2 * y + (q >> 1)) * wc + 2 * x + (q & 1)];
        }
        out[i] = acc;
      }
  return normalised(out, r.e);
}

/** r(l) from x(l), from above: each pooled unit's count goes to the position its t-switch chose (possible: to all four). */
function poolUp(s: LevelShape, x: Counts, t: ArrayLike<number> | null): Counts | null {
  const { c, hc, wc, hout, wout } = s;
  const out = new Float64Array(c * hc * wc);
  for (let ch = 0; ch < c; ch++)
    for (let y = 0; y < hout; y++)
      for (let xo = 0; xo < wout; xo++) {
        const i = (ch * hout + y) * wout + xo;
        const v = x.v[i];
        if (v === 0) continue;
        for (let q = 0; q < 4; q++) {
          if (t && q !== t[i]) continue;
          out[(ch * hc + 2 * y + (q >> 1)) * wc + 2 * xo + (q & 1)] = v;
        }
      }
  return normalised(out, x.e);
}

/**
 * Paths from each node down to the pixels (own switch included). With a seed, paths from each
 * node down to the seed instead (the seed counts 1; layers below it are zero).
 */
export function downPass(shapes: LevelShape[], pixels: number, sw: SwitchSet, possible: boolean, seed: NodeRef | null): Layers {
  const L = shapes.length;
  const x: (Counts | null)[] = new Array(L + 1).fill(null);
  const r: (Counts | null)[] = new Array(L + 1).fill(null);
  x[0] = !seed ? ones(pixels) : seed.level === 0 ? delta(pixels, seed.index) : null;
  for (let l = 1; l <= L; l++) {
    const s = shapes[l - 1];
    const at = seed && seed.level === l ? seed.layer : null;
    if (at === 'r') r[l] = delta(s.c * s.hc * s.wc, seed!.index);
    else r[l] = x[l - 1] ? convDown(s, x[l - 1]!, possible ? null : sw.a[l - 1]) : null;
    if (!s.pool) x[l] = r[l];
    else if (at === 'x') x[l] = delta(s.c * s.hout * s.wout, seed!.index);
    else x[l] = r[l] ? poolDown(s, r[l]!, possible ? null : sw.t[l - 1]) : null;
  }
  return { x, r };
}

/**
 * Paths from the class (or from a seed unit) down to each node, the node's own switch not
 * included. Layers above a seed are zero.
 */
export function upPass(shapes: LevelShape[], sw: SwitchSet, possible: boolean, seed: NodeRef | 'class'): Layers {
  const L = shapes.length;
  const x: (Counts | null)[] = new Array(L + 1).fill(null);
  const r: (Counts | null)[] = new Array(L + 1).fill(null);
  const top = shapes[L - 1];
  if (seed === 'class') x[L] = ones(top.c * top.hout * top.wout);
  for (let l = L; l >= 1; l--) {
    const s = shapes[l - 1];
    const at = seed !== 'class' && seed.level === l ? seed.layer : null;
    if (at === 'x') x[l] = delta(s.c * s.hout * s.wout, (seed as NodeRef).index);
    if (at === 'r') r[l] = delta(s.c * s.hc * s.wc, (seed as NodeRef).index);
    else if (!x[l]) r[l] = null;
    else r[l] = s.pool ? poolUp(s, x[l]!, possible ? null : sw.t[l - 1]) : x[l];
    if (!s.pool) x[l] = r[l];
    x[l - 1] = r[l] ? convUp(s, r[l]!, possible ? null : sw.a[l - 1]) : null;
  }
  return { x, r };
}
