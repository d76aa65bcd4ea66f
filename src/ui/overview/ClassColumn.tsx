/**
 * The overview's class column: above, the class scores s_c the bottom-up pass ends in (shown once
 * the timeline reaches them; the MAP class marked once the argmax is taken); below, the class the
 * backtrace renders from. A click on any class renders the digit as that class through the same
 * switches (the counterfactual): `setStart(c)`, as the prediction column's buttons do.
 */
import { fmt } from '../scales';
import { useApp, type ViewResult } from '../store';
import type { OverviewLayout } from './layout';

export function ClassColumn({ view, layout, scores, argmax }: { view: ViewResult; layout: OverviewLayout; scores: number; argmax: number }) {
  const setStart = useApp((s) => s.setStart);
  const start = useApp((s) => s.start);
  const f = view.result.forward;
  const pred = f.pred[0];
  const C = view.spec.classes;
  const lo = Math.min(...Array.from(f.scores.subarray(0, C)));
  const hi = Math.max(...Array.from(f.scores.subarray(0, C)));
  const rowH = Math.max(10, Math.min(18, (layout.rowH - 16) / C));
  const { x, w } = layout.classes;
  const counterfactual = view.startClass !== pred;
  const shown = scores > 0;
  return (
    <>
      <div className="ov-classes up" style={{ left: x, top: layout.topY, width: w, height: layout.rowH }} role="group" aria-label="Class scores: click a class to render the digit as that class">
        <span className="ov-col-title">class scores</span>
        <ol style={{ gridAutoRows: rowH }}>
          {Array.from({ length: C }, (_, c) => {
            const frac = hi > lo ? (f.scores[c] - lo) / (hi - lo) : 1;
            const isPred = argmax > 0 && c === pred;
            return (
              <li key={c}>
                <button
                  type="button"
                  className={`ov-class${isPred ? ' pred' : ''}${view.startClass === c ? ' start' : ''}`}
                  onClick={() => setStart(c === pred ? 'predicted' : c)}
                  aria-pressed={view.startClass === c && (start !== 'predicted' || c === pred)}
                  data-class={c}
                  data-testid={`ov-class-${c}`}
                >
                  <span className="cls">{c}</span>
                  <span className="bar" aria-hidden="true">
                    <span style={{ width: shown ? `${Math.max(2, 100 * frac * scores)}%` : 0 }} />
                  </span>
                  <span className="val">{shown ? fmt(f.scores[c]) : '…'}</span>
                  <span className="visually-hidden">{`: ${shown ? `score ${fmt(f.scores[c])}` : 'not scored yet'}; render the digit as a ${c}`}</span>
                </button>
              </li>
            );
          })}
        </ol>
      </div>
      <div className="ov-classes down" style={{ left: x, top: layout.bottomY, width: w, height: layout.rowH }} data-testid="ov-start" data-start-class={view.startClass}>
        <span className="ov-col-title">renders class</span>
        <span className="ov-start-class">{view.startClass}</span>
        <span className="dim ov-start-note">{counterfactual ? 'counterfactual: the same switches, another class' : 'the MAP class ĉ'}</span>
        {counterfactual && (
          <button type="button" className="ov-back" onClick={() => setStart('predicted')}>
            back to {pred}
          </button>
        )}
      </div>
    </>
  );
}
