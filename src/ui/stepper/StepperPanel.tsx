/**
 * The DP stepper: the current result's inference, one operation at a time. Bottom-up (template
 * matching, the max over a, the max over t, per level), the read-out (scores, argmax), then the
 * top-down backtrace level by level down to the pixels. Each step shows its maps (a few channels,
 * more on demand), the switches where they matter, and what the operation means; any unit's
 * numbers and receptive field appear on hover or keyboard focus, and a click or Enter selects it
 * for the other panels. The step index lives in the store (the URL keeps it).
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { KeyboardEvent as ReactKeyboardEvent } from 'react';
import { GradientLegend, SwatchLegend } from '../Legend';
import { WaitingForResult } from '../panels/OverviewPanel';
import { ProbBars } from '../ProbBars';
import { channelsNonzero, SWITCH_COLOURS, T_CATEGORIES } from '../scales';
import { appStore, inferenceKey, useApp, type UnitRef, type ViewResult } from '../store';
import { ReluExercise } from './ReluExercise';
import { ScoreBars } from './ScoreBars';
import { StepCaption } from './StepCaption';
import { stepMaps, unitDetails, type MapId, type StepMap, type UnitDetails } from './stepMaps';
import { applyStepAction, clampStep, PHASE_NAMES, stepKeyAction, stepsFor, type Step, type StepAction } from './steps';
import { UnitCard, type ProbeSource } from './UnitCard';
import { InputWithField } from './InputWithField';
import { UnitMap, type Cell } from './UnitMap';
import './stepper.css';

/** Auto-advance interval while playing. */
export const STEP_MS = 1000;
/** Channels shown at first, and added by "More channels". */
const CHANNEL_STEP = 4;

interface Pick {
  mapId: MapId;
  channel: number;
  y: number;
  x: number;
}

export function StepperPanel() {
  const view = useApp((s) => s.result);
  const current = useApp((s) => s.result !== null && s.result.key === inferenceKey(s));
  if (!view) return <WaitingForResult />;
  return (
    <>
      <Stepper view={view} current={current} />
      <details className="stepper-exercise">
        <summary>Exercise from the lecture: why a ReLU is a max over ON/OFF switches</summary>
        <ReluExercise />
      </details>
    </>
  );
}

/** A map's unit stage in the store's terms: at a level without pooling, x(l) is r(l). */
function unitStage(view: ViewResult, level: number, stage: 'relu' | 'pool'): 'relu' | 'pool' {
  return stage === 'pool' && view.spec.levels[level - 1]?.pool ? 'pool' : 'relu';
}

function onMap(view: ViewResult, m: StepMap, u: UnitRef | null): boolean {
  return !!u && (m.stage === 'relu' || m.stage === 'pool') && m.level === u.level && unitStage(view, m.level, m.stage) === unitStage(view, u.level, u.stage) && u.channel < m.channels;
}

function Stepper({ view, current }: { view: ViewResult; current: boolean }) {
  const steps = useMemo(() => stepsFor(view.spec), [view.spec]);
  const count = steps.length;
  const stored = useApp((s) => s.stepIndex);
  const setStepIndex = useApp((s) => s.setStepIndex);
  const unit = useApp((s) => s.unit);
  const setUnit = useApp((s) => s.setUnit);
  const index = clampStep(stored, count);
  const step = steps[index];
  const [playing, setPlaying] = useState(false);
  const [shown, setShown] = useState(CHANNEL_STEP);
  const [hover, setHover] = useState<Pick | null>(null);
  const [focus, setFocus] = useState<Pick | null>(null);
  const maps = useMemo(() => stepMaps(view, step), [view, step]);

  // A probe belongs to the maps it was made on.
  useEffect(() => {
    setHover(null);
    setFocus(null);
  }, [step.id, view]);

  /** Does a step action; false when it changes nothing (the key is then left to lecture mode, which pages on). */
  const act = useCallback(
    (a: StepAction): boolean => {
      if (a === 'toggle-play') {
        setPlaying((p) => {
          // Playing from the last step starts over.
          if (!p && clampStep(appStore.getState().stepIndex, count) >= count - 1) appStore.getState().setStepIndex(0);
          return !p;
        });
        return true;
      }
      setPlaying(false);
      const i = clampStep(appStore.getState().stepIndex, count);
      const next = applyStepAction(a, i, count);
      if (next === i) return false;
      setStepIndex(next);
      return true;
    },
    [count, setStepIndex],
  );

  useEffect(() => {
    if (!playing) return;
    const timer = setInterval(() => {
      const s = appStore.getState();
      const i = clampStep(s.stepIndex, count);
      if (i < count - 1) s.setStepIndex(i + 1);
      if (i + 1 >= count - 1) setPlaying(false);
    }, STEP_MS);
    return () => clearInterval(timer);
  }, [playing, count]);

  const onKey = useCallback(
    (e: KeyboardEvent | ReactKeyboardEvent) => {
      if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
      const t = e.target as HTMLElement;
      const action = stepKeyAction(e.key, { tag: t.tagName ?? '', editable: t.isContentEditable, type: (t as HTMLInputElement).type });
      if (action && act(action)) e.preventDefault();
    },
    [act],
  );
  // The stepper takes its keys only while the focus is in it (its region's onKeyDown): a key
  // pressed anywhere else, or with nothing focused, is left to the page (lecture mode pages
  // through the story with the same PageUp/PageDown). Past the first or last step a key is not
  // taken either, so lecture mode (listening on window, after this) pages on.

  const mapById = useCallback((id: MapId) => maps.find((m) => m.id === id) ?? null, [maps]);
  const details = (p: Pick | null): UnitDetails | null => {
    const m = p && mapById(p.mapId);
    if (!p || !m) return null;
    try {
      return unitDetails(view, step, m, p.channel, p.y, p.x);
    } catch {
      return null;
    }
  };
  const selectedMap = maps.find((m) => onMap(view, m, unit)) ?? null;
  const selectedPick: Pick | null = selectedMap && unit ? { mapId: selectedMap.id, channel: unit.channel, y: unit.y, x: unit.x } : null;
  const probe = hover ?? focus ?? selectedPick;
  const source: ProbeSource | null = hover ? 'hover' : focus ? 'focus' : selectedPick ? 'selected' : null;
  const probeDetails = details(probe);
  const pu = probeDetails?.unit;
  const isSelected = !!(pu && unit && pu.level === unit.level && pu.stage === unitStage(view, unit.level, unit.stage) && pu.channel === unit.channel && pu.y === unit.y && pu.x === unit.x);

  const onHover = useCallback((m: StepMap, channel: number, cell: Cell | null) => {
    setHover((h) => (cell ? { mapId: m.id, channel, ...cell } : h && h.mapId === m.id && h.channel === channel ? null : h));
  }, []);
  const onFocusCell = useCallback((m: StepMap, channel: number, cell: Cell | null) => {
    setFocus((f) => (cell ? { mapId: m.id, channel, ...cell } : f && f.mapId === m.id && f.channel === channel ? null : f));
  }, []);
  const onSelect = useCallback(
    (m: StepMap, channel: number, cell: Cell) => {
      try {
        const d = unitDetails(view, step, m, channel, cell.y, cell.x);
        if (d.unit) setUnit(d.unit);
      } catch {
        /* outside the map: nothing to select */
      }
    },
    [view, step, setUnit],
  );

  const maxChannels = Math.max(...maps.map((m) => m.channels));
  const { height, width } = view.spec.input;
  const pred = view.result.forward.pred[0];

  return (
    <div
      className={current ? 'stepper' : 'stepper stale'}
      role="region"
      aria-label="DP stepper"
      aria-describedby="stepper-keys"
      aria-busy={!current}
      tabIndex={0}
      data-stepper-keys=""
      data-testid="stepper"
      data-step-index={index}
      data-step-count={count}
      data-step-id={step.id}
      data-step-kind={step.kind}
      data-playing={playing}
      data-current={current}
      onKeyDown={onKey}
    >
      <div className="stepper-bar">
        <button type="button" onClick={() => act('prev')} disabled={index === 0}>
          ◀ Previous
        </button>
        <button type="button" onClick={() => act('toggle-play')} aria-pressed={playing} data-testid="stepper-play">
          {playing ? '❚❚ Pause' : '▶ Play'}
        </button>
        <button type="button" onClick={() => act('next')} disabled={index === count - 1}>
          Next ▶
        </button>
        <label>
          Step{' '}
          <select
            value={index}
            onChange={(e) => {
              setPlaying(false);
              setStepIndex(Number(e.target.value));
            }}
            data-testid="stepper-select"
          >
            {steps.map((s, i) => (
              <option key={s.id} value={i}>
                {i + 1}. {s.title}
              </option>
            ))}
          </select>
        </label>
      </div>
      <StepStrip steps={steps} index={index} onPick={(i) => {
        setPlaying(false);
        setStepIndex(i);
      }} />
      <p id="stepper-keys" className="dim stepper-keys">
        Keys (with the focus in the stepper): ← → or PageUp/PageDown step, Space plays or pauses (one step a second), Home/End go to the first or
        last step. Tab into a map: the arrow keys move between its units, Enter selects one, Escape returns.
      </p>
      <h2 className="step-title" data-testid="step-title">
        <span className="step-phase" data-phase={step.phase}>
          Step {index + 1} of {count} · {PHASE_NAMES[step.phase]}
        </span>{' '}
        {step.title}
      </h2>
      <p className="stepper-sr-only" aria-live="polite" aria-atomic="true" data-testid="step-announce">
        Step {index + 1} of {count}: {step.title}
      </p>
      <div className="step-caption" data-testid="step-caption" data-step-id={step.id}>
        <StepCaption view={view} step={step} />
      </div>
      <div className="stepper-body">
        <div className="step-maps" data-testid="step-maps" data-step-id={step.id}>
          {step.kind === 'scores' && <ScoreBars scores={view.result.forward.scores} pred={pred} />}
          {step.kind === 'argmax' && <ProbBars probs={view.result.forward.probs} pred={pred} label={view.label >= 0 ? view.label : undefined} width={300} />}
          {maps.map((m) => (
            <MapGroup
              key={`${step.id}-${m.id}`}
              view={view}
              map={m}
              shown={Math.min(m.channels, shown)}
              probe={probe}
              selected={onMap(view, m, unit) ? unit : null}
              onHover={onHover}
              onFocusCell={onFocusCell}
              onSelect={onSelect}
            />
          ))}
          {maxChannels > CHANNEL_STEP && (
            <div className="channel-control">
              <span className="dim">
                Channels 1–{Math.min(shown, maxChannels)} of {maxChannels}
              </span>
              <button type="button" onClick={() => setShown((s) => s + CHANNEL_STEP)} disabled={shown >= maxChannels} data-testid="more-channels">
                More channels
              </button>
              <button type="button" onClick={() => setShown(maxChannels)} disabled={shown >= maxChannels}>
                All channels
              </button>
              <button type="button" onClick={() => setShown(CHANNEL_STEP)} disabled={shown <= CHANNEL_STEP}>
                Fewer channels
              </button>
            </div>
          )}
        </div>
        <aside className="stepper-side" aria-label="The input and the unit under the cursor">
          <InputWithField image={view.image} height={height} width={width} field={probeDetails?.field ?? null} caption={view.label >= 0 ? `Input (label ${view.label})` : 'Input'} />
          <UnitCard details={probeDetails} source={source} isSelected={isSelected} />
        </aside>
      </div>
    </div>
  );
}

function StepStrip({ steps, index, onPick }: { steps: Step[]; index: number; onPick(i: number): void }) {
  // Mouse shortcuts to any step; the keyboard reaches them through the keys and the step list.
  return (
    <ol className="step-strip">
      {steps.map((s, i) => (
        <li key={s.id} data-phase={s.phase}>
          <button type="button" tabIndex={-1} aria-label={`${s.short}: step ${i + 1}, ${s.title}`} title={s.title} aria-current={i === index ? 'step' : undefined} className={i === index ? 'on' : i < index ? 'done' : undefined} onClick={() => onPick(i)}>
            {s.short}
          </button>
        </li>
      ))}
    </ol>
  );
}

interface MapGroupProps {
  view: ViewResult;
  map: StepMap;
  shown: number;
  probe: Pick | null;
  selected: UnitRef | null;
  onHover(m: StepMap, channel: number, cell: Cell | null): void;
  onFocusCell(m: StepMap, channel: number, cell: Cell | null): void;
  onSelect(m: StepMap, channel: number, cell: Cell): void;
}

function MapGroup({ view, map, shown, probe, selected, onHover, onFocusCell, onSelect }: MapGroupProps) {
  const fwd = map.level > 0 ? view.result.forward.levels[map.level - 1] : null;
  const sh = map.level > 0 ? view.spec.levels[map.level - 1] : null;
  // A channel whose switches are all OFF has no active path: say so under its maps.
  const anyOn = useMemo(() => {
    if (!fwd || !sh || map.stage === 'top') return null;
    const size = fwd.a.length / sh.channels;
    return channelsNonzero(fwd.a, sh.channels, size);
  }, [fwd, sh, map.stage]);
  const legend =
    map.legend === 'switch' ? (
      <SwatchLegend items={[{ name: 'OFF', css: SWITCH_COLOURS.off }, { name: 'ON', css: SWITCH_COLOURS.on }]} />
    ) : map.legend === 't' ? (
      <SwatchLegend items={T_CATEGORIES.map((c) => ({ name: c.name, css: c.css, title: c.long }))} />
    ) : (
      <GradientLegend scale={map.scale} />
    );
  const big = map.channels === 1;
  return (
    <div className="step-maprow" data-map={map.id}>
      <div className="maprow-head">
        <h3>{map.title}</h3>
        {legend}
      </div>
      <div className="maps">
        {Array.from({ length: shown }, (_, c) => (
          <UnitMap
            key={c}
            map={map}
            channel={c}
            displayWidth={big ? 168 : 96}
            probe={probe && probe.mapId === map.id && probe.channel === c ? probe : null}
            selected={selected && selected.channel === c ? selected : null}
            onHover={onHover}
            onFocusCell={onFocusCell}
            onSelect={onSelect}
            note={anyOn && !anyOn[c] ? 'all OFF' : null}
          />
        ))}
      </div>
    </div>
  );
}
