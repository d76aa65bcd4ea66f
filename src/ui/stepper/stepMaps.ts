/**
 * What each step of the stepper draws, and the numbers behind any one unit of it, read from the
 * current inference result (pure: no DOM, no React). Colour scales follow scales.ts: one scale per
 * kind of quantity and one range per map across its channels, so channels compare.
 */
import { shapesOf } from '../../engine';
import { binaryScale, categoricalScale, divergingScale, fmt, maxAbs, maxValue, sequentialScale, tDisplay, T_CATEGORIES, type ColourScale, type MapData } from '../scales';
import type { UnitRef, ViewResult } from '../store';
import { receptiveField, type FieldRect } from './receptiveField';
import type { Step } from './steps';

export type MapId = 'u' | 'r' | 'a' | 'x' | 't' | 'xtop' | 'evidence' | 'sx' | 'sr' | 'su' | 'pixels';

/** Where a map's units live: r(l) resolution, x(l) resolution, the input, or x(L) positions summed over channels. */
export type MapStage = 'relu' | 'pool' | 'pixel' | 'top';

export interface StepMap {
  id: MapId;
  /** Heading of the map's row. */
  title: string;
  /** 1-based level; 0 for the pixels. */
  level: number;
  stage: MapStage;
  data: MapData;
  channels: number;
  h: number;
  w: number;
  scale: ColourScale;
  legend: 'gradient' | 'switch' | 't';
}

const BINARY = binaryScale();
const CATEGORICAL = categoricalScale();

const VARIANT_STEP: Record<ViewResult['variant'], string> = {
  rendering: 'a · max(0, sr)',
  gradient: 'a · sr',
  deconvnet: 'max(0, sr), no a-mask',
};

/**
 * Per top-level position, what it adds to the start class's score: sum over channels of the
 * class template (as the backtrace placed it on x(L): the read-out's adjoint) times x(L). The map
 * sums to s_c - b_c, for a dense read-out and for a global average alike.
 */
export function classEvidence(view: ViewResult): Float64Array {
  const shapes = shapesOf(view.spec);
  const L = shapes.levels.length;
  const { c, h, w } = shapes.top;
  const x = view.result.forward.levels[L - 1].x;
  const s = view.result.backtrace.levels[L - 1].sx;
  const out = new Float64Array(h * w);
  for (let ch = 0; ch < c; ch++) for (let j = 0; j < h * w; j++) out[j] += s[ch * h * w + j] * x[ch * h * w + j];
  return out;
}

export function stepMaps(view: ViewResult, step: Step): StepMap[] {
  const shapes = shapesOf(view.spec);
  const L = shapes.levels.length;
  const fwdAt = (l: number) => view.result.forward.levels[l - 1];
  const btAt = (l: number) => view.result.backtrace.levels[l - 1];
  const l = step.level;
  const sh = l > 0 ? shapes.levels[l - 1] : null;
  const fine = (id: MapId, title: string, data: MapData, scale: ColourScale, legend: StepMap['legend'] = 'gradient'): StepMap => ({
    id, title, level: l, stage: 'relu', data, channels: sh!.c, h: sh!.hc, w: sh!.wc, scale, legend,
  });
  const coarse = (id: MapId, title: string, data: MapData, scale: ColourScale, legend: StepMap['legend'] = 'gradient'): StepMap => ({
    id, title, level: l, stage: 'pool', data, channels: sh!.c, h: sh!.hout, w: sh!.wout, scale, legend,
  });
  const tMap = () => coarse('t', `t(${l}): the position chosen in each 2×2 window (grey: every unit OFF)`, tDisplay(fwdAt(l).t!, fwdAt(l).x), CATEGORICAL, 't');
  const aMap = () => fine('a', `a(${l}) = [u(${l}) > 0]: the ON/OFF switches`, fwdAt(l).a, BINARY, 'switch');

  switch (step.kind) {
    case 'match': {
      const u = fwdAt(l).u;
      return [fine('u', `u(${l}) = W(${l}) * x(${l - 1}) + b(${l}): template-match scores (red fits, blue contradicts)`, u, divergingScale(maxAbs(u)))];
    }
    case 'relu': {
      const r = fwdAt(l).r;
      return [fine('r', `r(${l}) = max(0, u(${l})): the best score with the switch free`, r, sequentialScale(maxValue(r))), aMap()];
    }
    case 'pool': {
      const x = fwdAt(l).x;
      return [coarse('x', `x(${l}) = max over t of r(${l}): the best score over the window`, x, sequentialScale(maxValue(x))), tMap()];
    }
    case 'scores': {
      const top = shapes.levels[L - 1];
      const x = fwdAt(L).x;
      return [{ id: 'xtop', title: `x(${L}): the top-level messages the class templates read`, level: L, stage: 'pool', data: x, channels: top.c, h: top.hout, w: top.wout, scale: sequentialScale(maxValue(x)), legend: 'gradient' }];
    }
    case 'argmax': {
      const e = classEvidence(view);
      return [{ id: 'evidence', title: `Where class ${view.startClass}'s score comes from: Σ over channels of μ_${view.startClass} · x(${L}) at each position`, level: L, stage: 'top', data: e, channels: 1, h: shapes.top.h, w: shapes.top.w, scale: divergingScale(maxAbs(e)), legend: 'gradient' }];
    }
    case 'arrive': {
      const s = btAt(l).sx;
      const title = `sx(${l}): the top-down signal arriving at x(${l})`;
      return [sh!.pool ? coarse('sx', title, s, divergingScale(maxAbs(s))) : fine('sx', title, s, divergingScale(maxAbs(s)))];
    }
    case 'unpool': {
      const s = btAt(l).sr;
      return [fine('sr', `sr(${l}): sx(${l}) placed at each window's chosen position`, s, divergingScale(maxAbs(s))), tMap()];
    }
    case 'mask': {
      const s = btAt(l).su;
      return [fine('su', `su(${l}) = ${VARIANT_STEP[view.variant]}: what level ${l}'s templates paint below`, s, divergingScale(maxAbs(s))), aMap()];
    }
    case 'pixels': {
      const p = view.result.backtrace.pixels;
      const { height, width } = view.spec.input;
      return [{ id: 'pixels', title: `Î: class ${view.startClass} rendered through this image's switches (signed, not rectified)`, level: 0, stage: 'pixel', data: p, channels: view.spec.input.channels, h: height, w: width, scale: divergingScale(maxAbs(p)), legend: 'gradient' }];
    }
  }
}

export interface UnitRow {
  name: string;
  value: string;
}

export interface UnitDetails {
  heading: string;
  rows: UnitRow[];
  /** A pooled unit's 2x2 window: r values in UL, UR, LL, LR order, the chosen position, and whether any is ON. */
  window: { values: number[]; winner: number; on: boolean } | null;
  field: FieldRect;
  /** What selecting the unit sets in the store (null: not a unit other panels can start from). */
  unit: UnitRef | null;
}

const onOff = (a: number) => (a ? 'ON (1)' : 'OFF (0)');

/** The numbers behind unit (c, y, x) of one of a step's maps. */
export function unitDetails(view: ViewResult, step: Step, map: StepMap, c: number, y: number, x: number): UnitDetails {
  if (c < 0 || c >= map.channels || y < 0 || y >= map.h || x < 0 || x >= map.w) throw new Error(`unit (${c}, ${y}, ${x}) is outside the ${map.channels}x${map.h}x${map.w} map`);
  const shapes = shapesOf(view.spec);
  const topDown = step.phase === 'top-down';
  const rows: UnitRow[] = [];
  const at = (data: MapData, h: number, w: number) => data[(c * h + y) * w + x];

  if (map.stage === 'pixel') {
    const { height, width } = view.spec.input;
    rows.push({ name: 'input I', value: fmt(at(view.image, height, width)) });
    rows.push({ name: 'reconstruction Î', value: fmt(at(view.result.backtrace.pixels, height, width)) });
    return { heading: `Pixel (${y + 1}, ${x + 1})`, rows, window: null, field: receptiveField(view.spec, { level: 0, stage: 'relu', y, x }), unit: null };
  }

  const l = map.level;
  const sh = shapes.levels[l - 1];
  const fwd = view.result.forward.levels[l - 1];
  const bt = view.result.backtrace.levels[l - 1];

  if (map.stage === 'top') {
    rows.push({ name: `adds to s_${view.startClass}`, value: fmt(map.data[y * map.w + x]) });
    const stage = sh.pool ? 'pool' : 'relu';
    return { heading: `Top-level position (${y + 1}, ${x + 1}), all ${sh.c} channels`, rows, window: null, field: receptiveField(view.spec, { level: l, stage, y, x }), unit: null };
  }

  const fineIdx = (yy: number, xx: number) => (c * sh.hc + yy) * sh.wc + xx;
  if (map.stage === 'pool' && sh.pool) {
    const j = (c * sh.hout + y) * sh.wout + x;
    const values = [0, 1, 2, 3].map((q) => fwd.r[fineIdx(2 * y + (q >> 1), 2 * x + (q & 1))]);
    const winner = fwd.t![j];
    const wi = fineIdx(2 * y + (winner >> 1), 2 * x + (winner & 1));
    rows.push({ name: `x = max over the window`, value: fmt(fwd.x[j]) });
    rows.push({ name: `t (chosen position)`, value: `${T_CATEGORIES[winner].name}, ${T_CATEGORIES[winner].long}` });
    rows.push({ name: 'u of the chosen unit', value: fmt(fwd.u[wi]) });
    if (topDown) rows.push({ name: 'sx (top-down, arriving)', value: fmt(bt.sx[j]) });
    return {
      heading: `Level ${l}, channel ${c + 1}, pooled unit (${y + 1}, ${x + 1}) of x(${l})`,
      rows,
      window: { values, winner, on: fwd.x[j] > 0 },
      field: receptiveField(view.spec, { level: l, stage: 'pool', y, x }),
      unit: { level: l, stage: 'pool', channel: c, y, x },
    };
  }

  const i = fineIdx(y, x);
  rows.push({ name: 'u = W·x + b', value: fmt(fwd.u[i]) });
  rows.push({ name: 'r = max(0, u)', value: fmt(fwd.r[i]) });
  rows.push({ name: 'a = [u > 0]', value: onOff(fwd.a[i]) });
  if (sh.pool && y < 2 * sh.hout && x < 2 * sh.wout) {
    const py = y >> 1;
    const px = x >> 1;
    const q = (y & 1) * 2 + (x & 1);
    const chosen = fwd.t![(c * sh.hout + py) * sh.wout + px];
    rows.push({ name: 't of its window', value: chosen === q ? `chosen (${T_CATEGORIES[q].name})` : `not chosen (${T_CATEGORIES[chosen].name} was)` });
  } else if (sh.pool) {
    rows.push({ name: 't of its window', value: 'none: a trailing row or column the pooling drops' });
  }
  if (topDown) {
    rows.push({ name: sh.pool ? 'sr (unpooled signal)' : 'sx = sr (no pooling)', value: fmt(bt.sr[i]) });
    rows.push({ name: `su (after the ${view.variant} step)`, value: fmt(bt.su[i]) });
  }
  return {
    heading: `Level ${l}, channel ${c + 1}, unit (${y + 1}, ${x + 1}) of r(${l})`,
    rows,
    window: null,
    field: receptiveField(view.spec, { level: l, stage: 'relu', y, x }),
    unit: { level: l, stage: 'relu', channel: c, y, x },
  };
}
