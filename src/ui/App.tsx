/**
 * The first screen: one MNIST test digit through the DRMM's inference DP (bottom-up max-sum,
 * top-down backtrace), with every level's maps and switches. State lives in store.ts; effects in
 * controller.ts; the device and engine in engineHost.ts.
 */
import { useEffect } from 'react';
import './app.css';
import { boot } from './controller';
import { DigitPicker } from './DigitPicker';
import { DigitView } from './DigitView';
import { LevelPanel } from './LevelPanel';
import { ModelControls } from './ModelControls';
import { BackendNotice, DataNotice, InferNotice, ModelNotice } from './Notices';
import { inferenceKey, useApp } from './store';
import { TrainingSection } from './train/TrainingPanel';
import { ViewControls } from './ViewControls';

export function App() {
  useEffect(() => boot(), []);
  return (
    <>
      <header className="top">
        <h1>DRMM Explainer</h1>
        <p className="lede">
          The Deep Rendering Mixture Model (Patel, Nguyen &amp; Baraniuk, NIPS 2016): a convnet's forward pass is a max-sum dynamic program
          over rendering switches, and the backtrace through the saved switches renders a class template back into an image.
        </p>
        <BackendNotice />
        <ModelNotice />
        <DataNotice />
      </header>
      <main>
        <div className="control-bar">
          <ModelControls />
          <DigitPicker />
          <ViewControls />
        </div>
        <InferNotice />
        <TrainingSection />
        <Results />
      </main>
    </>
  );
}

function Results() {
  const view = useApp((s) => s.result);
  const current = useApp((s) => s.result !== null && s.result.key === inferenceKey(s));
  const featureStage = useApp((s) => s.featureStage);
  const saliencyStage = useApp((s) => s.saliencyStage);
  const maxChannels = useApp((s) => s.maxChannels);
  if (!view) {
    return (
      <p className="placeholder" role="status">
        Waiting for the test digits and the engine…
      </p>
    );
  }
  return (
    <div
      className={current ? 'results' : 'results stale'}
      aria-busy={!current}
      data-testid="result"
      data-digit-index={view.digitIndex}
      data-variant={view.variant}
      data-start={view.start}
      data-current={current}
    >
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
