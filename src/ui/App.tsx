/**
 * The app: a header with the backend, model and data notices, the input and view controls, a tab
 * bar of panels (panels/registry.tsx) and the panel shown. State lives in store.ts; effects in
 * controller.ts; the device and engines in the engine host (services.ts hands them down). Each panel, the header's notices, the
 * controls and lecture mode sit in error boundaries (panels/PanelBoundary.tsx): a part that fails
 * shows its error and a way out, and the rest of the app goes on.
 */
import { useEffect } from 'react';
import './app.css';
import { installTestHooks } from './recovery/testHooks';
import { watchHiddenTab } from './recovery/hiddenTab';
import { useServices } from './services';
import { InputControls } from './input/InputControls';
import { ModelControls } from './ModelControls';
import { OfflineNotice } from './offline/OfflineNotice';
import { BackendNotice, DataNotice, InferNotice, ModelNotice } from './Notices';
import { PanelBoundary, PartBoundary } from './panels/PanelBoundary';
import { PanelTabs } from './panels/PanelTabs';
import { PANELS } from './panels/registry';
import { useApp } from './store';
import { ViewControls } from './ViewControls';
import { HeaderTools } from './lecture/HeaderTools';
import { LectureMode } from './lecture/LectureMode';
import { LinkNotice, UrlSync } from './url/UrlSync';
// Last, after every component's styles: touch-screen target sizes (a floor under all of them).
import './touch.css';

export function App() {
  const services = useServices();
  useEffect(() => {
    const stop = services.controller.boot();
    installTestHooks(services.engines, services.training);
    watchHiddenTab(services.store);
    return stop;
  }, [services]);
  const panel = useApp((s) => s.panel);
  const { Component, title } = PANELS[panel];
  return (
    <>
      <header className="top">
        <UrlSync />
        <h1>DRMM Explainer</h1>
        <PartBoundary what="The header tools">
          <HeaderTools />
        </PartBoundary>
        <p className="lede">
          The Deep Rendering Mixture Model (Patel, Nguyen &amp; Baraniuk, NIPS 2016): a convnet's forward pass is a max-sum dynamic program
          over rendering switches, and the backtrace through the saved switches renders a class template back into an image.
        </p>
        <PartBoundary what="The notices">
          <BackendNotice />
          <ModelNotice />
          <DataNotice />
          <OfflineNotice />
          <LinkNotice />
        </PartBoundary>
      </header>
      <main>
        <PartBoundary what="The controls">
          <div className="control-bar">
            <ModelControls />
            <InputControls />
            <ViewControls />
          </div>
          <InferNotice />
        </PartBoundary>
        <PanelTabs />
        <section id={`panel-${panel}`} role="tabpanel" aria-labelledby={`tab-${panel}`} aria-label={title} className="panel" data-panel={panel}>
          <PanelBoundary panel={panel}>
            <Component />
          </PanelBoundary>
        </section>
      </main>
      <PartBoundary what="Lecture mode">
        <LectureMode />
      </PartBoundary>
    </>
  );
}
