/**
 * The top bar (one row): the app's name, which model the panels show, the settings drawer, and the
 * presentation tools (lecture mode, a link to this view, the tour). Under it, one line of status:
 * where inference runs, the model, the data, and any problem, each a short chip whose full text is
 * one click away; problems stay until dismissed or fixed, the rest is quiet.
 */
import { HeaderTools } from '../lecture/HeaderTools';
import { OfflineNotice } from '../offline/OfflineNotice';
import { BackendNotice, DataNotice, InferNotice, ModelNotice } from '../Notices';
import { PartBoundary } from '../panels/PanelBoundary';
import { LinkNotice } from '../url/UrlSync';
import { ModelPicker } from './ModelPicker';
import { SettingsButton } from './SettingsDrawer';

export function TopBar() {
  return (
    <header className="top-bar">
      <h1>DRMM Explainer</h1>
      <PartBoundary what="The model picker">
        <ModelPicker />
        <SettingsButton />
      </PartBoundary>
      <PartBoundary what="The header tools">
        <HeaderTools />
      </PartBoundary>
    </header>
  );
}

export function StatusLine() {
  return (
    <section className="status-line" aria-label="Status">
      <PartBoundary what="The notices">
        <BackendNotice />
        <ModelNotice />
        <DataNotice />
        <OfflineNotice />
        <LinkNotice />
        <InferNotice />
      </PartBoundary>
    </section>
  );
}
