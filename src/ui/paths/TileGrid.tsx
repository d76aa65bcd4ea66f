/**
 * A level's units on one canvas: one tile per channel, one block of `cell` CSS pixels per
 * position, coloured through a ColourScale, with outlined boxes (the selected unit, a receptive
 * field). When `onPick` is given, a unit is chosen by clicking it or from the keyboard: arrow keys
 * move a cursor inside a tile, Page Up / Page Down (or [ and ]) go to the previous / next
 * channel, Enter or Space selects. A status line says where the cursor is. When it shows one of the
 * model's maps (`linked`: tile t is channel t), hovering a unit reports it to every view
 * (`picture.hover`) and what any view's hovered unit is linked to is outlined.
 */
import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent, type MouseEvent, type PointerEvent } from 'react';
import { lutIndex, type ColourScale } from '../scales';
import { useApp } from '../store';
import { hoverCell } from '../overview/LinkOutline';
import { LINK_COLOURS, linkedRegion, type MapRef } from '../overview/links';
import { cellAt, cellOrigin, type Box, type TileLayout } from './geometry';

export interface Cell {
  tile: number;
  y: number;
  x: number;
}

export interface Outline {
  /** The tile to draw in, or every tile. */
  tile: number | 'all';
  box: Box;
  css: string;
  dashed?: boolean;
}

export interface TileGridProps {
  data: ArrayLike<number>;
  tiles: number;
  h: number;
  w: number;
  layout: TileLayout;
  scale: ColourScale;
  label: string;
  outlines?: Outline[];
  onPick?: (c: Cell) => void;
  /** Where the keyboard cursor starts (e.g. the unit with the most paths). */
  start?: Cell | null;
  /** The status line for the cursor's cell. */
  describe?: (c: Cell) => string;
  testId?: string;
  level?: number;
  /** The model's map the grid shows (its tiles are the map's channels; one tile: summed over them), for the linked hover. */
  linked?: MapRef;
}

export function TileGrid({ data, tiles, h, w, layout, scale, label, outlines = [], onPick, start, describe, testId, level, linked }: TileGridProps) {
  const ref = useRef<HTMLCanvasElement>(null);
  const spec = useApp((s) => s.result?.spec);
  const hover = useApp((s) => (linked ? s.picture.hover : null));
  const linkOutlines = useMemo((): Outline[] => {
    if (!linked || !spec || !hover) return [];
    const reg = linkedRegion(spec, hover, linked);
    if (!reg) return [];
    if (reg.kind === 'self' && hover.kind === 'unit' && tiles > 1) return hover.unit.channel < tiles ? [{ tile: hover.unit.channel, box: reg.rect, css: LINK_COLOURS.self }] : [];
    return [{ tile: 'all', box: reg.rect, css: LINK_COLOURS[reg.kind], dashed: reg.kind !== 'self' }];
  }, [linked, spec, hover, tiles]);
  const [cursor, setCursor] = useState<Cell | null>(null);
  const [focused, setFocused] = useState(false);
  const statusId = useId();
  // A new architecture (another shape of grid) starts the cursor afresh.
  useEffect(() => setCursor(null), [tiles, h, w]);
  const cur = cursor && cursor.tile < tiles && cursor.y < h && cursor.x < w ? cursor : (start ?? { tile: 0, y: 0, x: 0 });

  // The cells' colours, computed once per map (a hover only redraws the outlines over them).
  const base = useMemo(() => {
    // (No ImageData where nothing is drawn: a server-side render in tests.)
    if (typeof ImageData === 'undefined') return null;
    const { width, height, cell } = layout;
    // Gaps and unused tile slots stay transparent (the page shows through).
    const img = new ImageData(width, height);
    const px = img.data;
    const tw = w * cell + layout.gap;
    const th = h * cell + layout.gap;
    for (let t = 0; t < tiles; t++) {
      const left0 = (t % layout.cols) * tw;
      const top0 = Math.floor(t / layout.cols) * th;
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const k = 3 * lutIndex(scale, data[(t * h + y) * w + x]);
          const r = scale.lut[k];
          const g = scale.lut[k + 1];
          const b = scale.lut[k + 2];
          for (let dy = 0; dy < cell; dy++) {
            let o = 4 * ((top0 + y * cell + dy) * width + left0 + x * cell);
            for (let dx = 0; dx < cell; dx++, o += 4) {
              px[o] = r;
              px[o + 1] = g;
              px[o + 2] = b;
              px[o + 3] = 255;
            }
          }
        }
    }
    return img;
  }, [data, tiles, h, w, layout, scale]);

  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    const { cell } = layout;
    const img = base;
    if (!img) return;
    ctx.putImageData(img, 0, 0);
    const stroke = (t: number, b: Box, css: string, dashed: boolean) => {
      const o = cellOrigin(layout, h, w, t, b.y0, b.x0);
      ctx.save();
      ctx.strokeStyle = css;
      ctx.lineWidth = cell >= 3 ? 2 : 1.5;
      if (dashed) ctx.setLineDash([3, 2]);
      ctx.strokeRect(o.left - 0.5, o.top - 0.5, (b.x1 - b.x0 + 1) * cell + 1, (b.y1 - b.y0 + 1) * cell + 1);
      ctx.restore();
    };
    for (const ol of [...outlines, ...linkOutlines]) {
      if (ol.tile === 'all') for (let t = 0; t < tiles; t++) stroke(t, ol.box, ol.css, !!ol.dashed);
      else stroke(ol.tile, ol.box, ol.css, !!ol.dashed);
    }
    if (onPick && focused) stroke(cur.tile, { y0: cur.y, y1: cur.y, x0: cur.x, x1: cur.x }, '#0b5cad', true);
  }, [base, tiles, h, w, layout, outlines, linkOutlines, onPick, focused, cur.tile, cur.y, cur.x]);

  const onPointerMove = (e: PointerEvent<HTMLCanvasElement>) => {
    if (!linked) return;
    const rect = e.currentTarget.getBoundingClientRect();
    const c = cellAt(layout, tiles, h, w, ((e.clientX - rect.left) * layout.width) / rect.width, ((e.clientY - rect.top) * layout.height) / rect.height);
    hoverCell(linked, c ? c.tile : 0, c);
  };

  const onClick = (e: MouseEvent<HTMLCanvasElement>) => {
    if (!onPick) return;
    const rect = e.currentTarget.getBoundingClientRect();
    const px = ((e.clientX - rect.left) * layout.width) / rect.width;
    const py = ((e.clientY - rect.top) * layout.height) / rect.height;
    const c = cellAt(layout, tiles, h, w, px, py);
    if (!c) return;
    setCursor(c);
    onPick(c);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLCanvasElement>) => {
    if (!onPick) return;
    const c = { ...cur };
    switch (e.key) {
      case 'ArrowLeft': c.x = Math.max(0, c.x - 1); break;
      case 'ArrowRight': c.x = Math.min(w - 1, c.x + 1); break;
      case 'ArrowUp': c.y = Math.max(0, c.y - 1); break;
      case 'ArrowDown': c.y = Math.min(h - 1, c.y + 1); break;
      case 'PageUp': case '[': c.tile = Math.max(0, c.tile - 1); break;
      case 'PageDown': case ']': c.tile = Math.min(tiles - 1, c.tile + 1); break;
      case 'Home': c.tile = 0; break;
      case 'End': c.tile = tiles - 1; break;
      case 'Enter': case ' ':
        e.preventDefault();
        onPick(cur);
        return;
      default:
        return;
    }
    e.preventDefault();
    setCursor(c);
  };

  const interactive = !!onPick;
  return (
    <div className="tilegrid">
      <canvas
        ref={ref}
        width={layout.width}
        height={layout.height}
        // At most the width it is laid out for; narrower where the page is (a tablet held upright):
        // the height follows the canvas's own aspect ratio, and clicks are mapped through the
        // canvas's on-screen size.
        style={{ width: layout.width, maxWidth: '100%', height: 'auto' }}
        role={interactive ? 'application' : 'img'}
        aria-roledescription={interactive ? 'map of units' : undefined}
        aria-label={interactive ? `${label}. Arrow keys move${tiles > 1 ? ', Page Up and Page Down change channel' : ''}, Enter selects.` : label}
        aria-describedby={interactive ? statusId : undefined}
        tabIndex={interactive ? 0 : undefined}
        onClick={onClick}
        onPointerMove={linked ? onPointerMove : undefined}
        onPointerLeave={linked ? () => hoverCell(linked, 0, null) : undefined}
        onKeyDown={onKeyDown}
        onFocus={() => setFocused(true)}
        onBlur={() => setFocused(false)}
        className={interactive ? 'pickable' : undefined}
        data-testid={testId}
        data-level={level}
        data-cols={layout.cols}
        data-cell={layout.cell}
        data-gap={layout.gap}
        data-tiles={tiles}
        data-start={start ? `${start.tile}:${start.y}:${start.x}` : undefined}
        data-h={h}
        data-w={w}
      />
      {interactive && describe && (
        <p id={statusId} className="tilegrid-status" aria-live="polite">
          {focused ? describe(cur) : '\u00a0'}
        </p>
      )}
    </div>
  );
}
