/**
 * The overview's picture for one result at one size: the tiles, the flows and gates, the class
 * column, the paths, the keyboard regions and the unit card, wired to the store (step, expansion,
 * hover, selection, start class) and to the painter and the animation clock.
 */
import { useEffect, useMemo, useRef, useState, type MouseEvent, type PointerEvent } from 'react';
import { PathModel, switchesOf } from '../../engine';
import { fmtLog10 } from '../scales';
import { appStore, useApp, type UnitRef, type ViewResult } from '../store';
import type { Step } from '../stepper/steps';
import { ClassColumn } from './ClassColumn';
import { useStepClock, type ClockTarget } from './clock';
import { Flows, GateLabels, type GateInfo } from './Flows';
import { flowsLit, pictureState } from './frames';
import { useDpTimeline, useReducedMotion } from './hooks';
import { LevelKeys, type KeyCursor } from './Keys';
import { cellRect, hitTest, overviewLayout, type OverviewLayout } from './layout';
import { overviewScales, stackOrder } from './paint';
import { OverviewPainter, switchStats } from './painter';
import { pathPoints } from './pathsDraw';
import { PathSampler, type SampleSelection } from './pathSample';
import { InputTile, LevelTiles } from './Tiles';
import { UnitArithmeticCard, type CardAnchor } from './UnitCard';

/** Paths drawn for a selection (a sample of the active ones). */
export const PATHS_DRAWN = 24;

/** The flow a step animates: into column `to` (1..L: a level, L + 1: the classes). */
function activeFlow(step: Step | undefined, L: number): { to: number; dir: 'up' | 'down' } | null {
  if (!step) return null;
  if (step.kind === 'match') return { to: step.level, dir: 'up' };
  if (step.kind === 'scores') return { to: L + 1, dir: 'up' };
  if (step.kind === 'arrive') return { to: step.level + 1, dir: 'down' };
  if (step.kind === 'pixels') return { to: 1, dir: 'down' };
  return null;
}

/** The level button's text, as long as its width allows (about 6.5 px a character at its size). */
export function levelLabel(l: number, c: number, k: number, w: number): string {
  const forms = [`Level ${l} · ${c} templates ${k}×${k}`, `Level ${l} · ${c} × ${k}×${k}`, `Level ${l} · ${c}`, `L${l} · ${c}`];
  return forms.find((f) => (f.length + 2) * 6.5 <= w) ?? forms[forms.length - 1];
}

export function Picture({ view, width, height }: { view: ViewResult; width: number; height: number }) {
  const spec = view.spec;
  const L = spec.levels.length;
  const { steps, count, index, complete, playing, speed } = useDpTimeline(spec);
  const expandedRaw = useApp((s) => s.picture.expanded);
  const expanded = expandedRaw !== null && expandedRaw >= 1 && expandedRaw <= L ? expandedRaw : null;
  const showPaths = useApp((s) => s.picture.paths);
  const unit = useApp((s) => s.unit);
  const params = useApp((s) => s.params);
  const paramsMatch = useApp((s) => s.result !== null && s.result.key.startsWith(`m${s.modelVersion}|`) && JSON.stringify(s.spec) === JSON.stringify(s.result.spec));
  const reduced = useReducedMotion();

  const focusKey = spec.levels.map((_, i) => (unit && unit.level === i + 1 ? unit.channel : '')).join(',');
  const order = useMemo(() => stackOrder(view, focusKey.split(',').map((v) => (v === '' ? null : Number(v)))), [view, focusKey]);
  const layout: OverviewLayout = useMemo(() => overviewLayout({ width, height, spec, expanded, order }), [width, height, spec, expanded, order]);
  const scales = useMemo(() => overviewScales(view), [view]);

  // ---- drawing: the painter holds what the canvases need; React only hands it over.
  const painter = useMemo(() => new OverviewPainter(), []);
  useEffect(() => () => painter.dispose(), [painter]);
  painter.view = view;
  painter.scales = scales;
  painter.steps = steps;
  painter.layout = layout;
  painter.index = index;
  painter.complete = complete;
  useEffect(() => painter.schedule());
  useEffect(() => {
    painter.hover = appStore.getState().picture.hover;
    return appStore.subscribe((s, prev) => {
      if (s.picture.hover !== prev.picture.hover) {
        painter.hover = s.picture.hover;
        painter.schedule();
      }
    });
  }, [painter]);
  const rootRef = useRef<HTMLDivElement>(null);
  const clock: ClockTarget = useMemo(
    () => ({
      setProgress: (p) => {
        painter.progress = p;
        painter.schedule();
      },
      settled: (done) => rootRef.current?.setAttribute('data-settled', String(done)),
    }),
    [painter],
  );
  useStepClock(clock, index, count, complete, playing, speed, reduced);
  // The painter's recent paint durations, on the picture's element for the bench to read (a plain
  // property: no attribute, so no DOM mutation per frame).
  useEffect(() => {
    if (rootRef.current) (rootRef.current as HTMLElement & { drmmPaintMs?: number[] }).drmmPaintMs = painter.paintMs;
  }, [painter]);

  // ---- what React draws changes per step, not per frame.
  // (While the whole DP is shown, the step index changes nothing here: the stepper's steps cost no redraw.)
  const stateIndex = complete ? 0 : index;
  const state = useMemo(() => pictureState(spec, stateIndex, 1, complete, steps), [spec, stateIndex, complete, steps]);
  const lit = flowsLit(state, L);
  const active = complete ? null : activeFlow(steps[index], L);
  const stats = useMemo(() => Array.from({ length: L }, (_, i) => switchStats(view, i + 1)), [view, L]);
  const gates: GateInfo[] = useMemo(() => {
    const out: GateInfo[] = [];
    stats.forEach((st, i) => {
      out.push({ level: i + 1, kind: 'a', on: st.on, units: st.units, written: state.aWritten[i], used: state.aUsed[i] });
      if (st.t) out.push({ level: i + 1, kind: 't', t: st.t, written: state.tWritten[i], used: state.tUsed[i] });
    });
    return out;
  }, [stats, state]);

  // ---- the active rendering paths of the selection (the unit, a clicked pixel, or the class).
  const [pixelSel, setPixelSel] = useState<{ y: number; x: number } | null>(null);
  useEffect(() => setPixelSel(null), [view.key]);
  const selection: SampleSelection = unit ? { kind: 'unit', unit } : pixelSel ? { kind: 'pixel', ...pixelSel } : { kind: 'class' };
  const selKey = JSON.stringify(selection);
  const pathData = useMemo(() => {
    if (!showPaths) return null;
    const sw = switchesOf(spec, view.result.forward);
    try {
      const sampled = new PathSampler(spec, sw).sample(selection, PATHS_DRAWN, 1);
      const counts = new PathModel(spec, sw).select(selection);
      return { sampled, counts, error: null };
    } catch (e) {
      return { sampled: [], counts: null, error: (e as Error).message };
    }
  }, [showPaths, spec, view, selKey]);
  const classY = layout.bottomY + layout.rowH / 2;
  const pathPts = useMemo(
    () => (pathData ? pathData.sampled.map((p) => pathPoints(layout, spec.input.height, spec.input.width, p, classY)) : []),
    [pathData, layout, spec, classY],
  );

  // ---- the unit card
  const [card, setCard] = useState<CardAnchor | null>(null);
  useEffect(() => {
    if (!unit) setCard(null);
  }, [unit]);
  // Where the focus goes back to when the card closes (the map region that opened it, from the keyboard).
  const opener = useRef<HTMLElement | null>(null);
  const openCard = (u: UnitRef, anchor: CardAnchor) => {
    opener.current = document.activeElement instanceof HTMLElement && document.activeElement !== document.body ? document.activeElement : null;
    appStore.getState().setUnit(u);
    setCard(anchor);
  };
  const closeCard = () => {
    setCard(null);
    const el = opener.current;
    opener.current = null;
    if (el && el.isConnected) el.focus({ preventScroll: true });
  };
  const toggleLevel = (l: number) => appStore.getState().setPicture({ expanded: expanded === l ? null : l });

  // ---- the pointer
  const local = (e: { clientX: number; clientY: number }) => {
    const r = rootRef.current!.getBoundingClientRect();
    return { px: e.clientX - r.left, py: e.clientY - r.top };
  };
  const onPointerMove = (e: PointerEvent<HTMLDivElement>) => {
    const { px, py } = local(e);
    const hit = hitTest(layout, spec, px, py);
    const set = appStore.getState().setPicture;
    if (hit?.kind === 'unit') set({ hover: { kind: 'unit', unit: { level: hit.level, stage: 'relu', channel: hit.channel, y: hit.y, x: hit.x } } });
    else if (hit?.kind === 'pixel') set({ hover: { kind: 'pixel', y: hit.y, x: hit.x } });
    else set({ hover: null });
  };
  const onClick = (e: MouseEvent<HTMLDivElement>) => {
    const { px, py } = local(e);
    const hit = hitTest(layout, spec, px, py);
    if (!hit) return;
    if (hit.kind === 'stack') toggleLevel(hit.level);
    else if (hit.kind === 'unit') {
      if (expanded !== hit.level) toggleLevel(hit.level);
      else openCard({ level: hit.level, stage: 'relu', channel: hit.channel, y: hit.y, x: hit.x }, { x: e.clientX, y: e.clientY });
    } else if (hit.kind === 'pixel') {
      appStore.getState().setUnit(null);
      setPixelSel({ y: hit.y, x: hit.x });
      appStore.getState().setPicture({ paths: true });
    }
  };
  const openFromKeys = (level: number, c: KeyCursor) => {
    const lv = layout.levels[level - 1];
    const t = lv.expanded ? lv.tiles[c.channel] : lv.tiles[lv.order[0]];
    const r = cellRect(t, lv.mapH, lv.mapW, 0, { y0: c.y, x0: c.x, y1: c.y, x1: c.x });
    const box = rootRef.current!.getBoundingClientRect();
    openCard({ level, stage: 'relu', channel: c.channel, y: c.y, x: c.x }, { x: box.left + r.x + r.w, y: box.top + r.y + r.h / 2 });
  };

  const { height: ih, width: iw } = spec.input;
  const counterfactual = view.startClass !== view.result.forward.pred[0];
  return (
    <>
      <div
        ref={rootRef}
        className="ov-area"
        style={{ width, height }}
        onPointerMove={onPointerMove}
        onPointerLeave={() => appStore.getState().setPicture({ hover: null })}
        onClick={onClick}
        data-testid="ov-picture"
        data-step-index={index}
        data-step-id={steps[index]?.id}
        data-complete={complete}
        data-expanded={expanded ?? ''}
        data-levels={L}
        data-paths={pathData ? pathData.sampled.length : 0}
      >
        <Flows layout={layout} lit={lit} active={active} gates={gates} paths={pathPts} />
        <div className="ov-tiles" aria-hidden="true">
          <InputTile painter={painter} row="up" x={layout.input.x} y={layout.input.y} size={layout.input.size} mapW={iw} mapH={ih} label="The input image I" />
          <InputTile painter={painter} row="down" x={layout.input.x} y={layout.input.y + layout.rowShift} size={layout.input.size} mapW={iw} mapH={ih} label={`The reconstruction Î: class ${view.startClass} rendered back`} />
          {layout.levels.map((lv) => (
            <LevelTiles key={lv.level} lv={lv} rowShift={layout.rowShift} painter={painter} />
          ))}
        </div>
        <canvas
          className="ov-overlay"
          ref={(el) => {
            painter.overlay = el;
          }}
          style={{ width, height }}
          aria-hidden="true"
          aria-label="Highlights: the hovered unit's links and the animation's marks"
        />
        <span className="ov-input-cap up" style={{ left: layout.input.x, top: layout.input.y + layout.input.size + 1, width: layout.input.size }}>
          input I
        </span>
        <span className="ov-input-cap down" style={{ left: layout.input.x, top: layout.input.y + layout.rowShift + layout.input.size + 1, width: layout.input.size }} data-testid="ov-reconstruction-cap">
          Î {counterfactual ? `as a ${view.startClass}` : 'rendered back'}
        </span>
        {layout.levels.map((lv) => (
          <button
            key={lv.level}
            type="button"
            className="ov-level-button"
            style={{ left: lv.stackX, width: Math.max(40, lv.w - 4) }}
            aria-expanded={lv.expanded}
            onClick={(e) => {
              e.stopPropagation();
              toggleLevel(lv.level);
            }}
            title={`Level ${lv.level}: ${lv.channels} templates ${spec.levels[lv.level - 1].kernel}×${spec.levels[lv.level - 1].kernel}, maps ${lv.mapH}×${lv.mapW}. Click to ${lv.expanded ? 'collapse' : 'expand'}.`}
            data-testid={`ov-level-${lv.level}`}
          >
            {levelLabel(lv.level, lv.channels, spec.levels[lv.level - 1].kernel, lv.w)} {lv.expanded ? '▾' : '▸'}
          </button>
        ))}
        <GateLabels layout={layout} gates={gates} />
        {pathData?.counts &&
          layout.levels.map((lv, i) => {
            const c = pathData.counts!.levels[i];
            const v = Number.isNaN(c.activeLog10) ? pathData.counts!.totalLog10 : c.activeLog10;
            return (
              <span
                key={lv.level}
                className="ov-path-count"
                style={{ left: lv.stackX, top: layout.midY + 2, width: Math.max(40, lv.stackW) }}
                title={`Active paths between the selection and level ${lv.level}'s units`}
                data-testid={`ov-path-count-${lv.level}`}
              >
                {fmtLog10(v)} paths
              </span>
            );
          })}
        <ClassColumn view={view} layout={layout} scores={state.scores} argmax={state.argmax} />
        {pathData && (
          <p className="ov-path-total" style={{ left: layout.classes.x, top: layout.midY + 1, width: layout.classes.w, height: layout.midH - 2 }} data-testid="ov-path-total">
            {pathData.error ?? (
              <>
                {selection.kind === 'class' ? `class ${view.startClass}` : selection.kind === 'unit' ? 'the unit' : 'the pixel'}: {fmtLog10(pathData.counts!.totalLog10)} of{' '}
                {fmtLog10(pathData.counts!.totalPossibleLog10)} paths active, {pathData.sampled.length} drawn
              </>
            )}
            {selection.kind !== 'class' && (
              <button
                type="button"
                className="ov-back"
                onClick={(e) => {
                  e.stopPropagation();
                  appStore.getState().setUnit(null);
                  setPixelSel(null);
                }}
                data-testid="ov-paths-class"
              >
                the class’s paths
              </button>
            )}
          </p>
        )}
        {layout.levels.map((lv) => (
          <LevelKeys key={lv.level} layout={layout} lv={lv} onOpen={openFromKeys} onExpand={toggleLevel} />
        ))}
      </div>
      {card && unit && paramsMatch && <UnitArithmeticCard view={view} params={params} unit={unit} anchor={card} onClose={closeCard} />}
    </>
  );
}
