/**
 * One channel of a step's map (drawn by MapCanvas) whose units can be probed: hovering a unit or
 * moving a keyboard cursor over it reports it (the stepper shows its numbers), a click or Enter
 * selects it. The map is one tab stop; inside it the arrow keys move between units (so they do not
 * step the DP there), Escape hands the keys back to the stepper. The hovered unit is also every
 * view's (`picture.hover`), and what any view's hovered unit is linked to is outlined here.
 */
import { memo, useState, type KeyboardEvent } from 'react';
import { MapCanvas } from '../MapCanvas';
import { upscale } from '../scales';
import { hoverCell, LinkOutline } from '../overview/LinkOutline';
import type { StepMap } from './stepMaps';

export interface Cell {
  y: number;
  x: number;
}

export interface UnitMapProps {
  map: StepMap;
  channel: number;
  displayWidth: number;
  /** The probed unit when it is on this channel of this map. */
  probe: Cell | null;
  /** The selected unit when it is on this channel of this map. */
  selected: Cell | null;
  onHover(map: StepMap, channel: number, cell: Cell | null): void;
  onFocusCell(map: StepMap, channel: number, cell: Cell | null): void;
  onSelect(map: StepMap, channel: number, cell: Cell): void;
  /** A word about this channel (e.g. all OFF) for its caption. */
  note?: string | null;
}

export const UnitMap = memo(function UnitMap({ map, channel, displayWidth, probe, selected, onHover, onFocusCell, onSelect, note }: UnitMapProps) {
  const k = upscale(map.w, displayWidth);
  const [cursor, setCursor] = useState<Cell | null>(null);

  const cellAt = (e: { currentTarget: HTMLDivElement; clientX: number; clientY: number }): Cell | null => {
    const canvas = e.currentTarget.querySelector('canvas');
    if (!canvas || canvas.clientWidth === 0) return null;
    const rect = canvas.getBoundingClientRect();
    const x = Math.floor(((e.clientX - rect.left - canvas.clientLeft) / canvas.clientWidth) * map.w);
    const y = Math.floor(((e.clientY - rect.top - canvas.clientTop) / canvas.clientHeight) * map.h);
    return x >= 0 && x < map.w && y >= 0 && y < map.h ? { y, x } : null;
  };

  // The maps of units (and the input) take part in the linked hover; the top-level evidence map does not.
  const linkable = map.stage === 'relu' || map.stage === 'pool' || map.stage === 'pixel';
  const mapRef = { level: map.level, stage: map.stage === 'top' ? 'relu' : map.stage } as const;
  const move = (cell: Cell) => {
    setCursor(cell);
    onFocusCell(map, channel, cell);
    if (linkable) hoverCell(mapRef, channel, cell);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const at = cursor ?? selected ?? { y: 0, x: 0 };
    const delta: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    const d = delta[e.key];
    if (d && !e.altKey && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      e.stopPropagation();
      move({ y: Math.min(map.h - 1, Math.max(0, at.y + d[0])), x: Math.min(map.w - 1, Math.max(0, at.x + d[1])) });
    } else if (e.key === 'Enter') {
      e.preventDefault();
      e.stopPropagation();
      move(at);
      onSelect(map, channel, at);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      e.currentTarget.closest<HTMLElement>('[data-stepper-keys]')?.focus();
    }
  };

  const box = (cell: Cell | null, className: string) =>
    cell ? <span className={className} aria-hidden="true" style={{ left: 1 + cell.x * k, top: 1 + cell.y * k, width: k, height: k }} /> : null;

  const name = `${map.title.split(':')[0]}, channel ${channel + 1}`;
  return (
    <div
      className="unit-map"
      role="application"
      aria-roledescription="map of units"
      aria-label={`${name} (${map.h}×${map.w}${note ? `, ${note}` : ''}). Arrow keys move between units, Enter selects one, Escape leaves the map.`}
      tabIndex={0}
      data-map={map.id}
      data-level={map.level}
      data-channel={channel + 1}
      onPointerMove={(e) => {
        const cell = cellAt(e);
        if (cell && (probe?.y !== cell.y || probe?.x !== cell.x)) onHover(map, channel, cell);
        if (cell && linkable) hoverCell(mapRef, channel, cell);
      }}
      onPointerLeave={() => {
        onHover(map, channel, null);
        if (linkable) hoverCell(mapRef, channel, null);
      }}
      onClick={(e) => {
        const cell = cellAt(e);
        if (cell) {
          setCursor(cell);
          onSelect(map, channel, cell);
        }
      }}
      onFocus={() => onFocusCell(map, channel, cursor ?? selected ?? { y: 0, x: 0 })}
      onBlur={() => {
        onFocusCell(map, channel, null);
        if (linkable) hoverCell(mapRef, channel, null);
      }}
      onKeyDown={onKeyDown}
    >
      <MapCanvas
        data={map.data}
        offset={channel * map.h * map.w}
        height={map.h}
        width={map.w}
        scale={map.scale}
        label={`${name}${note ? `: ${note}` : ''}`}
        caption={map.channels > 1 ? `ch ${channel + 1}${note ? ` · ${note}` : ''}` : (note ?? '')}
        displayWidth={displayWidth}
        kind={`step-${map.id}`}
        level={map.level}
        channel={channel + 1}
      />
      {linkable && <LinkOutline map={mapRef} channel={channel} cellW={k} />}
      {box(selected, 'unit-selected')}
      {box(probe, 'unit-probe')}
    </div>
  );
});
