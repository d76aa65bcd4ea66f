/**
 * The saliency maps side by side: one column per level (pixels first), one row for the digit
 * mask at each level's resolution, one for the installed model and one for the random model.
 * Each saliency map has its own colour range (white = 0, red = the map's largest |signal|), as
 * levels differ in scale; the caption gives its share on the digit. Hovering a map reports its
 * unit to every view, and the hovered unit's links are outlined (summed over channels, a map's
 * cell stands for every channel at that position).
 */
import { memo, useMemo } from 'react';
import { MapCanvas } from '../MapCanvas';
import { LinkedMap } from '../overview/LinkOutline';
import { divergingScale, imageScale } from '../scales';
import { mapHash, type LevelSaliency, type MaskGrid } from './saliencyMeasure';

const IMAGE = imageScale();

export interface ModelRow {
  id: 'installed' | 'random';
  title: string;
  note: string;
  /** Null while the backtrace runs; a message when it failed. */
  levels: LevelSaliency[] | null;
  error: string | null;
  /** A unit start that is OFF in this model: no active path, nothing to draw. */
  unitOff: boolean;
}

export const levelName = (l: number) => (l === 0 ? 'pixels' : `level ${l}`);
const pct = (v: number) => `${(100 * v).toFixed(0)}%`;
/** The model's map a column shows: the pixels, or level l's units (su(l) lives on r(l)'s grid). */
const mapOf = (l: number) => (l === 0 ? ({ level: 0, stage: 'pixel' } as const) : ({ level: l, stage: 'relu' } as const));

export function SaliencyGrid({ masks, rows, modeName }: { masks: MaskGrid[]; rows: ModelRow[]; modeName: string }) {
  const cols = masks.length;
  return (
    <div className="sal-grid" style={{ gridTemplateColumns: `150px repeat(${cols}, minmax(100px, auto))` }} role="group" aria-label="Saliency maps per level">
      <span />
      {masks.map((_, l) => (
        <span key={l} className="sal-colhead">
          {levelName(l)}
        </span>
      ))}
      <div className="sal-rowhead">
        <strong>Digit mask</strong>
        <span className="dim">at each level’s resolution</span>
      </div>
      {masks.map((m, l) => (
        <MaskCell key={l} mask={m} level={l} />
      ))}
      {rows.map((r) => (
        <Row key={r.id} row={r} cols={cols} modeName={modeName} />
      ))}
    </div>
  );
}

const MaskCell = memo(function MaskCell({ mask, level }: { mask: MaskGrid; level: number }) {
  const area = useMemo(() => mask.cells.reduce((a, v) => a + v, 0) / mask.cells.length, [mask]);
  return (
    <div className="sal-cell" data-testid="sal-mask" data-level={level} data-area={area}>
      <LinkedMap map={mapOf(level)} h={mask.h} w={mask.w}>
        <MapCanvas data={mask.cells} height={mask.h} width={mask.w} scale={IMAGE} label={`Digit mask at ${levelName(level)} (${mask.h}×${mask.w}), ${pct(area)} of the cells`} caption={`area ${pct(area)}`} displayWidth={96} kind="digit-mask" level={level} />
      </LinkedMap>
    </div>
  );
});

function Row({ row, cols, modeName }: { row: ModelRow; cols: number; modeName: string }) {
  return (
    <>
      <div className="sal-rowhead" data-testid={`sal-row-${row.id}`}>
        <strong>{row.title}</strong>
        <span className="dim">{row.note}</span>
      </div>
      {row.unitOff ? (
        <p className="notice sal-span" style={{ gridColumn: `span ${cols}` }} data-testid={`sal-off-${row.id}`}>
          The selected unit is OFF in this model (u ≤ 0): no active path runs through it, so its saliency is zero at every level.
        </p>
      ) : row.error ? (
        <p className="notice error sal-span" style={{ gridColumn: `span ${cols}` }} role="alert">
          The backtrace failed: {row.error}
        </p>
      ) : !row.levels ? (
        <p className="placeholder sal-span" style={{ gridColumn: `span ${cols}` }} role="status">
          Computing…
        </p>
      ) : (
        row.levels.map((lv) => <SaliencyCell key={lv.level} lv={lv} model={row.id} modelTitle={row.title} modeName={modeName} />)
      )}
    </>
  );
}

const SaliencyCell = memo(function SaliencyCell({ lv, model, modelTitle, modeName }: { lv: LevelSaliency; model: string; modelTitle: string; modeName: string }) {
  const scale = useMemo(() => divergingScale(lv.max), [lv.max]);
  const hash = useMemo(() => mapHash(lv.map), [lv.map]);
  const what = lv.level === 0 ? 'sum over input channels of |pixels|' : `sum over channels of |su(${lv.level})|`;
  if (lv.aboveStart)
    return (
      <div className="sal-cell sal-none" data-testid="sal-map" data-model={model} data-level={lv.level} data-fraction="none">
        <span>above the unit: the backtrace starts below</span>
      </div>
    );
  const caption = lv.fraction === null ? 'no saliency (no active path)' : `${pct(lv.fraction)} on the digit`;
  return (
    <div className="sal-cell" data-testid="sal-map" data-model={model} data-level={lv.level} data-fraction={lv.fraction === null ? 'none' : String(lv.fraction)} data-hash={hash}>
      <LinkedMap map={mapOf(lv.level)} h={lv.h} w={lv.w}>
      <MapCanvas
        data={lv.map}
        height={lv.h}
        width={lv.w}
        scale={scale}
        label={`${modelTitle}, ${levelName(lv.level)} (${lv.h}×${lv.w}): ${what}, ${modeName} mode; ${caption}`}
        caption={caption}
        displayWidth={96}
        kind="level-saliency"
        level={lv.level}
      />
      </LinkedMap>
    </div>
  );
});
