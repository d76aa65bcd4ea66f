/**
 * The top of the path view: one node per class, with p(c | image). Choosing a class makes it the
 * backtrace's start (the store's start class, shared with the other panels) and clears a unit or
 * pixel selection.
 */
import { scaleLinear } from 'd3';
import type { FloatArr } from '../../engine';

export interface ClassRowProps {
  probs: FloatArr;
  classes: number;
  pred: number;
  startClass: number;
  /** True when the class itself is the selection (no unit or pixel). */
  classSelected: boolean;
  onPick: (c: number) => void;
}

export function ClassRow({ probs, classes, pred, startClass, classSelected, onPick }: ClassRowProps) {
  const bar = scaleLinear().domain([0, 1]).range([0, 100]).clamp(true);
  return (
    <section className="path-level path-classes" aria-labelledby="path-classes-title" data-testid="path-classes">
      <div className="path-info">
        <h3 id="path-classes-title">Classes</h3>
        <p className="dim">
          Every class reaches every top unit, so <em>which</em> paths are active does not depend on the class: the class sets the weights along them
          (Saliency and Rendering panels).
        </p>
      </div>
      <div className="class-nodes" role="group" aria-label="Start class">
        {Array.from({ length: classes }, (_, c) => (
          <button
            key={c}
            type="button"
            className={`class-node${c === startClass ? ' start' : ''}${c === pred ? ' pred' : ''}`}
            aria-pressed={c === startClass && classSelected}
            onClick={() => onPick(c)}
            title={`Class ${c}: p = ${(100 * probs[c]).toFixed(1)}%${c === pred ? ' (predicted)' : ''}`}
            data-class={c}
          >
            <span className="class-digit">{c}</span>
            <span className="class-bar" aria-hidden="true">
              <span style={{ width: `${bar(probs[c])}%` }} />
            </span>
            <span className="class-p">{(100 * probs[c]).toFixed(0)}%</span>
          </button>
        ))}
      </div>
    </section>
  );
}
