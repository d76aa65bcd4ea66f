/**
 * The paths through a selection (the class, one unit, or one pixel) of one image, from the passes
 * of counts.ts: what the Paths panel shows. The selection-independent passes (paths from the
 * class, paths to the pixels; active and possible) are computed once per image; each selection
 * adds the passes seeded at its node. Pure: no DOM, no GPU.
 */
import { shapesOf, type LevelShape, type ModelSpec } from '../model';
import type { ForwardMaps } from '../types';
import { downPass, logAt, logSum, ones, upPass, type Counts, type Layers, type NodeRef, type SwitchSet } from './counts';

/** A unit of a level's map: its ReLU output r(l) ('relu') or its output x(l) ('pool', pooled when the level pools). */
export interface UnitRef {
  /** 1-based level. */
  level: number;
  stage: 'relu' | 'pool';
  channel: number;
  y: number;
  x: number;
}

export type PathSelection =
  | { kind: 'class' }
  | { kind: 'unit'; unit: UnitRef }
  | { kind: 'pixel'; y: number; x: number; channel?: number };

/** Where a level lies relative to the selection: the class is above everything. */
export type Side = 'above' | 'at' | 'below';

export interface LevelPathView {
  /** 1-based level. */
  level: number;
  side: Side;
  /** log10 of the active class-to-pixel paths through the selection and each r(l) unit (-Infinity: none). */
  throughR: Float64Array;
  /** The same for each x(l) unit (the same array without pooling). */
  throughX: Float64Array;
  /** log10 of the paths through each channel (summed over positions) and each position (summed over channels) of r(l). */
  channelLog10: Float64Array;
  positionLog10: Float64Array;
  /** Largest entry of throughR (-Infinity when no path runs through this level). */
  maxLog10: number;
  /** r(l) units with at least one such path; ON units; all units. */
  unitsThrough: number;
  unitsOn: number;
  units: number;
  /**
   * log10 of the active (and possible) paths between the selection's anchor and this level's r
   * units: from the class or unit down to the ON units of a level below it, or from each ON unit
   * of a level above a unit or pixel down to it. NaN at the selected unit's own level.
   */
  activeLog10: number;
  possibleLog10: number;
}

export interface PathView {
  selection: PathSelection;
  /** The selected node (null for the class). */
  node: NodeRef | null;
  levels: LevelPathView[];
  pixels: {
    side: Side;
    /** log10 of the paths through the selection reaching each pixel, C x H x W. */
    through: Float64Array;
    /** Summed over the input channels, H x W. */
    positionLog10: Float64Array;
    maxLog10: number;
    /** Pixels reached by at least one such path. */
    reached: number;
    /** Anchored counts, as for a level (NaN when the selection is a pixel). */
    activeLog10: number;
    possibleLog10: number;
  };
  /** log10 of the active (possible) class-to-pixel paths through the selection. */
  totalLog10: number;
  totalPossibleLog10: number;
  /** log10 of the active (possible) paths from the class down to the selected unit or pixel (its own switch not included); NaN for the class. */
  fromClassLog10: number;
  fromClassPossibleLog10: number;
  /** log10 of the active paths from the selected unit down to the pixels (its own switch included; 0 for a pixel, NaN for the class). */
  toPixelsLog10: number;
}

// ---------------------------------------------------------------------------------------------
// selections

/** The switches of image `img` of a forward result. */
export function switchesOf(spec: ModelSpec, fwd: ForwardMaps, img = 0): SwitchSet {
  const shapes = shapesOf(spec).levels;
  return {
    a: shapes.map((s, i) => fwd.levels[i].a.subarray(img * s.c * s.hc * s.wc, (img + 1) * s.c * s.hc * s.wc)),
    t: shapes.map((s, i) => {
      const t = fwd.levels[i].t;
      return t ? t.subarray(img * s.c * s.hout * s.wout, (img + 1) * s.c * s.hout * s.wout) : null;
    }),
  };
}

/**
 * The graph node of a unit, or a message saying why it is not one. A 'pool' unit of a level that
 * does not pool is its r(l) unit (the two maps are one).
 */
export function unitNode(spec: ModelSpec, u: UnitRef): NodeRef | string {
  const shapes = shapesOf(spec).levels;
  const s = shapes[u.level - 1];
  if (!Number.isInteger(u.level) || !s) return `There is no level ${u.level} in this ${shapes.length}-level model.`;
  const layer = u.stage === 'pool' && s.pool ? 'x' : 'r';
  const h = layer === 'x' ? s.hout : s.hc;
  const w = layer === 'x' ? s.wout : s.wc;
  const ok = (v: number, n: number) => Number.isInteger(v) && v >= 0 && v < n;
  if (!ok(u.channel, s.c) || !ok(u.y, h) || !ok(u.x, w))
    return `Unit (channel ${u.channel + 1}, y ${u.y}, x ${u.x}) is outside level ${u.level}'s ${s.c}×${h}×${w} ${layer === 'x' ? 'pooled' : 'r'} map.`;
  return { level: u.level, layer, index: (u.channel * h + u.y) * w + u.x };
}

function product(a: Counts | null, b: Counts | null, shift: number, n: number): { logs: Float64Array; count: number; max: number } {
  const logs = new Float64Array(n).fill(-Infinity);
  let count = 0;
  let max = -Infinity;
  if (a && b && Number.isFinite(shift)) {
    const e = a.e + b.e + shift;
    for (let i = 0; i < n; i++) {
      const p = a.v[i] * b.v[i];
      if (p > 0) {
        const v = Math.log10(a.v[i]) + Math.log10(b.v[i]) + e;
        logs[i] = v;
        count++;
        if (v > max) max = v;
      }
    }
  }
  return { logs, count, max };
}

/** log10 of sums over channels (per position) and over positions (per channel) of a C x H x W log map. */
function aggregates(logs: Float64Array, c: number, hw: number, max: number): { channel: Float64Array; position: Float64Array } {
  const channel = new Float64Array(c).fill(-Infinity);
  const position = new Float64Array(hw).fill(-Infinity);
  if (max === -Infinity) return { channel, position };
  // Linear sums relative to the level's largest entry, so nothing overflows.
  const pos = new Float64Array(hw);
  for (let ch = 0; ch < c; ch++) {
    let s = 0;
    for (let p = 0; p < hw; p++) {
      const v = logs[ch * hw + p];
      if (v === -Infinity) continue;
      const lin = Math.pow(10, v - max);
      s += lin;
      pos[p] += lin;
    }
    if (s > 0) channel[ch] = Math.log10(s) + max;
  }
  for (let p = 0; p < hw; p++) if (pos[p] > 0) position[p] = Math.log10(pos[p]) + max;
  return { channel, position };
}

function countOn(a: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i]) n++;
  return n;
}

/**
 * The path DP of one image: the selection-independent passes (paths from the class, paths to
 * the pixels; active and possible) are computed once, each selection adds the passes seeded at
 * the selected node.
 */
export class PathModel {
  readonly spec: ModelSpec;
  readonly shapes: LevelShape[];
  readonly sw: SwitchSet;
  private readonly pixels: number;
  private readonly down: Layers;
  private readonly downPos: Layers;
  private readonly up: Layers;
  private readonly upPos: Layers;

  constructor(spec: ModelSpec, sw: SwitchSet) {
    this.spec = spec;
    this.shapes = shapesOf(spec).levels;
    this.sw = sw;
    this.pixels = spec.input.channels * spec.input.height * spec.input.width;
    sw.a.forEach((a, i) => {
      const s = this.shapes[i];
      if (a.length !== s.c * s.hc * s.wc) throw new Error(`a-switches of level ${i + 1}: ${a.length} entries for a ${s.c}×${s.hc}×${s.wc} map`);
    });
    this.down = downPass(this.shapes, this.pixels, sw, false, null);
    this.downPos = downPass(this.shapes, this.pixels, sw, true, null);
    this.up = upPass(this.shapes, sw, false, 'class');
    this.upPos = upPass(this.shapes, sw, true, 'class');
  }

  /** The paths through a selection; an invalid unit or pixel throws with a message saying why. */
  select(sel: PathSelection): PathView {
    const { shapes, sw, spec } = this;
    const hw = spec.input.height * spec.input.width;
    let node: NodeRef | null = null;
    if (sel.kind === 'unit') {
      const n = unitNode(spec, sel.unit);
      if (typeof n === 'string') throw new Error(n);
      node = n;
    } else if (sel.kind === 'pixel') {
      const ch = sel.channel ?? 0;
      const { channels, height, width } = spec.input;
      const ok = (v: number, n: number) => Number.isInteger(v) && v >= 0 && v < n;
      if (!ok(ch, channels) || !ok(sel.y, height) || !ok(sel.x, width))
        throw new Error(`Pixel (${sel.y}, ${sel.x}) is outside the ${height}×${width} input.`);
      node = { level: 0, layer: 'x', index: (ch * height + sel.y) * width + sel.x };
    }

    // Seeded passes: below the node (paths from it downwards) and above it (paths from each node down to it).
    const below = node && node.level > 0 ? upPass(shapes, sw, false, node) : null;
    const belowPos = node && node.level > 0 ? upPass(shapes, sw, true, node) : null;
    const above = node ? downPass(shapes, this.pixels, sw, false, node) : null;
    const abovePos = node ? downPass(shapes, this.pixels, sw, true, node) : null;
    const pick = (ls: Layers, n: NodeRef) => logAt(n.layer === 'x' ? ls.x[n.level] : ls.r[n.level], n.index);
    // Class-to-node and node-to-pixels counts (the selected unit's own switch is in the latter).
    const U = node ? pick(this.up, node) : 0;
    const Upos = node ? pick(this.upPos, node) : 0;
    const D = node ? pick(this.down, node) : 0;
    const Dpos = node ? pick(this.downPos, node) : 0;

    const sideOf = (level: number, layer: 'r' | 'x'): Side => {
      if (!node) return 'below';
      if (level < node.level) return 'below';
      if (level > node.level) return 'above';
      if (node.layer === layer || !shapes[level - 1]?.pool) return 'at';
      return layer === 'r' ? 'below' : 'above'; // a pooled unit's r(l) lies below it; an r unit's pooled unit above
    };
    const throughOf = (level: number, layer: 'r' | 'x', n: number) => {
      const side = sideOf(level, layer);
      const get = (ls: Layers | null) => (ls ? (layer === 'x' ? ls.x[level] : ls.r[level]) : null);
      if (!node) return product(get(this.up), get(this.down), 0, n);
      if (node.level === 0) return product(get(this.up), get(above), 0, n);
      if (side === 'above') return product(get(this.up), get(above), D, n);
      return product(get(below), get(this.down), U, n); // below, or the node itself (its seed is 1 there)
    };

    const levels: LevelPathView[] = shapes.map((s, i) => {
      const l = i + 1;
      const nr = s.c * s.hc * s.wc;
      const tr = throughOf(l, 'r', nr);
      const tx = s.pool ? throughOf(l, 'x', s.c * s.hout * s.wout) : tr;
      const agg = aggregates(tr.logs, s.c, s.hc * s.wc, tr.max);
      const a = sw.a[i];
      const side = sideOf(l, 'r');
      let activeLog10 = NaN;
      let possibleLog10 = NaN;
      if (side === 'below') {
        const from = node ? below! : this.up;
        const fromPos = node ? belowPos! : this.upPos;
        activeLog10 = logSum(from.r[l], a);
        possibleLog10 = logSum(fromPos.r[l]);
      } else if (side === 'above') {
        activeLog10 = logSum(above!.r[l]);
        possibleLog10 = logSum(abovePos!.r[l]);
      }
      return {
        level: l,
        side,
        throughR: tr.logs,
        throughX: tx.logs,
        channelLog10: agg.channel,
        positionLog10: agg.position,
        maxLog10: tr.max,
        unitsThrough: tr.count,
        unitsOn: countOn(a),
        units: nr,
        activeLog10,
        possibleLog10,
      };
    });

    // The pixels: reached from the class (or from the unit), or the selected pixel alone.
    let px;
    if (!node) px = product(this.up.x[0], ones(this.pixels), 0, this.pixels);
    else if (node.level === 0) px = product(this.up.x[0], above!.x[0], 0, this.pixels);
    else px = product(below!.x[0], ones(this.pixels), U, this.pixels);
    const pxAgg = aggregates(px.logs, spec.input.channels, hw, px.max);
    const pixelSide: Side = node && node.level === 0 ? 'at' : 'below';
    const pixels = {
      side: pixelSide,
      through: px.logs,
      positionLog10: pxAgg.position,
      maxLog10: px.max,
      reached: px.count,
      activeLog10: pixelSide === 'at' ? NaN : logSum(node ? below!.x[0] : this.up.x[0]),
      possibleLog10: pixelSide === 'at' ? NaN : logSum(node ? belowPos!.x[0] : this.upPos.x[0]),
    };

    let totalLog10: number;
    let totalPossibleLog10: number;
    if (!node) {
      totalLog10 = logSum(this.up.x[0]);
      totalPossibleLog10 = logSum(this.upPos.x[0]);
    } else if (node.level === 0) {
      totalLog10 = U;
      totalPossibleLog10 = Upos;
    } else {
      totalLog10 = U + D;
      totalPossibleLog10 = Upos + Dpos;
    }
    return {
      selection: sel, node, levels, pixels, totalLog10, totalPossibleLog10,
      fromClassLog10: node ? U : NaN,
      fromClassPossibleLog10: node ? Upos : NaN,
      toPixelsLog10: node ? D : NaN,
    };
  }
}
