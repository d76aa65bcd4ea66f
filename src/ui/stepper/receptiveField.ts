/**
 * Receptive fields from the architecture: the input pixels a unit's value depends on, as an
 * inclusive rectangle. Going down one level: a pooled unit (y, x) covers rows 2y..2y+1 of r(l);
 * an r(l) (or u(l)) unit covers rows y - pad .. y - pad + k - 1 of x(l-1). The range is clipped
 * to the map at every level, because padding is zeros, not units: a padded position contributes
 * nothing and reaches no pixel.
 */
import type { ModelSpec } from '../../engine';

export interface FieldRect {
  /** Inclusive pixel bounds in the input image. */
  y0: number;
  x0: number;
  y1: number;
  x1: number;
}

export interface FieldUnit {
  /** 1-based level; 0 = an input pixel. */
  level: number;
  /** 'pool': the level's output x(l) (same as r(l) when the level does not pool). */
  stage: 'relu' | 'pool';
  y: number;
  x: number;
}

interface Range {
  lo: number;
  hi: number;
}

function clip(r: Range, size: number): Range {
  return { lo: Math.max(0, r.lo), hi: Math.min(size - 1, r.hi) };
}

/** Map sizes per level: [input, x(1), ...] heights/widths and r(l) heights/widths. */
function sizes(spec: ModelSpec, axis: 'height' | 'width') {
  const inSize: number[] = [spec.input[axis]];
  const rSize: number[] = [];
  for (const lv of spec.levels) {
    const r = inSize[inSize.length - 1] + 2 * lv.pad - lv.kernel + 1;
    rSize.push(r);
    inSize.push(lv.pool ? Math.floor(r / 2) : r);
  }
  return { inSize, rSize };
}

function fieldAlong(spec: ModelSpec, unit: FieldUnit, pos: number, axis: 'height' | 'width'): Range {
  const { inSize, rSize } = sizes(spec, axis);
  if (unit.level === 0) return clip({ lo: pos, hi: pos }, inSize[0]);
  let r: Range;
  const top = spec.levels[unit.level - 1];
  // Start on r(l): a pooled unit's window, or the unit itself.
  if (unit.stage === 'pool' && top.pool) r = { lo: 2 * pos, hi: 2 * pos + 1 };
  else r = { lo: pos, hi: pos };
  for (let l = unit.level; l >= 1; l--) {
    const lv = spec.levels[l - 1];
    r = clip(r, rSize[l - 1]);
    // r(l) -> x(l-1): the template's extent.
    r = clip({ lo: r.lo - lv.pad, hi: r.hi - lv.pad + lv.kernel - 1 }, inSize[l - 1]);
    // x(l-1) -> r(l-1): through level l-1's pooling windows.
    if (l > 1 && spec.levels[l - 2].pool) r = { lo: 2 * r.lo, hi: 2 * r.hi + 1 };
  }
  return r;
}

/** The input rectangle a unit depends on. Throws when the unit lies outside its map. */
export function receptiveField(spec: ModelSpec, unit: FieldUnit): FieldRect {
  const h = mapSize(spec, unit, 'height');
  const w = mapSize(spec, unit, 'width');
  if (!Number.isInteger(unit.y) || !Number.isInteger(unit.x) || unit.y < 0 || unit.x < 0 || unit.y >= h || unit.x >= w)
    throw new Error(`receptiveField: unit (${unit.y}, ${unit.x}) is outside level ${unit.level}'s ${h}x${w} ${unit.stage} map`);
  const ry = fieldAlong(spec, unit, unit.y, 'height');
  const rx = fieldAlong(spec, unit, unit.x, 'width');
  return { y0: ry.lo, y1: ry.hi, x0: rx.lo, x1: rx.hi };
}

/** Height or width of the map a unit lives in. */
export function mapSize(spec: ModelSpec, unit: Pick<FieldUnit, 'level' | 'stage'>, axis: 'height' | 'width'): number {
  const { inSize, rSize } = sizes(spec, axis);
  if (unit.level === 0) return inSize[0];
  const lv = spec.levels[unit.level - 1];
  if (!lv) throw new Error(`receptiveField: no level ${unit.level}`);
  return unit.stage === 'pool' && lv.pool ? inSize[unit.level] : rSize[unit.level - 1];
}
