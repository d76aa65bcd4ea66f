/**
 * The sampled rendering paths placed on the picture (pure): each path runs along the top-down row
 * from the class column through one unit of every level (on that unit's channel tile when the
 * level is expanded, on the stack's front map otherwise, at the unit's position) to the pixel it
 * paints on the reconstruction.
 */
import type { OverviewLayout } from './layout';
import type { SampledPath } from './pathSample';

export interface PathPoint {
  x: number;
  y: number;
  /** A unit or pixel the path passes through (drawn as a dot), rather than an end point of the curve. */
  dot: boolean;
}

export function pathPoints(layout: OverviewLayout, inputH: number, inputW: number, path: SampledPath, classY: number): PathPoint[] {
  const shift = layout.rowShift;
  const pts: PathPoint[] = [{ x: layout.classes.x + 4, y: classY, dot: false }];
  for (const u of path.units) {
    const lv = layout.levels[u.level - 1];
    if (!lv) continue;
    const t = lv.expanded ? lv.tiles[u.channel] : lv.tiles[lv.order[0]];
    if (!t) continue;
    pts.push({ x: t.x + ((u.x + 0.5) / lv.mapW) * t.w, y: t.y + shift + ((u.y + 0.5) / lv.mapH) * t.h, dot: true });
  }
  const inp = layout.input;
  pts.push({ x: inp.x + ((path.pixel.x + 0.5) / inputW) * inp.size, y: inp.y + shift + ((path.pixel.y + 0.5) / inputH) * inp.size, dot: true });
  return pts;
}
