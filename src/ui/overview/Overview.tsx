/**
 * The overview: the whole DP on the current digit as one picture (issue 14). The input, each level
 * of the model as a stack of its channel maps, and the class scores, with the bottom-up pass in
 * blue along the upper row and the top-down backtrace in orange along the lower row, through the
 * same switches (the gates); the reconstruction arrives where the input left. A level expands in
 * place, a unit opens its arithmetic beside the pointer, the DP animates step by step on a
 * timeline, the active rendering paths of the selection are drawn, and hovering any unit lights up
 * what it is linked to in every view (`picture.hover`).
 *
 * It fills its container (a ResizeObserver sizes the picture); layout.ts places everything, the
 * painter (painter.ts) draws the maps and marks on canvases, React renders the rest.
 */
import { useEffect, useRef } from 'react';
import { appStore, inferenceKey, useApp } from '../store';
import { useElementSize } from './hooks';
import { Picture } from './Picture';
import { Timeline } from './Timeline';
import { HoverLine } from './HoverLine';
import './overview.css';

export function Overview() {
  const pictureRef = useRef<HTMLDivElement>(null);
  const size = useElementSize(pictureRef);
  const view = useApp((s) => s.result);
  const current = useApp((s) => s.result !== null && s.result.key === inferenceKey(s));
  const paths = useApp((s) => s.picture.paths);
  const setPicture = useApp((s) => s.setPicture);
  // A new input shows the whole DP. Done in the store update that changes the input (a
  // subscription runs synchronously), so whoever changes the input and then sets the picture
  // (a story card: a digit, then a step) has the last word.
  useEffect(
    () =>
      appStore.subscribe((s, prev) => {
        if (s.digitIndex !== prev.digitIndex || s.custom?.id !== prev.custom?.id) s.setPicture({ complete: true, playing: false });
      }),
    [],
  );

  return (
    <section
      className={current ? 'overview card' : 'overview card stale'}
      data-testid="overview"
      aria-labelledby="ov-title"
      aria-busy={!current}
      data-current={current}
      data-digit-index={view?.digitIndex}
      data-input={view ? (view.custom ? 'custom' : 'test') : undefined}
      data-custom-kind={view?.custom?.kind}
      data-start-class={view?.startClass}
    >
      <div className="ov-head">
        <h2 id="ov-title">The DP on this digit</h2>
        <span className="ov-legend">
          <span className="up">→ bottom-up: match templates · max over a · max over t</span>
          <span className="down">← top-down: class template · unpool by t · mask by a · paint</span>
        </span>
        <button type="button" className="ov-paths-toggle" aria-pressed={paths} onClick={() => setPicture({ paths: !paths })} data-testid="ov-paths">
          Paths
        </button>
      </div>
      <div className="ov-picture" ref={pictureRef}>
        {view && size.width > 40 && size.height > 60 ? (
          <Picture view={view} width={size.width} height={size.height} />
        ) : (
          <p className="placeholder" role="status">
            Waiting for the model…
          </p>
        )}
      </div>
      <div className="ov-foot">
        {view && <Timeline spec={view.spec} />}
        <HoverLine />
      </div>
    </section>
  );
}
