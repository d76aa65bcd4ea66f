/**
 * What a hovered unit (or input pixel) is linked to, on any map of the model: the region it
 * depends on in every map below it (its inputs in the level below, its receptive field on the
 * input), and the region that depends on it in every map above it (the units it feeds). Every view
 * that draws maps asks `linkedRegion` for each of its maps and outlines the answer, so hovering a
 * unit anywhere lights up the same things everywhere. Pure: no DOM.
 *
 * The maps form one chain per axis: the pixels, then for each level l its r(l) map and, when it
 * pools, its x(l) map (without pooling x(l) is r(l)). Between neighbours (inclusive ranges, each
 * clipped to its map, padding being zeros rather than units):
 *   r(l) -> x(l-1), down: [lo - pad, hi - pad + k - 1]          (the template's extent)
 *   x(l) -> r(l),   down: [2 lo, 2 hi + 1]                       (the 2x2 window)
 *   x(l-1) -> r(l), up:   [lo + pad - k + 1, hi + pad]           (the units whose template covers it)
 *   r(l) -> x(l),   up:   [floor(lo / 2), floor(hi / 2)]         (a trailing odd row the pooling drops feeds nothing)
 */
import type { ModelSpec } from '../../engine';
import type { HoverTarget } from '../picture/slice';

/** A map of the model: a level's r(l) ('relu') or x(l) ('pool'), or the input ('pixel', level 0). */
export interface MapRef {
  level: number;
  stage: 'relu' | 'pool' | 'pixel';
}

/** Inclusive rectangle in a map's cells. */
export interface CellRect {
  y0: number;
  x0: number;
  y1: number;
  x1: number;
}

export type LinkKind = 'self' | 'below' | 'above' | 'field';

/** The outline colours every view uses: the hovered unit, what it depends on (blue, as the bottom-up flow into it), what it feeds (amber). */
export const LINK_COLOURS: Record<LinkKind, string> = { self: '#111111', below: '#2b6cb0', field: '#2b6cb0', above: '#b7791f' };

export interface LinkedRegion {
  /** self: the hovered unit itself; below: what it depends on (inputs); above: what depends on it; field: its receptive field on the input. */
  kind: LinkKind;
  rect: CellRect;
}

interface Range {
  lo: number;
  hi: number;
}

/** Map sizes along one axis: pix, then r(l) and x(l) per level. */
function chain(spec: ModelSpec, axis: 'height' | 'width'): { size: number[]; kind: ('pixel' | 'r' | 'x')[]; level: number[] } {
  const size = [spec.input[axis]];
  const kind: ('pixel' | 'r' | 'x')[] = ['pixel'];
  const level = [0];
  let n = spec.input[axis];
  spec.levels.forEach((lv, i) => {
    const r = n + 2 * lv.pad - lv.kernel + 1;
    size.push(r);
    kind.push('r');
    level.push(i + 1);
    n = lv.pool ? Math.floor(r / 2) : r;
    if (lv.pool) {
      size.push(n);
      kind.push('x');
      level.push(i + 1);
    }
  });
  return { size, kind, level };
}

/** Position of a map in the chain (a 'pool' map of a level that does not pool is its r map). */
function position(spec: ModelSpec, m: MapRef): number {
  if (m.level === 0 || m.stage === 'pixel') return 0;
  let p = 0;
  for (let l = 1; l <= m.level; l++) {
    const lv = spec.levels[l - 1];
    if (!lv) return -1;
    p += 1;
    if (l === m.level) return m.stage === 'pool' && lv.pool ? p + 1 : p;
    if (lv.pool) p += 1;
  }
  return -1;
}

function clip(r: Range, n: number): Range {
  return { lo: Math.max(0, r.lo), hi: Math.min(n - 1, r.hi) };
}

/** The range at chain position `to` linked to range r at position `from`, along one axis (null: none). */
function walk(spec: ModelSpec, axis: 'height' | 'width', from: number, to: number, r0: Range): Range | null {
  const { size, kind, level } = chain(spec, axis);
  let r = r0;
  if (to < from) {
    for (let p = from; p > to; p--) {
      const lv = spec.levels[level[p] - 1];
      if (kind[p] === 'x') r = { lo: 2 * r.lo, hi: 2 * r.hi + 1 };
      else r = { lo: r.lo - lv.pad, hi: r.hi - lv.pad + lv.kernel - 1 };
      r = clip(r, size[p - 1]);
      if (r.lo > r.hi) return null;
    }
  } else {
    for (let p = from + 1; p <= to; p++) {
      const lv = spec.levels[level[p] - 1];
      if (kind[p] === 'x') r = { lo: r.lo >> 1, hi: r.hi >> 1 };
      else r = { lo: r.lo + lv.pad - lv.kernel + 1, hi: r.hi + lv.pad };
      r = clip(r, size[p]);
      if (r.lo > r.hi) return null;
    }
  }
  return r;
}

/** The map a hover target lives in. */
export function hoverMap(h: HoverTarget): MapRef {
  return h.kind === 'pixel' ? { level: 0, stage: 'pixel' } : { level: h.unit.level, stage: h.unit.stage };
}

/**
 * The region of map `target` linked to the hovered unit or pixel, or null when nothing there is
 * linked (or the target is not a map of this model). A 'pool' map of a level without pooling is
 * the level's r map.
 */
export function linkedRegion(spec: ModelSpec, hover: HoverTarget, target: MapRef): LinkedRegion | null {
  const from = position(spec, hoverMap(hover));
  const to = position(spec, target);
  if (from < 0 || to < 0) return null;
  const y = hover.kind === 'pixel' ? hover.y : hover.unit.y;
  const x = hover.kind === 'pixel' ? hover.x : hover.unit.x;
  const ry = walk(spec, 'height', from, to, { lo: y, hi: y });
  const rx = walk(spec, 'width', from, to, { lo: x, hi: x });
  if (!ry || !rx) return null;
  const kind: LinkKind = to === from ? 'self' : to === 0 ? 'field' : to < from ? 'below' : 'above';
  return { kind, rect: { y0: ry.lo, y1: ry.hi, x0: rx.lo, x1: rx.hi } };
}

/** Whether two map references name the same map of this model. */
export function sameMap(spec: ModelSpec, a: MapRef, b: MapRef): boolean {
  return position(spec, a) === position(spec, b);
}
