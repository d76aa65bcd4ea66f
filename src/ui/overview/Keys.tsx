/**
 * The overview from the keyboard: each level's maps are one tab stop (over its bottom-up row).
 * Inside it the arrow keys move a cursor between units, PageUp/PageDown go to the previous or next
 * channel (in the stack's order), Enter opens the unit's arithmetic, E expands or collapses the
 * level. The cursor is the shared hover (`picture.hover`), so every view lights up the same links
 * as for the pointer. Keys it uses are marked handled (preventDefault), so lecture mode's paging
 * leaves them alone.
 */
import { useState, type KeyboardEvent } from 'react';
import { appStore } from '../store';
import type { LevelBox, OverviewLayout } from './layout';

export interface KeyCursor {
  channel: number;
  y: number;
  x: number;
}

/** The cursor after a key, or null when the key is not the cursor's. */
export function moveCursor(c: KeyCursor, key: string, lv: Pick<LevelBox, 'mapH' | 'mapW' | 'order'>): KeyCursor | null {
  const clampY = (v: number) => Math.min(lv.mapH - 1, Math.max(0, v));
  const clampX = (v: number) => Math.min(lv.mapW - 1, Math.max(0, v));
  const k = lv.order.indexOf(c.channel);
  switch (key) {
    case 'ArrowUp':
      return { ...c, y: clampY(c.y - 1) };
    case 'ArrowDown':
      return { ...c, y: clampY(c.y + 1) };
    case 'ArrowLeft':
      return { ...c, x: clampX(c.x - 1) };
    case 'ArrowRight':
      return { ...c, x: clampX(c.x + 1) };
    case 'PageUp':
      return { ...c, channel: lv.order[Math.max(0, k - 1)] ?? c.channel };
    case 'PageDown':
      return { ...c, channel: lv.order[Math.min(lv.order.length - 1, k + 1)] ?? c.channel };
    case 'Home':
      return { ...c, y: 0, x: 0 };
    default:
      return null;
  }
}

export function LevelKeys({ layout, lv, onOpen, onExpand }: { layout: OverviewLayout; lv: LevelBox; onOpen(level: number, c: KeyCursor): void; onExpand(level: number): void }) {
  const [cursor, setCursor] = useState<KeyCursor | null>(null);
  const at = (): KeyCursor => cursor ?? { channel: lv.order[0], y: Math.floor(lv.mapH / 2), x: Math.floor(lv.mapW / 2) };
  const hover = (c: KeyCursor | null) =>
    appStore.getState().setPicture({ hover: c ? { kind: 'unit', unit: { level: lv.level, stage: 'relu', channel: c.channel, y: c.y, x: c.x } } : null });
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const c = at();
    const next = moveCursor(c, e.key, lv);
    if (next) {
      e.preventDefault();
      setCursor(next);
      hover(next);
    } else if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      setCursor(c);
      hover(c);
      onOpen(lv.level, c);
    } else if (e.key === 'e' || e.key === 'E') {
      e.preventDefault();
      onExpand(lv.level);
    }
  };
  const top = layout.topY;
  return (
    <div
      className="ov-keys"
      role="application"
      aria-roledescription="maps of units"
      aria-label={`Level ${lv.level}'s ${lv.channels} maps (${lv.mapH}×${lv.mapW}). Arrow keys move between units, Page Up and Page Down change the channel, Enter opens a unit's arithmetic, E ${lv.expanded ? 'collapses' : 'expands'} the level.`}
      tabIndex={0}
      style={{ left: lv.stackX - 2, top: top - 2, width: lv.stackW + 4, height: layout.rowH + 4 }}
      onKeyDown={onKeyDown}
      onFocus={() => hover(at())}
      onBlur={() => hover(null)}
      data-testid={`ov-keys-${lv.level}`}
    />
  );
}
