/** The overview: the digit, its class posterior and reconstruction, and every level's maps. */
import { DigitView, inputName } from '../DigitView';
import { LevelPanel } from '../LevelPanel';
import { inferenceKey, useApp } from '../store';

export function OverviewPanel() {
  return <Results />;
}

function Results() {
  const view = useApp((s) => s.result);
  const current = useApp((s) => s.result !== null && s.result.key === inferenceKey(s));
  const featureStage = useApp((s) => s.featureStage);
  const saliencyStage = useApp((s) => s.saliencyStage);
  const maxChannels = useApp((s) => s.maxChannels);
  if (!view) return <WaitingForResult />;
  return (
    <div
      className={current ? 'results' : 'results stale'}
      aria-busy={!current}
      data-testid="result"
      data-digit-index={view.digitIndex}
      data-variant={view.variant}
      data-start={view.start}
      data-current={current}
      data-input={view.custom ? 'custom' : 'test'}
      data-custom-id={view.custom?.id}
      data-custom-kind={view.custom?.kind}
      data-clutter={view.clutter.kind}
      data-clutter-amount={view.clutter.amount}
      data-clutter-seed={view.clutter.seed}
    >
      {/* The panel's own heading, for the outline of headings that screen readers navigate by
          (its sections are h3s and must not follow the page's h1 directly). It is not shown:
          the selected tab, or the lecture bar, already names the panel. */}
      <h2 className="visually-hidden">Overview: {inputName(view)}</h2>
      <DigitView view={view} />
      <p className="dim claim">
        With templates that have negative entries (random and ordinarily trained ones do), the bottom-up pass is the discriminative relaxation
        of the DRMM, not exact MAP inference of the nonnegative model; the backtrace follows exactly the switches that pass saved.
      </p>
      {view.spec.levels.map((_, i) => (
        <LevelPanel key={i} view={view} index={i} featureStage={featureStage} saliencyStage={saliencyStage} maxChannels={maxChannels} />
      ))}
    </div>
  );
}

/** Shown by every panel that needs an inference result before the first one arrives. */
export function WaitingForResult() {
  return (
    <p className="placeholder" role="status">
      Waiting for the test digits and the engine…
    </p>
  );
}
