/**
 * Active rendering paths: the network drawn from the class nodes (top) through every level's
 * units (each channel a tile, each position a cell) down to the pixels. A selection (a class, a
 * unit, or a pixel) lights up the active paths through it: a cell's colour is the number of
 * active class-to-pixel paths through both the cell and the selection, with the counts of active
 * vs possible paths per level. Every unit is drawn as one cell, and what is not on an active path
 * stays grey, so the view costs one canvas per level whatever the model's size. The counts come
 * from the engine's CPU path DP (src/engine/paths/) on the switches of the current result, with no
 * GPU call.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { shapesOf } from '../../engine';
import { TermLink } from '../about/TermLink';
import { inputName } from '../DigitView';
import { WaitingForResult } from '../panels/OverviewPanel';
import { fmtLog10 } from '../scales';
import { inferenceKey, useApp, type UnitRef, type ViewResult } from '../store';
import { ClassRow } from './ClassRow';
import { fieldAt, receptiveField, type Box } from './geometry';
import { LevelRow } from './LevelRow';
import { PathCountChart, type CountRow } from './PathCountChart';
import { PathModel, switchesOf, unitNode, type PathSelection } from '../../engine';
import { PATH_NONE_CSS, pathCountScale } from './pathScale';
import { PixelRow } from './PixelRow';
import './paths.css';

export function PathsPanel() {
  const view = useApp((s) => s.result);
  const current = useApp((s) => s.result !== null && s.result.key === inferenceKey(s));
  if (!view) return <WaitingForResult />;
  return <PathsView view={view} current={current} />;
}

/** "level 2, r(2) channel 3 at (y 4, x 5)" */
export function unitName(u: UnitRef, pooled: boolean): string {
  return `level ${u.level}, ${pooled ? `pooled x(${u.level})` : `r(${u.level})`} channel ${u.channel + 1} at (y ${u.y}, x ${u.x})`;
}

const LEGEND = pathCountScale(1).css;

/** Why no active path runs through a unit: its own switch, or nothing above it renders it. */
function noPathReason(pooled: boolean, toPixelsLog10: number): string {
  if (toPixelsLog10 === -Infinity)
    return pooled ? 'Every unit of its pooling window is OFF, so no active path runs through it.' : 'This unit is OFF, so no active path runs through it (an OFF unit has no saliency either).';
  return 'This unit is ON, but no active path from the class reaches it: every unit above that could render it is OFF or chose another position of its pooling window (t-switch).';
}

function PathsView({ view, current }: { view: ViewResult; current: boolean }) {
  const unit = useApp((s) => s.unit);
  const setUnit = useApp((s) => s.setUnit);
  const setStart = useApp((s) => s.setStart);
  const [pixel, setPixel] = useState<{ y: number; x: number } | null>(null);
  const [pooledPick, setPooledPick] = useState(false);
  const rootRef = useRef<HTMLDivElement>(null);
  const shapes = useMemo(() => shapesOf(view.spec).levels, [view.spec]);
  const { height, width } = view.spec.input;
  const pred = view.result.forward.pred[0];

  const built = useMemo(() => {
    const t0 = performance.now();
    const model = new PathModel(view.spec, switchesOf(view.spec, view.result.forward));
    return { model, ms: performance.now() - t0 };
  }, [view.spec, view.result.forward]);

  // The selection: a unit (the store's, shared with the other panels), else a pixel, else the class.
  const unitProblem = unit ? (() => {
    const n = unitNode(view.spec, unit);
    return typeof n === 'string' ? n : null;
  })() : null;
  const pixelOk = pixel && pixel.y < height && pixel.x < width ? pixel : null;
  const sel: PathSelection = unit && !unitProblem ? { kind: 'unit', unit } : pixelOk ? { kind: 'pixel', y: pixelOk.y, x: pixelOk.x } : { kind: 'class' };
  const selKey = JSON.stringify(sel);
  const selected = useMemo(() => {
    const t0 = performance.now();
    const pv = built.model.select(sel);
    return { pv, t0, ms: performance.now() - t0 };
    // selKey stands for sel (a new object every render).
  }, [built, selKey]);
  const pv = selected.pv;
  // Time from the selection to every canvas drawn (children's effects run before this one).
  useEffect(() => {
    const el = rootRef.current;
    if (el) el.dataset.redrawMs = (performance.now() - selected.t0).toFixed(1);
  }, [selected]);

  const selUnit = sel.kind === 'unit' ? sel.unit : null;
  const unitPooled = !!selUnit && selUnit.stage === 'pool' && !!shapes[selUnit.level - 1]?.pool;
  const anchor = sel.kind === 'class' ? `class ${view.startClass}` : sel.kind === 'unit' ? 'the selected unit' : `pixel (y ${sel.y}, x ${sel.x})`;
  const selectionText =
    sel.kind === 'class'
      ? `class ${view.startClass}${view.startClass === pred ? ' (the predicted class)' : ` (a counterfactual: the prediction is ${pred})`}`
      : sel.kind === 'unit'
        ? `the unit at ${unitName(sel.unit, unitPooled)}`
        : `pixel (y ${sel.y}, x ${sel.x})`;

  const field: Box | null = selUnit ? receptiveField(view.spec, selUnit) : null;
  const boxesAt = (l: number): { selectedBox: { channel: number; box: Box } | null; fieldBox: Box | null } => {
    if (!selUnit) return { selectedBox: null, fieldBox: null };
    if (selUnit.level === l) {
      const box = unitPooled
        ? { y0: 2 * selUnit.y, y1: 2 * selUnit.y + 1, x0: 2 * selUnit.x, x1: 2 * selUnit.x + 1 }
        : { y0: selUnit.y, y1: selUnit.y, x0: selUnit.x, x1: selUnit.x };
      return { selectedBox: { channel: selUnit.channel, box }, fieldBox: null };
    }
    if (selUnit.level > l) return { selectedBox: null, fieldBox: fieldAt(view.spec, selUnit, l) };
    return { selectedBox: null, fieldBox: null };
  };

  const pickUnit = (u: UnitRef) => {
    setPixel(null);
    setUnit(u);
  };
  const pickPixel = (p: { y: number; x: number }) => {
    setUnit(null);
    setPixel(p);
  };
  const pickClass = (c: number) => {
    setUnit(null);
    setPixel(null);
    setStart(c === pred ? 'predicted' : c);
  };

  const rows: CountRow[] = [
    { name: `class ${view.startClass}`, active: sel.kind === 'class' ? NaN : pv.fromClassLog10, possible: sel.kind === 'class' ? NaN : pv.fromClassPossibleLog10 },
    ...[...pv.levels].reverse().map((lv) => ({ name: `level ${lv.level}`, active: lv.activeLog10, possible: lv.possibleLog10 })),
    { name: 'pixels', active: pv.pixels.activeLog10, possible: pv.pixels.possibleLog10 },
  ];

  return (
    <div
      ref={rootRef}
      className={current ? 'paths-view' : 'paths-view stale'}
      aria-busy={!current}
      data-testid="paths-panel"
      data-current={current}
      data-selection={sel.kind === 'class' ? `class:${view.startClass}` : sel.kind === 'unit' ? `unit:${sel.unit.level}:${unitPooled ? 'pool' : 'relu'}:${sel.unit.channel}:${sel.unit.y}:${sel.unit.x}` : `pixel:${sel.y}:${sel.x}`}
      data-total-log10={String(pv.totalLog10)}
      data-model-ms={built.ms.toFixed(1)}
      data-select-ms={selected.ms.toFixed(1)}
      data-levels={shapes.length}
    >
      <div className="paths-head">
        <div className="paths-text">
          <h2 className="panel-heading">Active rendering paths: {inputName(view)}</h2>
          <p>
            A <TermLink term="rendering-path">rendering path</TermLink> runs from a class through one unit of every level down to one pixel. It is{' '}
            <em>active</em> when every <TermLink term="relu">a-switch</TermLink> on it is ON and it goes through the position each{' '}
            <TermLink term="max-pool">t-switch</TermLink> chose; the <TermLink term="backtrace">backtrace</TermLink> renders along exactly these paths. Each level's
            channels are tiles, one cell per unit; a cell's colour counts the active paths through it and the selection (log scale, per level), grey cells
            have none.
          </p>
          <p className="paths-selection" data-testid="paths-selected">
            Selected: <strong>{selectionText}</strong>.{' '}
            {sel.kind !== 'class' && (
              <button type="button" className="link" onClick={() => pickClass(view.startClass)}>
                Back to the class
              </button>
            )}
          </p>
          <p data-testid="paths-total" data-total-log10={String(pv.totalLog10)}>
            Active paths from class {view.startClass} through {sel.kind === 'class' ? 'it' : 'the selection'} to the pixels: <strong>{fmtLog10(pv.totalLog10)}</strong> of{' '}
            {fmtLog10(pv.totalPossibleLog10)} possible
            {Number.isFinite(pv.totalLog10) && Number.isFinite(pv.totalPossibleLog10) ? ` (log10 ${pv.totalLog10.toFixed(1)} vs ${pv.totalPossibleLog10.toFixed(1)})` : ''}.
            {sel.kind === 'unit' && pv.totalLog10 === -Infinity ? ` ${noPathReason(unitPooled, pv.toPixelsLog10)}` : ''}
          </p>
          {unitProblem && (
            <p className="notice warn" role="status">
              The selected unit does not fit this model ({unitProblem}); showing the class instead.
            </p>
          )}
          <div className="paths-options">
            <label className="check">
              <input type="checkbox" checked={pooledPick} onChange={(e) => setPooledPick(e.target.checked)} data-testid="pooled-pick" />
              On a pooling level, select the pooled unit x(l) over the clicked cell
            </label>
            <span className="path-legend" aria-label="Colour key: grey no path; light to dark, one path to the most paths of the level">
              <span className="swatch" style={{ background: PATH_NONE_CSS }} aria-hidden="true" /> no path
              <span className="path-ramp" aria-hidden="true" style={{ background: `linear-gradient(to right, ${LEGEND[1]}, ${LEGEND[128]}, ${LEGEND[255]})` }} /> 1 path → the most at
              the level
              <span className="swatch outline" style={{ borderColor: '#000' }} aria-hidden="true" /> selected unit
              <span className="swatch outline dashed" style={{ borderColor: '#0072B2' }} aria-hidden="true" /> its reach (receptive field) below
            </span>
          </div>
        </div>
        <PathCountChart
          rows={rows}
          caption={`log10 paths between each level and ${anchor}: active (dark) and possible with every switch ON and every window position (light).`}
        />
      </div>
      <ClassRow probs={view.result.forward.probs} classes={view.spec.classes} pred={pred} startClass={view.startClass} classSelected={sel.kind === 'class'} onPick={pickClass} />
      {shapes.map((s, i) => {
        const { selectedBox, fieldBox } = boxesAt(i + 1);
        return (
          <LevelRow
            key={i}
            shape={s}
            lv={pv.levels[i]}
            a={built.model.sw.a[i]}
            anchor={anchor}
            selectedBox={selectedBox}
            fieldBox={fieldBox}
            pooledPick={pooledPick}
            onPick={pickUnit}
            maxWidth={820}
          />
        );
      }).reverse()}
      <PixelRow image={view.image} h={height} w={width} pv={pv} anchor={anchor} field={field} pixel={sel.kind === 'pixel' ? { y: sel.y, x: sel.x } : null} onPick={pickPixel} />
    </div>
  );
}
