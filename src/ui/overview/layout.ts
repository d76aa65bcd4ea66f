/**
 * Where everything of the overview's picture goes, from the container's size, the architecture and
 * which level is expanded (pure: React renders it, the canvases draw into it, the pointer is
 * hit-tested against it). Coordinates are CSS pixels from the picture's top-left corner.
 *
 * Columns, left to right: the input (the image I in the bottom-up row, the reconstruction Î under
 * it in the top-down row), one column per level (a stack of its channel maps at r(l)'s resolution,
 * then its gates: the a-switches and, when it pools, the t-switches), the classes. Between columns
 * run the links (the flows). Rows: the level buttons, the bottom-up row, a band for the gates'
 * numbers, the top-down row; a level's tiles sit at the same place in both rows.
 *
 * A collapsed level shows a stack: its front channel and up to three behind it, offset up and to
 * the right; the others wait at the front's place, hidden. An expanded level lays every channel
 * out as a grid that fills about half the width, and the other levels shrink to make room. Maps
 * shrink with their resolution (sqrt of the ratio to level 1's, at least 45%), so the stacks read
 * as the funnel the network is.
 */
import { shapesOf, type ModelSpec } from '../../engine';

export const STACK_BEHIND = 3;
const STACK_OFFSET = 4;
const GATE_W = 16;
const GATE_GAP = 4;
const LINK_MIN = 26;
const GRID_GAP = 3;
const MARGIN = 4;

export interface TileBox {
  channel: number;
  /** Top-left corner, relative to the picture (the bottom-up row; add `rowShift` for the top-down row). */
  x: number;
  y: number;
  /** Display width and height of the map. */
  w: number;
  h: number;
  /** Stacking order (higher in front). */
  z: number;
  /** Shown (a stacked channel behind the first four is hidden at the front's place). */
  shown: boolean;
}

export type GateKind = 'a' | 't';

export interface LevelBox {
  level: number;
  expanded: boolean;
  /** The column (stack and gates) and its stack part. */
  x: number;
  w: number;
  stackX: number;
  stackW: number;
  /** r(l)'s map size. */
  mapH: number;
  mapW: number;
  channels: number;
  /** One per channel, indexed by channel. */
  tiles: TileBox[];
  /** Channels in stacking order, front first (collapsed levels). */
  order: number[];
  gates: { kind: GateKind; x: number; w: number }[];
  /** The expanded grid's columns and rows (null when collapsed). */
  grid: { cols: number; rows: number } | null;
}

export interface OverviewLayout {
  width: number;
  height: number;
  /** The level buttons' strip, the two rows and the band between them. */
  labelH: number;
  rowH: number;
  midH: number;
  /** y of the bottom-up row's top, of the band, of the top-down row's top. */
  topY: number;
  midY: number;
  bottomY: number;
  /** Add to a tile's y to place it in the top-down row. */
  rowShift: number;
  input: { x: number; size: number; y: number };
  classes: { x: number; w: number };
  levels: LevelBox[];
  /** The flows' horizontal extents: from the right edge of column `from` to the left edge of column `to` (0: input, L + 1: classes). */
  links: { from: number; to: number; x0: number; x1: number }[];
}

export interface LayoutOptions {
  width: number;
  height: number;
  spec: ModelSpec;
  /** 1-based level expanded in place, or null. */
  expanded: number | null;
  /** Per level, its channels front first (missing: channel order). */
  order?: number[][];
}

/** The grid of `n` tiles of aspect h/w that fits a w x h box with the largest tiles. */
export function bestGrid(n: number, boxW: number, boxH: number, aspect: number, gap = GRID_GAP): { cols: number; rows: number; tile: number } {
  let best = { cols: 1, rows: n, tile: 0 };
  for (let cols = 1; cols <= n; cols++) {
    const rows = Math.ceil(n / cols);
    const tile = Math.min((boxW - (cols - 1) * gap) / cols, (boxH - (rows - 1) * gap) / rows / aspect);
    if (tile > best.tile) best = { cols, rows, tile };
  }
  return { ...best, tile: Math.max(1, Math.floor(best.tile)) };
}

function stackTiles(order: number[], channels: number, x: number, rowH: number, d: number, aspect: number): TileBox[] {
  const h = d * aspect;
  const depth = Math.min(STACK_BEHIND, channels - 1);
  const y0 = Math.max(0, (rowH - h - depth * STACK_OFFSET) / 2);
  const tiles: TileBox[] = new Array(channels);
  order.forEach((ch, k) => {
    const back = Math.min(k, depth);
    const shown = k <= depth;
    tiles[ch] = { channel: ch, x: x + back * STACK_OFFSET, y: y0 + (depth - back) * STACK_OFFSET, w: d, h, z: shown ? channels - k : 0, shown };
  });
  return tiles;
}

export function overviewLayout(opts: LayoutOptions): OverviewLayout {
  const { width, height, spec } = opts;
  const shapes = shapesOf(spec).levels;
  const L = shapes.length;
  const expanded = opts.expanded !== null && opts.expanded >= 1 && opts.expanded <= L ? opts.expanded : null;
  const labelH = 18;
  const inner = Math.max(60, height - labelH);
  const midH = Math.round(Math.min(44, Math.max(28, 0.14 * inner)));
  // (4 px kept under the lower row, so its maps' edges do not touch the timeline.)
  const rowH = Math.max(20, Math.floor((inner - midH - 4) / 2));
  const topY = labelH;
  const midY = topY + rowH;
  const bottomY = midY + midH;

  const inSize = Math.max(20, Math.floor(Math.min(rowH, 0.12 * width)));
  const clsW = Math.round(Math.min(130, Math.max(84, 0.12 * width)));
  const gatesW = shapes.map((s) => (s.pool ? 2 : 1) * (GATE_W + GATE_GAP));
  const fixed = 2 * MARGIN + inSize + clsW + gatesW.reduce((a, b) => a + b, 0) + (L + 1) * LINK_MIN;
  const avail = Math.max(40, width - fixed);

  // Relative map sizes: sqrt of the resolution ratio, at least 45% of level 1's.
  const res0 = Math.max(1, shapes[0].wc);
  const f = shapes.map((s) => Math.max(0.45, Math.sqrt(s.wc / res0)));
  const aspect = shapes.map((s) => s.hc / s.wc);
  const depth = shapes.map((s) => Math.min(STACK_BEHIND, s.c - 1) * STACK_OFFSET);

  // The expanded level takes about 55% of the stacks' room (more when it is alone).
  let gridW = 0;
  let grid: ReturnType<typeof bestGrid> | null = null;
  if (expanded) {
    const e = expanded - 1;
    const share = L === 1 ? 1 : 0.55;
    grid = bestGrid(shapes[e].c, avail * share, rowH, aspect[e]);
    gridW = grid.cols * grid.tile + (grid.cols - 1) * GRID_GAP;
  }
  const stackRoom = avail - gridW;
  const fSum = shapes.reduce((a, _, i) => (i + 1 === expanded ? a : a + f[i]), 0);
  const depthSum = shapes.reduce((a, _, i) => (i + 1 === expanded ? a : a + depth[i]), 0);
  // dmax: level 1's stack size; each stack must fit its row (with its depth) and all must fit the room.
  let dmax = fSum > 0 ? (stackRoom - depthSum) / fSum : 0;
  shapes.forEach((_, i) => {
    if (i + 1 !== expanded) dmax = Math.min(dmax, (rowH - depth[i]) / (f[i] * aspect[i]));
  });
  dmax = Math.max(8, dmax);
  const d = f.map((fi) => Math.max(6, Math.floor(dmax * fi)));
  const stackW = shapes.map((_, i) => (i + 1 === expanded ? gridW : d[i] + depth[i]));
  const used = stackW.reduce((a, b) => a + b, 0);
  const link = LINK_MIN + Math.max(0, avail - used) / (L + 1);

  const levels: LevelBox[] = [];
  let x = MARGIN + inSize;
  const links: OverviewLayout['links'] = [];
  shapes.forEach((s, i) => {
    const l = i + 1;
    links.push({ from: l - 1, to: l, x0: x, x1: x + link });
    x += link;
    const stackX = x;
    const order = opts.order?.[i]?.length === s.c ? opts.order[i] : Array.from({ length: s.c }, (_, c) => c);
    let tiles: TileBox[];
    if (l === expanded && grid) {
      const g = grid;
      const th = g.tile * aspect[i];
      const gh = g.rows * th + (g.rows - 1) * GRID_GAP;
      const y0 = Math.max(0, (rowH - gh) / 2);
      tiles = Array.from({ length: s.c }, (_, c) => ({
        channel: c,
        x: stackX + (c % g.cols) * (g.tile + GRID_GAP),
        y: y0 + Math.floor(c / g.cols) * (th + GRID_GAP),
        w: g.tile,
        h: th,
        z: 1,
        shown: true,
      }));
    } else tiles = stackTiles(order, s.c, stackX, rowH, d[i], aspect[i]);
    for (const t of tiles) t.y += topY;
    x += stackW[i];
    const gates: LevelBox['gates'] = [{ kind: 'a', x: x + GATE_GAP, w: GATE_W }];
    if (s.pool) gates.push({ kind: 't', x: x + GATE_GAP + GATE_W + GATE_GAP, w: GATE_W });
    x += gatesW[i];
    levels.push({
      level: l, expanded: l === expanded, x: stackX, w: stackW[i] + gatesW[i], stackX, stackW: stackW[i], mapH: s.hc, mapW: s.wc, channels: s.c,
      tiles, order, gates, grid: l === expanded && grid ? { cols: grid.cols, rows: grid.rows } : null,
    });
  });
  links.push({ from: L, to: L + 1, x0: x, x1: x + link });
  x += link;
  return {
    width, height, labelH, rowH, midH, topY, midY, bottomY, rowShift: bottomY - topY,
    input: { x: MARGIN, size: inSize, y: topY + Math.max(0, (rowH - inSize) / 2) },
    classes: { x, w: Math.max(40, width - MARGIN - x) },
    levels, links,
  };
}

/** What the pointer is over in the picture. */
export type PictureHit =
  | { kind: 'unit'; row: 'up' | 'down'; level: number; channel: number; y: number; x: number }
  | { kind: 'pixel'; row: 'up' | 'down'; y: number; x: number }
  | { kind: 'stack'; row: 'up' | 'down'; level: number };

/** The unit, pixel or stack under point (px, py); null over nothing. Stacked tiles answer front first. */
export function hitTest(layout: OverviewLayout, spec: ModelSpec, px: number, py: number): PictureHit | null {
  const rows: ['up' | 'down', number][] = [['up', 0], ['down', layout.rowShift]];
  for (const [row, shift] of rows) {
    const inp = layout.input;
    const iy = inp.y + shift;
    if (px >= inp.x && px < inp.x + inp.size && py >= iy && py < iy + inp.size) {
      const { height, width } = spec.input;
      return { kind: 'pixel', row, y: Math.min(height - 1, Math.floor(((py - iy) / inp.size) * height)), x: Math.min(width - 1, Math.floor(((px - inp.x) / inp.size) * width)) };
    }
    for (const lv of layout.levels) {
      if (px < lv.stackX || px >= lv.stackX + lv.stackW) continue;
      const inRow = py >= layout.topY + shift && py < layout.topY + shift + layout.rowH;
      if (!inRow) continue;
      const cands = lv.tiles.filter((t) => t.shown && px >= t.x && px < t.x + t.w && py >= t.y + shift && py < t.y + shift + t.h).sort((a, b) => b.z - a.z);
      const t = cands[0];
      if (!t) return { kind: 'stack', row, level: lv.level };
      // A collapsed stack answers with its front map only: the ones behind show their edges.
      if (!lv.expanded && t.channel !== lv.order[0]) return { kind: 'stack', row, level: lv.level };
      const y = Math.min(lv.mapH - 1, Math.floor(((py - t.y - shift) / t.h) * lv.mapH));
      const x = Math.min(lv.mapW - 1, Math.floor(((px - t.x) / t.w) * lv.mapW));
      return { kind: 'unit', row, level: lv.level, channel: t.channel, y, x };
    }
  }
  return null;
}

/** The screen rectangle of cells (y0..y1, x0..x1) of a tile (inclusive cells), in picture coordinates. */
export function cellRect(t: TileBox, mapH: number, mapW: number, shift: number, r: { y0: number; x0: number; y1: number; x1: number }): { x: number; y: number; w: number; h: number } {
  const cw = t.w / mapW;
  const ch = t.h / mapH;
  return { x: t.x + r.x0 * cw, y: t.y + shift + r.y0 * ch, w: (r.x1 - r.x0 + 1) * cw, h: (r.y1 - r.y0 + 1) * ch };
}
