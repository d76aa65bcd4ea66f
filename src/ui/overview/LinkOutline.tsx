/**
 * Linked views (issue 14 item 5) for any panel that draws a model's map as a grid of cells: the
 * outline of what the hovered unit (`picture.hover`, set by any view) is linked to on this map —
 * the unit itself, what it depends on below it, what it feeds above it, its receptive field on the
 * input — and the helper that reports a hovered cell. links.ts says what is linked.
 */
import { useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import { appStore, useApp } from '../store';
import { LINK_COLOURS, linkedRegion, type MapRef } from './links';
import './linked.css';

/** Reports the unit or pixel under the pointer to every view (null: the pointer left). */
export function hoverCell(map: MapRef, channel: number, cell: { y: number; x: number } | null): void {
  const set = appStore.getState().setPicture;
  if (!cell) set({ hover: null });
  else if (map.stage === 'pixel' || map.level === 0) set({ hover: { kind: 'pixel', y: cell.y, x: cell.x } });
  else set({ hover: { kind: 'unit', unit: { level: map.level, stage: map.stage, channel, y: cell.y, x: cell.x } } });
}

/**
 * The outline on one channel of a map whose cells are `cellW` x `cellH` CSS pixels, starting
 * `offset` pixels into its positioned container. Nothing when nothing hovered is linked here, or
 * when the hovered unit is on another channel of this very map.
 */
export function LinkOutline({ map, channel, cellW, cellH = cellW, offset = 1, offsetY = offset }: { map: MapRef; channel?: number; cellW: number; cellH?: number; offset?: number; offsetY?: number }) {
  const spec = useApp((s) => s.result?.spec);
  const hover = useApp((s) => s.picture.hover);
  if (!spec || !hover) return null;
  const reg = linkedRegion(spec, hover, map);
  if (!reg) return null;
  if (reg.kind === 'self' && hover.kind === 'unit' && channel !== undefined && hover.unit.channel !== channel) return null;
  const r = reg.rect;
  return (
    <span
      className="link-outline"
      aria-hidden="true"
      data-link={reg.kind}
      data-y0={r.y0}
      data-x0={r.x0}
      data-y1={r.y1}
      data-x1={r.x1}
      style={{ left: offset + r.x0 * cellW, top: offsetY + r.y0 * cellH, width: (r.x1 - r.x0 + 1) * cellW, height: (r.y1 - r.y0 + 1) * cellH, borderColor: LINK_COLOURS[reg.kind] }}
    />
  );
}

/**
 * A map drawn by a canvas (MapCanvas, MarkedMap) taking part in the linked hover: the cell under
 * the pointer is reported, and what the hovered unit is linked to is outlined over the canvas.
 * `channel`: the map's channel (none: a map summed over channels).
 */
export function LinkedMap({ map, channel, h, w, children }: { map: MapRef; channel?: number; h: number; w: number; children: ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  const [geo, setGeo] = useState<{ left: number; top: number; cw: number; ch: number } | null>(null);
  useLayoutEffect(() => {
    const c = ref.current?.querySelector('canvas');
    if (!c || !c.clientWidth) return;
    setGeo({ left: c.offsetLeft + c.clientLeft, top: c.offsetTop + c.clientTop, cw: c.clientWidth / w, ch: c.clientHeight / h });
  }, [h, w]);
  const cellOf = (e: { clientX: number; clientY: number }) => {
    const c = ref.current?.querySelector('canvas');
    if (!c || !c.clientWidth) return null;
    const r = c.getBoundingClientRect();
    const x = Math.floor(((e.clientX - r.left - c.clientLeft) / c.clientWidth) * w);
    const y = Math.floor(((e.clientY - r.top - c.clientTop) / c.clientHeight) * h);
    return x >= 0 && x < w && y >= 0 && y < h ? { y, x } : null;
  };
  return (
    <div ref={ref} className="linked-map" onPointerMove={(e) => hoverCell(map, channel ?? 0, cellOf(e))} onPointerLeave={() => hoverCell(map, 0, null)}>
      {children}
      {geo && <LinkOutline map={map} channel={channel} cellW={geo.cw} cellH={geo.ch} offset={geo.left} offsetY={geo.top} />}
    </div>
  );
}
