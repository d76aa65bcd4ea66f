/**
 * The first screen's prediction column: the MAP class and how sure the model is (the class scores,
 * not only the posterior, which saturates at 100% for most digits), the reconstruction rendered
 * back through the digit's switches beside the input, and "render it as c": the counterfactual
 * rendering of another class through the same switches, one click away.
 */
import { useMemo, type CSSProperties } from 'react';
import { MapCanvas } from '../MapCanvas';
import { divergingScale, fmt, imageScale, maxAbs } from '../scales';
import { inferenceKey, useApp, type ViewResult } from '../store';

const IMAGE = imageScale();

/** How many of the best classes the column lists. */
const SHOWN = 4;

/** Scores as bars around the best one: how far below the winner each class is (log-odds of the two). */
function ScoreList({ view }: { view: ViewResult }) {
  const { scores, probs } = view.result.forward;
  const pred = view.result.forward.pred[0];
  const C = view.spec.classes;
  const setStart = useApp((s) => s.setStart);
  const top = scores[pred];
  const gaps = Array.from({ length: C }, (_, c) => top - scores[c]);
  const widest = Math.max(...gaps, 1e-9);
  // The best classes; all of them are in the overview's class column.
  const order = Array.from({ length: C }, (_, c) => c).sort((a, b) => scores[b] - scores[a]).slice(0, SHOWN);
  return (
    <ol className="score-list" aria-label="Class scores, best first" data-testid="score-list">
      {order.map((c) => (
        <li key={c} className={c === pred ? 'best' : undefined} data-class={c} data-score={scores[c]}>
          <button type="button" className="score-row" onClick={() => setStart(c === pred ? 'predicted' : c)} title={`Render the digit as a ${c}`}>
            <span className="cls">{c}</span>
            <span className="bar" aria-hidden="true">
              <span style={{ width: `${100 * (1 - gaps[c] / widest)}%` }} />
            </span>
            <span className="val">{c === pred ? fmt(scores[c]) : `−${fmt(gaps[c])}`}</span>
            <span className="visually-hidden">{`: score ${fmt(scores[c])}, p = ${(100 * probs[c]).toFixed(1)}%; render the digit as a ${c}`}</span>
          </button>
        </li>
      ))}
    </ol>
  );
}

export function PredictionColumn({ size }: { size: number }) {
  const view = useApp((s) => s.result);
  const current = useApp((s) => s.result !== null && s.result.key === inferenceKey(s));
  const start = useApp((s) => s.start);
  const setStart = useApp((s) => s.setStart);
  const pixels = view?.result.backtrace.pixels;
  const reconScale = useMemo(() => divergingScale(pixels ? maxAbs(pixels) : 1), [pixels]);
  if (!view)
    return (
      <section className="predict-col card" aria-label="Prediction">
        <h2>Prediction</h2>
        <p className="placeholder" role="status">
          Waiting for the model…
        </p>
      </section>
    );
  const { forward } = view.result;
  const pred = forward.pred[0];
  const { height, width } = view.spec.input;
  const counterfactual = view.start !== 'predicted' && view.start !== pred;
  const right = view.label >= 0 ? view.label === pred : null;
  return (
    // The column is as wide as its two images side by side need (--recon-size; shell.css), never narrower than 236 px.
    <section
      className={current ? 'predict-col card' : 'predict-col card stale'}
      aria-labelledby="predict-title"
      aria-busy={!current}
      style={{ '--recon-size': `${size}px` } as CSSProperties}
    >
      <h2 id="predict-title">Prediction</h2>
      <p className="prediction" data-testid="prediction" data-pred={pred} aria-live="polite">
        <span className="big">{pred}</span>
        <span className="dim">
          p = {(100 * forward.probs[pred]).toFixed(forward.probs[pred] > 0.999 ? 3 : 1)}%
          {right === true ? ' · right' : right === false ? ` · label ${view.label}` : ''}
        </span>
      </p>
      <p className="score-note dim">the best classes: the score s_c, and how far below it the others are (the log-odds of the two)</p>
      <ScoreList view={view} />
      <h3>Rendered back</h3>
      <div className="rendered" data-testid="reconstruction" data-class={view.startClass} data-counterfactual={counterfactual}>
        <MapCanvas
          data={view.result.backtrace.pixels}
          height={height}
          width={width}
          scale={reconScale}
          label={`${counterfactual ? 'Counterfactual rendering' : 'Reconstruction'}: class ${view.startClass}'s template rendered through this digit's switches`}
          caption={`Î, class ${view.startClass}`}
          displayWidth={size}
          kind="first-reconstruction"
        />
        <MapCanvas data={view.image} height={height} width={width} scale={IMAGE} label="The input the model read" caption="input I" displayWidth={size} kind="first-input" />
      </div>
      <div className="render-as" role="group" aria-label="Render it as another class">
        <span className="dim">render as:</span>
        {Array.from({ length: view.spec.classes }, (_, c) => (
          <button key={c} type="button" aria-pressed={view.startClass === c && (start !== 'predicted' || c === pred)} onClick={() => setStart(c === pred ? 'predicted' : c)}>
            {c}
          </button>
        ))}
      </div>
    </section>
  );
}
