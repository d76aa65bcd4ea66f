/**
 * Saliency per level: for the start class (or the selected unit), one map per level down to the
 * pixels, for the installed model and for a randomly initialised model of the same shape (the
 * slides' way of showing what each level adds), with the share of each map on the digit and a
 * chart of that share per level. The mode is the app's backtrace variant (drmm / guided /
 * deconvnet); the measure is defined in saliencyMeasure.ts and stated in the panel.
 */
import { useMemo, useState, type ChangeEvent } from 'react';
import type { Start } from '../../engine';
import { digitAsFloat } from '../../data/mnistLoader';
import { TermLink } from '../about/TermLink';
import { inputName } from '../DigitView';
import { WaitingForResult } from '../panels/OverviewPanel';
import { unitNode } from '../../engine';
import { inferenceKey, useApp, type ViewResult } from '../store';
import { FractionChart } from './FractionChart';
import { SALIENCY_MODES, modeOf } from './modes';
import { SaliencyGrid, levelName, type ModelRow } from './SaliencyGrid';
import { DEFAULT_INK_THRESHOLD, digitMask, levelMasks, saliencyPerLevel, type MaskRule } from './saliencyMeasure';
import { unitIsOn, useInstalledUnitBacktrace, useRandomBacktrace } from './useBacktraces';
import './saliency.css';

const INSTALLED_CSS = '#0072B2';
const RANDOM_CSS = '#D55E00';
const AREA_CSS = '#777777';

export function SaliencyPanel() {
  const view = useApp((s) => s.result);
  const current = useApp((s) => s.result !== null && s.result.key === inferenceKey(s));
  if (!view) return <WaitingForResult />;
  return <SaliencyView view={view} current={current} />;
}

function SaliencyView({ view, current }: { view: ViewResult; current: boolean }) {
  const unit = useApp((s) => s.unit);
  const setVariant = useApp((s) => s.setVariant);
  // The mode asked for (the radios) may run ahead of the result shown (the maps), until it arrives.
  const asked = modeOf(useApp((s) => s.variant));
  const modelVersion = useApp((s) => s.modelVersion);
  const source = useApp((s) => s.source);
  const test = useApp((s) => s.test);
  const custom = useApp((s) => s.custom);
  const [preferUnit, setPreferUnit] = useState(true);
  const [threshold, setThreshold] = useState(DEFAULT_INK_THRESHOLD);
  const [thresholdDraft, setThresholdDraft] = useState<string | null>(null);
  const [rule, setRule] = useState<MaskRule>('centre');
  const [seedChoice, setSeedChoice] = useState<number | null>(null);
  const [seedDraft, setSeedDraft] = useState<string | null>(null);
  const mode = modeOf(view.variant);
  const L = view.spec.levels.length;

  // The start: the selected unit when there is one (and it fits this model), else the class.
  const unitOk = unit && typeof unitNode(view.spec, unit) !== 'string' ? unit : null;
  const fromUnit = !!unitOk && preferUnit;
  const startKey = fromUnit ? JSON.stringify(unitOk) : `class${view.startClass}`;
  const start: Start = useMemo(() => (fromUnit ? { kind: 'unit', ...unitOk! } : { kind: 'class', classes: [view.startClass] }), [startKey]);
  const startLevel = fromUnit ? unitOk!.level : L;
  const startText = fromUnit
    ? `the unit at level ${unitOk!.level}, ${unitOk!.stage === 'pool' ? `pooled x(${unitOk!.level})` : `r(${unitOk!.level})`} channel ${unitOk!.channel + 1} at (y ${unitOk!.y}, x ${unitOk!.x})`
    : `class ${view.startClass}`;

  const installedUnit = useInstalledUnitBacktrace(view, fromUnit ? start : null, current, modelVersion);
  const defaultSeed = source.kind === 'random' ? (source.seed + 1) % 0x100000000 : 1;
  const seed = seedChoice ?? defaultSeed;
  const random = useRandomBacktrace(view, seed, start);

  // The digit mask comes from the clean input (before clutter).
  const clean = useMemo(() => {
    if (view.custom) return custom && custom.id === view.custom.id ? custom.pixels : null;
    return test && view.digitIndex < test.count ? digitAsFloat(test, view.digitIndex) : null;
  }, [view.custom, view.digitIndex, custom, test]);
  const { channels, height, width } = view.spec.input;
  const pixelMask = useMemo(() => digitMask(clean ?? view.image, channels, height, width, threshold), [clean, view.image, channels, height, width, threshold]);
  const masks = useMemo(() => levelMasks(view.spec, pixelMask, rule), [view.spec, pixelMask, rule]);

  const installedBt = fromUnit ? (installedUnit.state?.key === installedUnit.key ? installedUnit.state.bt : null) : view.result.backtrace;
  const installedError = fromUnit && installedUnit.state?.key === installedUnit.key ? installedUnit.state.error : null;
  const randomState = random.state?.key === random.key ? random.state : null;
  const installedLevels = useMemo(() => (installedBt ? saliencyPerLevel(view.spec, installedBt, pixelMask, rule, startLevel) : null), [installedBt, view.spec, pixelMask, rule, startLevel]);
  const randomLevels = useMemo(() => (randomState?.bt ? saliencyPerLevel(view.spec, randomState.bt, pixelMask, rule, startLevel) : null), [randomState, view.spec, pixelMask, rule, startLevel]);
  const ready = !!installedLevels && !!randomLevels && current;

  const installedTitle =
    source.kind === 'file' ? (source.trained ? 'Trained model' : 'Installed model') : source.kind === 'training' ? 'Model in training' : `Installed model (random, seed ${source.seed})`;
  const installedNote =
    source.kind === 'file'
      ? `${source.fileName}: ${source.summary}`
      : source.kind === 'training'
        ? source.summary
        : 'not trained: load a trained model (Model, above) to see what training adds';
  const rows: ModelRow[] = [
    { id: 'installed', title: installedTitle, note: installedNote, levels: installedLevels, error: installedError, unitOff: unitIsOn(view.spec, view.result.forward, start) === false },
    {
      id: 'random',
      title: `Random init (seed ${seed})`,
      note: randomState && randomState.pred >= 0 ? `same architecture; it predicts ${randomState.pred}` : 'same architecture, untrained',
      levels: randomLevels,
      error: randomState?.error ?? null,
      unitOff: randomState?.unitOn === false,
    },
  ];
  const levelLabels = ['pixels', ...masks.r.map((_, i) => String(i + 1))];
  const allMasks = [pixelMask, ...masks.r];

  const onThreshold = (e: ChangeEvent<HTMLInputElement>) => {
    setThresholdDraft(e.target.value);
    const v = Number(e.target.value);
    if (e.target.value !== '' && Number.isFinite(v) && v >= 0 && v < 1) setThreshold(v);
  };
  const thresholdBad = thresholdDraft !== null && !(thresholdDraft !== '' && Number(thresholdDraft) >= 0 && Number(thresholdDraft) < 1);
  const onSeed = (e: ChangeEvent<HTMLInputElement>) => {
    setSeedDraft(e.target.value);
    const v = Number(e.target.value);
    if (e.target.value !== '' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff) setSeedChoice(v);
  };
  const seedBad = seedDraft !== null && !(seedDraft !== '' && Number.isInteger(Number(seedDraft)) && Number(seedDraft) >= 0 && Number(seedDraft) <= 0xffffffff);

  const clutterOn = view.clutter.kind !== 'none' && view.clutter.amount > 0;
  return (
    <div
      className={current ? 'saliency-view' : 'saliency-view stale'}
      aria-busy={!ready}
      data-testid="saliency-panel"
      data-current={current}
      data-ready={ready}
      data-variant={view.variant}
      data-mode={mode.id}
      data-start={fromUnit ? 'unit' : 'class'}
    >
      <h2 className="panel-heading">Saliency per level: {inputName(view)}</h2>
      <p className="sal-intro">
        The <TermLink term="backtrace">backtrace</TermLink> from {startText} leaves a top-down signal at every level: its size is that level’s{' '}
        <TermLink term="saliency">saliency</TermLink>. Deeper levels should keep the evidence on the digit and drop the background; a random model of
        the same shape shows what training adds at each level.{' '}
        {clutterOn ? (
          <strong>
            Clutter is on ({view.clutter.kind}, amount {view.clutter.amount}): the mask is the clean digit, so saliency on the clutter counts as
            background; a level that ignores the clutter keeps a high share.
          </strong>
        ) : (
          <>Turn clutter on (Clutter, above) to see which levels ignore distractors (the mask stays the clean digit).</>
        )}
      </p>

      <fieldset className="controls sal-controls">
        <legend>Saliency</legend>
        <fieldset className="sal-modes">
          <legend>Mode (the backtrace variant, as under Variant)</legend>
          {SALIENCY_MODES.map((m) => (
            <label key={m.id} title={m.text} className="check">
              <input type="radio" name="saliency-mode" value={m.id} checked={asked.id === m.id} onChange={() => setVariant(m.variant)} data-testid={`saliency-mode-${m.id}`} />
              <strong>{m.id}</strong> <span className="dim">{m.step}</span>
            </label>
          ))}
        </fieldset>
        <fieldset className="sal-modes">
          <legend>Start from</legend>
          <label className="check">
            <input type="radio" name="saliency-start" checked={!fromUnit} onChange={() => setPreferUnit(false)} data-testid="saliency-start-class" />
            class {view.startClass}
          </label>
          <label className="check">
            <input type="radio" name="saliency-start" checked={fromUnit} disabled={!unitOk} onChange={() => setPreferUnit(true)} data-testid="saliency-start-unit" />
            {unitOk ? `the selected unit (level ${unitOk.level}, ch ${unitOk.channel + 1})` : 'a unit (select one in Active paths)'}
          </label>
        </fieldset>
        <label>
          Mask: ink above
          <input type="number" min={0} max={0.95} step={0.05} value={thresholdDraft ?? String(threshold)} onChange={onThreshold} onBlur={() => setThresholdDraft(null)} className="narrow" aria-invalid={thresholdBad} data-testid="saliency-threshold" />
        </label>
        <label>
          Mask at a level: a unit counts
          <select value={rule} onChange={(e) => setRule(e.target.value as MaskRule)} data-testid="saliency-mask-rule">
            <option value="centre">by its template’s centre</option>
            <option value="field">by any of its receptive field</option>
          </select>
        </label>
        <label>
          Random model seed
          <input type="number" min={0} step={1} value={seedDraft ?? String(seed)} onChange={onSeed} onBlur={() => setSeedDraft(null)} className="narrow" aria-invalid={seedBad} data-testid="saliency-seed" />
        </label>
        {(thresholdBad || seedBad) && (
          <p className="notice warn" role="status">
            {thresholdBad ? 'The ink threshold must be a number from 0 up to (not including) 1; ' : ''}
            {seedBad ? 'The seed must be a whole number from 0 to 4294967295; ' : ''}
            the last valid value is still in use.
          </p>
        )}
      </fieldset>

      <div className="sal-body">
        <SaliencyGrid masks={allMasks} rows={rows} modeName={mode.id} />
        <div className="sal-side">
          <FractionChart
            levels={levelLabels}
            series={[
              { name: rows[0].title, css: INSTALLED_CSS, values: installedLevels ? installedLevels.map((l) => l.fraction) : levelLabels.map(() => null) },
              { name: rows[1].title, css: RANDOM_CSS, dash: '5 3', values: randomLevels ? randomLevels.map((l) => l.fraction) : levelLabels.map(() => null) },
              { name: 'mask area (chance)', css: AREA_CSS, dash: '2 3', values: allMasks.map((m) => m.cells.reduce((a, v) => a + v, 0) / m.cells.length) },
            ]}
          />
          <table className="fraction-table" data-testid="fraction-table">
            <caption>Share of |saliency| on the digit ({mode.id})</caption>
            <thead>
              <tr>
                <th scope="col">level</th>
                <th scope="col">mask area</th>
                <th scope="col">installed</th>
                <th scope="col">random</th>
              </tr>
            </thead>
            <tbody>
              {allMasks.map((m, l) => (
                <tr key={l} data-level={l}>
                  <th scope="row">{levelName(l)}</th>
                  <td>{fmtPct(m.cells.reduce((a, v) => a + v, 0) / m.cells.length)}</td>
                  <td data-value={cellValue(installedLevels?.[l])}>{fmtCell(installedLevels?.[l])}</td>
                  <td data-value={cellValue(randomLevels?.[l])}>{fmtCell(randomLevels?.[l])}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
      <p className="dim sal-definition" data-testid="saliency-definition">
        <strong>Mode {mode.id}</strong>: at each level the signal s becomes {mode.step}, {mode.text}. <strong>Saliency at a level</strong>: the sum over
        channels of |su(l)|, the signal after that step, at r(l)’s resolution; at the pixels, |pixels|. <strong>Digit mask</strong>: pixels of the clean
        input{clean ? '' : ' (the clean input is no longer available: the input as shown)'} with ink &gt; {threshold}; at level l a unit is on the
        digit when {rule === 'centre' ? 'the cell under the centre of its template window is' : 'any cell under its template window is (any pixel of its receptive field)'}, and a
        pooled unit when any of its four is. <strong>Digit fraction</strong>: the share of a map’s total on the mask; a map spread evenly scores the
        mask’s area (its chance level).
        {fromUnit ? ' Levels above the unit carry no signal.' : ''}
        {mode.id === 'deconvnet' ? ' Without the a-mask, deconvnet’s signal also reaches OFF units.' : ''}
      </p>
    </div>
  );
}

const fmtPct = (v: number) => `${(100 * v).toFixed(1)}%`;
type Cell = { fraction: number | null; aboveStart: boolean } | undefined;
const cellValue = (c: Cell) => (!c ? 'pending' : c.aboveStart || c.fraction === null ? 'none' : String(c.fraction));
const fmtCell = (c: Cell) => (!c ? '…' : c.aboveStart ? 'above the unit' : c.fraction === null ? 'no saliency' : fmtPct(c.fraction));
