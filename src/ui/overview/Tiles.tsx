/**
 * The overview's map canvases: one per channel of a level in each row (its bottom-up u/r map
 * above, its top-down signal below, at the same place), and the input and the reconstruction.
 * A canvas is the map's size in pixels; CSS places and scales it with a transform, so expanding a
 * level moves every tile on the compositor (a CSS transition, at most 300 ms, none under
 * prefers-reduced-motion) with no layout work per frame. The painter draws their pixels.
 *
 * A collapsed level mounts only the tiles of its stack; expanding it mounts the rest at the
 * stack's front, hidden, and on the next frame sends every tile to its place in the grid, so the
 * channels spread out from the stack where it is. Collapsing runs the other way, then unmounts.
 */
import { memo, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { LevelBox, TileBox } from './layout';
import type { OverviewPainter } from './painter';

/** The expansion transition's length (also in overview.css). */
export const TRANSITION_MS = 260;

/** One channel's canvas: its box in the layout (y moved down for the top-down row), drawn by the painter. */
interface TileProps extends TileBox {
  painter: OverviewPainter;
  level: number;
  row: 'up' | 'down';
  mapW: number;
  mapH: number;
  label: string;
}

const TileCanvas = memo(function TileCanvas({ painter, level, row, channel, mapW, mapH, x, y, w, h, z, shown, label }: TileProps) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    painter.register({ kind: 'tile', level, row, channel }, ref.current);
    return () => painter.register({ kind: 'tile', level, row, channel }, null);
  }, [painter, level, row, channel]);
  return (
    <canvas
      ref={ref}
      className="ov-tile"
      width={mapW}
      height={mapH}
      style={{ width: mapW, height: mapH, transform: `translate(${x}px, ${y}px) scale(${w / mapW}, ${h / mapH})`, opacity: shown ? 1 : 0, zIndex: z }}
      aria-label={label}
      data-kind={row === 'up' ? 'ov-up' : 'ov-down'}
      data-level={level}
      data-channel={channel + 1}
      data-shown={shown}
    />
  );
});

type Phase = 'stack' | 'entering' | 'grid' | 'leaving';

/** Both rows of one level's tiles. */
export function LevelTiles({ lv, rowShift, painter }: { lv: LevelBox; rowShift: number; painter: OverviewPainter }) {
  const [phase, setPhase] = useState<Phase>(lv.expanded ? 'grid' : 'stack');
  const last = useRef<TileBox[]>(lv.tiles);
  const from = useRef<TileBox[] | null>(null);
  // Derived state: the expansion changed since the last render.
  if (lv.expanded && (phase === 'stack' || phase === 'leaving')) {
    from.current = last.current;
    setPhase('entering');
  } else if (!lv.expanded && (phase === 'grid' || phase === 'entering')) setPhase('leaving');

  useLayoutEffect(() => {
    if (phase !== 'entering') last.current = lv.tiles;
  });
  useEffect(() => {
    if (phase === 'entering') {
      // Two frames: the entering tiles are laid out at the stack first, then move.
      let r2 = 0;
      const r1 = requestAnimationFrame(() => {
        r2 = requestAnimationFrame(() => setPhase('grid'));
      });
      return () => {
        cancelAnimationFrame(r1);
        cancelAnimationFrame(r2);
      };
    }
    if (phase === 'leaving') {
      const t = setTimeout(() => setPhase('stack'), TRANSITION_MS + 60);
      return () => clearTimeout(t);
    }
  }, [phase]);

  let tiles = lv.tiles;
  if (phase === 'entering' && from.current) {
    const prev = from.current;
    const topZ = Math.max(...prev.filter(Boolean).map((q) => q.z));
    const front = prev.find((t) => t && t.shown && t.z === topZ) ?? lv.tiles[0];
    tiles = lv.tiles.map((_, c) => {
      const p = prev[c];
      return p && p.shown ? { ...p, channel: c } : { ...front, channel: c, z: 0, shown: false };
    });
  }
  const mountAll = phase !== 'stack';
  const out = [];
  for (const row of ['up', 'down'] as const) {
    for (const t of tiles) {
      if (!t || (!mountAll && !t.shown)) continue;
      out.push(
        <TileCanvas
          key={`${row}-${t.channel}`}
          {...t}
          y={t.y + (row === 'down' ? rowShift : 0)}
          painter={painter}
          level={lv.level}
          row={row}
          mapW={lv.mapW}
          mapH={lv.mapH}
          label={`Level ${lv.level}, channel ${t.channel + 1}: ${row === 'up' ? 'template-match scores u, r = max(0, u) once the switches are set' : 'the top-down signal (su after the mask)'}`}
        />,
      );
    }
  }
  return <>{out}</>;
}

/** The input (bottom-up row) or the reconstruction (top-down row). */
export function InputTile({ painter, row, x, y, size, mapW, mapH, label }: { painter: OverviewPainter; row: 'up' | 'down'; x: number; y: number; size: number; mapW: number; mapH: number; label: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    painter.register({ kind: 'input', row }, ref.current);
    return () => painter.register({ kind: 'input', row }, null);
  }, [painter, row]);
  return (
    <canvas
      ref={ref}
      className="ov-tile ov-input"
      width={mapW}
      height={mapH}
      style={{ width: mapW, height: mapH, transform: `translate(${x}px, ${y}px) scale(${size / mapW}, ${(size * mapH) / mapW / mapH})` }}
      aria-label={label}
      data-kind={row === 'up' ? 'ov-input' : 'ov-reconstruction'}
    />
  );
}
