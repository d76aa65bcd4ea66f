/**
 * One level of the path view: its counts, a density map (paths through each position, summed
 * over channels) and every unit of r(l) as one cell of a channel tile, coloured by the active
 * paths through it and the selection. Clicking a cell (or Enter on the focused grid) selects it.
 */
import { memo, useMemo } from 'react';
import { fmtLog10 } from '../scales';
import type { UnitRef } from '../store';
import { tileLayout, type Box } from './geometry';
import type { LevelPathView, LevelShape } from '../../engine';
import { pathCountScale } from './pathScale';
import { TileGrid, type Cell, type Outline } from './TileGrid';

export const SELECTED_CSS = '#000000';
export const FIELD_CSS = '#0072B2';

export interface LevelRowProps {
  shape: LevelShape;
  lv: LevelPathView;
  /** The switches of r(l), to say ON/OFF under the cursor. */
  a: ArrayLike<number>;
  /** Who the counts are anchored at, in words ("class 7", "the selected unit", "pixel (3, 4)"). */
  anchor: string;
  /** The selected unit's cell(s) in this level's r map, and the selected unit's reach here. */
  selectedBox: { channel: number; box: Box } | null;
  fieldBox: Box | null;
  /** Whether a click on a pooling level selects the pooled unit over the cell. */
  pooledPick: boolean;
  onPick: (u: UnitRef) => void;
  maxWidth: number;
}

export const LevelRow = memo(function LevelRow({ shape: s, lv, a, anchor, selectedBox, fieldBox, pooledPick, onPick, maxWidth }: LevelRowProps) {
  const l = lv.level;
  const layout = useMemo(() => tileLayout(s.c, s.hc, s.wc, maxWidth, 112), [s.c, s.hc, s.wc, maxWidth]);
  const densityLayout = useMemo(() => tileLayout(1, s.hc, s.wc, 96, 96, 24, 0), [s.hc, s.wc]);
  const scale = useMemo(() => pathCountScale(lv.maxLog10), [lv.maxLog10]);
  const densityMax = useMemo(() => lv.positionLog10.reduce((m, v) => Math.max(m, v), -Infinity), [lv.positionLog10]);
  const densityScale = useMemo(() => pathCountScale(densityMax), [densityMax]);
  // Where the keyboard cursor starts: the unit with the most paths through it.
  const start = useMemo<Cell | null>(() => {
    if (lv.maxLog10 === -Infinity) return null;
    const j = lv.throughR.indexOf(lv.maxLog10);
    const hw = s.hc * s.wc;
    return { tile: Math.floor(j / hw), y: Math.floor((j % hw) / s.wc), x: j % s.wc };
  }, [lv.throughR, lv.maxLog10, s.hc, s.wc]);
  const outlines = useMemo<Outline[]>(() => {
    const out: Outline[] = [];
    if (fieldBox) out.push({ tile: 'all', box: fieldBox, css: FIELD_CSS, dashed: true });
    if (selectedBox) out.push({ tile: selectedBox.channel, box: selectedBox.box, css: SELECTED_CSS });
    return out;
  }, [fieldBox, selectedBox]);
  const densityOutlines = useMemo<Outline[]>(() => {
    const out: Outline[] = [];
    if (fieldBox) out.push({ tile: 0, box: fieldBox, css: FIELD_CSS, dashed: true });
    if (selectedBox) out.push({ tile: 0, box: selectedBox.box, css: SELECTED_CSS });
    return out;
  }, [fieldBox, selectedBox]);

  const pick = (c: Cell) => {
    const pooled = pooledPick && s.pool && Math.floor(c.y / 2) < s.hout && Math.floor(c.x / 2) < s.wout;
    onPick(pooled ? { level: l, stage: 'pool', channel: c.tile, y: Math.floor(c.y / 2), x: Math.floor(c.x / 2) } : { level: l, stage: 'relu', channel: c.tile, y: c.y, x: c.x });
  };
  const describe = (c: Cell) => {
    const j = (c.tile * s.hc + c.y) * s.wc + c.x;
    const n = lv.throughR[j];
    return `Channel ${c.tile + 1}, y ${c.y}, x ${c.x}: ${a[j] ? 'ON' : 'OFF'}, ${n === -Infinity ? 'no' : fmtLog10(n)} active paths through it${anchor.startsWith('class') ? '' : ' and the selection'}.`;
  };

  const counts =
    lv.side === 'at' ? (
      <>This is the selected unit's level.</>
    ) : lv.side === 'below' ? (
      <>
        Paths from {anchor} down to its ON units: <strong>{fmtLog10(lv.activeLog10)}</strong> of {fmtLog10(lv.possibleLog10)} possible.
      </>
    ) : (
      <>
        Paths from its ON units down to {anchor}: <strong>{fmtLog10(lv.activeLog10)}</strong> of {fmtLog10(lv.possibleLog10)} possible.
      </>
    );

  return (
    <section className="path-level" aria-labelledby={`path-level-${l}`} data-testid={`path-level-${l}`} data-level={l} data-side={lv.side} data-units-through={lv.unitsThrough} data-active-log10={String(lv.activeLog10)} data-possible-log10={String(lv.possibleLog10)}>
      <div className="path-info">
        <h3 id={`path-level-${l}`}>
          Level {l}: r({l}) <span className="dim">{s.c}×{s.hc}×{s.wc}{s.pool ? `, pool → ${s.hout}×${s.wout}` : ''}</span>
        </h3>
        <p>
          ON: {lv.unitsOn.toLocaleString('en-US')} of {lv.units.toLocaleString('en-US')} units. On active paths through the selection:{' '}
          <strong data-testid={`units-through-${l}`}>{lv.unitsThrough.toLocaleString('en-US')}</strong>.
        </p>
        <p>{counts}</p>
      </div>
      <TileGrid
        data={lv.positionLog10}
        tiles={1}
        h={s.hc}
        w={s.wc}
        layout={densityLayout}
        scale={densityScale}
        outlines={densityOutlines}
        label={`Level ${l}: active paths through each position, summed over the ${s.c} channels`}
        testId={`path-density-${l}`}
        level={l}
        linked={{ level: l, stage: 'relu' }}
      />
      <TileGrid
        data={lv.throughR}
        tiles={s.c}
        h={s.hc}
        w={s.wc}
        layout={layout}
        scale={scale}
        outlines={outlines}
        label={`Level ${l}: the ${s.c} channels of r(${l}), one cell per unit, coloured by the active paths through it`}
        onPick={pick}
        start={start}
        describe={describe}
        testId={`path-units-${l}`}
        level={l}
        linked={{ level: l, stage: 'relu' }}
      />
    </section>
  );
});
