/**
 * The Rendering panel: the reconstruction and its error, counterfactual rendering from every
 * class, where the top-down signal goes negative, the top-down signal against the bottom-up maps
 * level by level, and samples from the generative model.
 */
import { useMemo, useState } from 'react';
import { shapesOf, topDownNonnegative } from '../../engine';
import { inputName } from '../DigitView';
import { Options } from '../Options';
import { WaitingForResult } from '../panels/OverviewPanel';
import { inferenceKey, useApp } from '../store';
import { Counterfactuals } from './Counterfactuals';
import { LevelCompare } from './LevelCompare';
import { channelWindow } from './metrics';
import { NegativeTable } from './NegativeTable';
import { Reconstruction } from './Reconstruction';
import { Sampler } from './Sampler';
import { useCounterfactuals } from './useCounterfactuals';
import type { ViewResult } from '../store';
import './render.css';

const CHANNEL_COUNTS = [2, 4, 8];

export function RenderPanel() {
  const view = useApp((s) => s.result);
  const current = useApp((s) => s.result !== null && s.result.key === inferenceKey(s));
  const modelVersion = useApp((s) => s.modelVersion);
  const spec = useApp((s) => s.spec);
  const params = useApp((s) => s.params);
  const trained = useApp((s) => s.source.kind === 'file' && s.source.trained);
  const topDownNonneg = useMemo(() => topDownNonnegative(params), [params]);
  if (!view) return <WaitingForResult />;
  return (
    <div className={current ? 'render-panel' : 'render-panel stale'} aria-busy={!current} data-testid="render-result" data-current={current} data-key={view.key}>
      {/* The panel's heading for screen readers' outline (its cards are h3s); the tab or the
          lecture bar shows the panel's name. */}
      <h2 className="visually-hidden">Rendering: {inputName(view)}</h2>
      <ViewParts view={view} current={current} modelVersion={modelVersion} topDownNonneg={topDownNonneg} />
      <Sampler key={JSON.stringify(spec)} spec={spec} params={params} initialClass={view.result.forward.pred[0]} trained={trained} />
    </div>
  );
}

function ViewParts({ view, current, modelVersion, topDownNonneg }: { view: ViewResult; current: boolean; modelVersion: number; topDownNonneg: boolean }) {
  const cf = useCounterfactuals(view, current, modelVersion);
  const [count, setCount] = useState(4);
  const [firstText, setFirstText] = useState('1');
  const [first, setFirst] = useState(1);
  const maxC = Math.max(...shapesOf(view.spec).levels.map((l) => l.c));
  const firstOk = /^\s*\d+\s*$/.test(firstText) && Number(firstText) >= 1 && Number(firstText) <= maxC;
  const L = view.spec.levels.length;

  return (
    <>
      <div className="render-top">
        <Reconstruction view={view} />
        <Counterfactuals view={view} cf={cf} />
      </div>
      <NegativeTable view={view} topDownNonneg={topDownNonneg} />
      <section className="render-card" aria-labelledby="render-levels-title">
        <h3 id="render-levels-title">Top-down z(l) against bottom-up x(l), level by level</h3>
        <fieldset className="controls">
          <legend>Channels compared</legend>
          <label>
            How many
            <select value={count} onChange={(e) => setCount(Number(e.target.value))} data-testid="render-channel-count">
              <Options values={CHANNEL_COUNTS} />
            </select>
          </label>
          <label>
            From channel
            <input
              type="number"
              min={1}
              max={maxC}
              value={firstText}
              className="render-num"
              aria-invalid={!firstOk}
              data-testid="render-channel-first"
              onChange={(e) => {
                setFirstText(e.target.value);
                const v = Number(e.target.value);
                if (/^\s*\d+\s*$/.test(e.target.value) && v >= 1 && v <= maxC) setFirst(v);
              }}
            />
          </label>
        </fieldset>
        {!firstOk && (
          <p className="notice error" role="alert">
            The first channel must be a whole number from 1 to {maxC}; showing from channel {first}.
          </p>
        )}
        <p className="dim render-caption">
          z(l) is the top-down signal arriving at x(l) (<code>sx</code>): the class template rendered down to level l through the switches; x(l) is the
          bottom-up output of level l, the message it should explain. They are on different scales, so they are compared by the cosine similarity and
          by the residual left after the least-squares scale α = ⟨x, z⟩ / ⟨z, z⟩ (‖x − αz‖² / ‖x‖² = 1 − cos²), over the whole level and, under each
          pair, per channel. Negative cells of z are hatched. Levels from the top, the order the signal flows; one colour range per level and kind.
        </p>
        {Array.from({ length: L }, (_, j) => {
          const i = L - 1 - j;
          const channels = channelWindow(first - 1, count, view.spec.levels[i].channels);
          return <LevelCompare key={i} view={view} index={i} channels={channels} />;
        })}
      </section>
    </>
  );
}
