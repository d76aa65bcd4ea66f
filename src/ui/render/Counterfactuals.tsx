/**
 * Counterfactual rendering: this input's switches rendered from each class in turn (the
 * `rendering` variant), with each rendering's error against the input; the prediction marked.
 */
import { useMemo } from 'react';
import { TermLink } from '../about/TermLink';
import { GradientLegend } from '../Legend';
import { MapCanvas } from '../MapCanvas';
import { divergingScale, fmt, maxAbs } from '../scales';
import type { ViewResult } from '../store';
import { classErrors } from './metrics';
import type { Counterfactuals as Result } from './useCounterfactuals';

export function Counterfactuals({ view, cf }: { view: ViewResult; cf: Result | null }) {
  const ready = cf?.state === 'ready' ? cf : null;
  const errs = useMemo(() => (ready ? classErrors(view.image, ready.pixels) : null), [ready, view.image]);
  const scale = useMemo(() => divergingScale(ready ? Math.max(...ready.pixels.map((p) => maxAbs(p))) : 1), [ready]);
  const { height, width } = view.spec.input;
  const pred = view.result.forward.pred[0];

  return (
    <section className="render-card" aria-labelledby="render-cf-title" data-testid="counterfactuals" data-state={cf?.state ?? 'waiting'} data-best={errs?.best}>
      <h3 id="render-cf-title">The same switches, rendered from every class</h3>
      {cf?.state === 'error' && (
        <p className="notice error" role="alert">
          Counterfactual rendering failed: {cf.message}
        </p>
      )}
      {!ready && cf?.state !== 'error' && (
        <p className="dim" role="status">
          Rendering the {view.spec.classes} classes…
        </p>
      )}
      {ready && errs && (
        <>
          <div className="render-cf-grid">
            {ready.pixels.map((px, c) => {
              const tags = [c === pred ? 'predicted' : null, c === view.label ? 'label' : null, c === errs.best ? 'lowest error' : null].filter(Boolean);
              return (
                <div key={c} className={c === pred ? 'render-cf pred' : 'render-cf'} data-testid="cf-cell" data-class={c} data-error={errs.errors[c]} data-pred={c === pred}>
                  <MapCanvas
                    data={px}
                    height={height}
                    width={width}
                    scale={scale}
                    label={`Class ${c} rendered through this input's switches; squared error ${fmt(errs.errors[c])}; the model sees a ${ready.seenAs[c]} in it${tags.length ? ` (${tags.join(', ')})` : ''}`}
                    caption={`${c}${c === pred ? ' ▶ pred' : ''} · ${fmt(errs.errors[c])}`}
                    displayWidth={56}
                    kind="counterfactual"
                  />
                  <span className="render-seen" data-testid="cf-seen" data-seen={ready.seenAs[c]} data-recognised={ready.seenAs[c] === c}>
                    seen as {ready.seenAs[c]} {ready.seenAs[c] === c ? '✓' : '✗'}
                  </span>
                  {tags.length > 0 && <span className="render-tag">{tags.join(', ')}</span>}
                </div>
              );
            })}
          </div>
          <GradientLegend scale={scale} />
        </>
      )}
      <p className="dim render-caption">
        <TermLink term="backtrace">Backtrace</TermLink> from each class c, through the a- and t-switches this input chose bottom-up (variant{' '}
        <em>rendering</em>, whatever the view's variant). Under each: ‖I − Î<sub>c</sub>‖², unnormalised. The predicted class ({pred}) is outlined
        {ready ? `; the lowest error is class ${errs?.best}` : ''}. Nothing forces the two to agree: the prediction maximises ⟨μ<sub>c</sub>, x(L)⟩ + b<sub>c</sub>,
        not the pixel error. “Seen as”: the class the same model predicts for the rendering, scaled by its least-squares factor and clipped to
        [0, 1]; a model that renders what it claims sees each class in its own rendering ({seenCount(ready)}). One colour range for the grid.
        {ready ? ` ${ready.passes === 0 ? 'The view’s own bottom-up pass (its switches were still on the engine)' : ready.passes === 1 ? 'One bottom-up pass' : `${ready.passes} bottom-up passes`} and ${ready.pixels.length} backtraces on ${ready.backend === 'webgpu' ? 'WebGPU' : 'the CPU reference'} in ${ready.ms.toFixed(0)} ms, then one pass over the ten renderings.` : ''}
      </p>
    </section>
  );
}

/** "here 3 of 10": how many classes the model sees in their own rendering. */
function seenCount(ready: Extract<Result, { state: 'ready' }> | null): string {
  if (!ready) return 'waiting';
  const n = ready.seenAs.reduce((k, s, c) => k + (s === c ? 1 : 0), 0);
  return `here ${n} of ${ready.seenAs.length}`;
}
