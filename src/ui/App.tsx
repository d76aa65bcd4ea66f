/**
 * The app: a top bar (the model shown, settings, presentation tools) with one line of status, the
 * first screen (the input, the picture of the DP, the prediction and the reconstruction, and the
 * story: shell/FirstScreen.tsx), and below it the deeper panels as tabs (panels/registry.tsx).
 * State lives in store.ts; effects in controller.ts; the device and engines in the engine host
 * (services.ts hands them down). Each part sits in an error boundary (panels/PanelBoundary.tsx): a
 * part that fails shows its error and a way out, and the rest of the app goes on.
 */
import { useEffect } from 'react';
import './app.css';
import './shell/shell.css';
import { installTestHooks } from './recovery/testHooks';
import { watchHiddenTab } from './recovery/hiddenTab';
import { useServices } from './services';
import { PanelBoundary, PartBoundary } from './panels/PanelBoundary';
import { PanelTabs } from './panels/PanelTabs';
import { PANELS } from './panels/registry';
import { useApp } from './store';
import { LectureMode } from './lecture/LectureMode';
import { UrlSync } from './url/UrlSync';
import { FirstScreen } from './shell/FirstScreen';
import { SettingsDrawer } from './shell/SettingsDrawer';
import { StatusLine, TopBar } from './shell/TopBar';
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
      <UrlSync />
      <TopBar />
      <StatusLine />
      <PartBoundary what="The settings">
        <SettingsDrawer />
      </PartBoundary>
      <main>
        <FirstScreen />
        <section className="deeper" aria-label="Deeper views">
          <PanelTabs />
          <section id={`panel-${panel}`} role="tabpanel" aria-labelledby={`tab-${panel}`} aria-label={title} className="panel" data-panel={panel}>
            <PanelBoundary panel={panel}>
              <Component />
            </PanelBoundary>
          </section>
        </section>
      </main>
      <PartBoundary what="Lecture mode">
        <LectureMode />
      </PartBoundary>
    </>
  );
}
