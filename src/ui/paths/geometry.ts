/**
 * Geometry of the path view, pure: a unit's receptive field on the input, and how a level's
 * channels are laid out as a grid of tiles (one tile per channel, one cell per position).
 */
import { shapesOf, type ModelSpec } from '../../engine';
import type { UnitRef } from '../store';

/** An inclusive box of rows and columns. */
export interface Box {
  y0: number;
  y1: number;
  x0: number;
  x1: number;
}

/**
 * The cells of r(level) (or the pixels, level 0) that a unit's templates can reach: from r(l)
 * the template window (k x k, shifted by the padding, clipped to the map below: padding is no
 * unit), from a pooled x(l) its 2x2 window, down to the level asked for. Every path from the
 * unit, active or not, ends inside this box.
 */
export function fieldAt(spec: ModelSpec, u: UnitRef, level: number): Box {
  const shapes = shapesOf(spec).levels;
  if (!shapes[u.level - 1]) throw new Error(`There is no level ${u.level}.`);
  if (!(level >= 0 && level < u.level)) throw new Error(`Level ${level} is not below the unit's level ${u.level}.`);
  let box: Box = { y0: u.y, y1: u.y, x0: u.x, x1: u.x };
  for (let l = u.level; l > level; l--) {
    const s = shapes[l - 1];
    // From x(l) to r(l): a pooled unit covers its 2x2 window (not at the unit's own stage 'relu').
    if (s.pool && !(l === u.level && u.stage === 'relu')) box = { y0: 2 * box.y0, y1: 2 * box.y1 + 1, x0: 2 * box.x0, x1: 2 * box.x1 + 1 };
    // From r(l) to x(l-1): the template window, clipped.
    box = {
      y0: Math.max(0, box.y0 - s.pad),
      y1: Math.min(s.hin - 1, box.y1 - s.pad + s.k - 1),
      x0: Math.max(0, box.x0 - s.pad),
      x1: Math.min(s.win - 1, box.x1 - s.pad + s.k - 1),
    };
    // From x(l-1) to r(l-1) when that level pools (the box at the level asked for is on its r map).
    const below = shapes[l - 2];
    if (l - 1 === level && below?.pool) box = { y0: 2 * box.y0, y1: 2 * box.y1 + 1, x0: 2 * box.x0, x1: 2 * box.x1 + 1 };
  }
  return box;
}

/** The pixels a unit's templates can reach: its receptive field on the input. */
export function receptiveField(spec: ModelSpec, u: UnitRef): Box {
  return fieldAt(spec, u, 0);
}

export interface TileLayout {
  /** Tiles per row and rows of tiles. */
  cols: number;
  rows: number;
  /** CSS pixels per map cell, and between tiles. */
  cell: number;
  gap: number;
  /** The whole grid's size in CSS pixels. */
  width: number;
  height: number;
}

/**
 * The largest cell size (1..maxCell) at which `tiles` maps of h x w fit in maxWidth x maxHeight,
 * with as few rows as that allows; at cell 1 the grid may run taller than maxHeight.
 */
export function tileLayout(tiles: number, h: number, w: number, maxWidth: number, maxHeight: number, maxCell = 6, gap = 2): TileLayout {
  const make = (cell: number, cols: number): TileLayout => {
    const rows = Math.ceil(tiles / cols);
    return { cols, rows, cell, gap, width: cols * (w * cell + gap) - gap, height: rows * (h * cell + gap) - gap };
  };
  for (let cell = maxCell; cell >= 1; cell--) {
    const cols = Math.max(1, Math.min(tiles, Math.floor((maxWidth + gap) / (w * cell + gap))));
    const lay = make(cell, cols);
    if (lay.width <= maxWidth && lay.height <= maxHeight) return lay;
  }
  return make(1, Math.max(1, Math.min(tiles, Math.floor((maxWidth + gap) / (w + gap)))));
}

/** The tile and cell under a point of the grid (CSS pixels from its top left), or null in a gap or outside. */
export function cellAt(lay: TileLayout, tiles: number, h: number, w: number, px: number, py: number): { tile: number; y: number; x: number } | null {
  const tw = w * lay.cell + lay.gap;
  const th = h * lay.cell + lay.gap;
  if (px < 0 || py < 0) return null;
  const col = Math.floor(px / tw);
  const row = Math.floor(py / th);
  if (col >= lay.cols || row >= lay.rows) return null;
  const x = Math.floor((px - col * tw) / lay.cell);
  const y = Math.floor((py - row * th) / lay.cell);
  const tile = row * lay.cols + col;
  if (x >= w || y >= h || tile >= tiles) return null;
  return { tile, y, x };
}

/** The top-left corner (CSS pixels) of a cell of the grid. */
export function cellOrigin(lay: TileLayout, h: number, w: number, tile: number, y: number, x: number): { left: number; top: number } {
  const col = tile % lay.cols;
  const row = Math.floor(tile / lay.cols);
  return { left: col * (w * lay.cell + lay.gap) + x * lay.cell, top: row * (h * lay.cell + lay.gap) + y * lay.cell };
}
