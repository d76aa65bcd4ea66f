/**
 * The panel tabs, as a WAI-ARIA tab list: one tab stop, arrow keys and Home/End move between
 * tabs (the focused tab is shown at once, the "automatic activation" pattern).
 */
import { useRef, type KeyboardEvent } from 'react';
import { PANEL_IDS, useApp, type PanelId } from '../store';
import { PANELS } from './registry';

export function PanelTabs() {
  const panel = useApp((s) => s.panel);
  const setPanel = useApp((s) => s.setPanel);
  const refs = useRef(new Map<PanelId, HTMLButtonElement>());

  const go = (id: PanelId) => {
    setPanel(id);
    refs.current.get(id)?.focus();
  };
  const onKeyDown = (e: KeyboardEvent) => {
    const i = PANEL_IDS.indexOf(panel);
    const n = PANEL_IDS.length;
    const next =
      e.key === 'ArrowRight' ? PANEL_IDS[(i + 1) % n] :
      e.key === 'ArrowLeft' ? PANEL_IDS[(i + n - 1) % n] :
      e.key === 'Home' ? PANEL_IDS[0] :
      e.key === 'End' ? PANEL_IDS[n - 1] : null;
    if (!next) return;
    e.preventDefault();
    go(next);
  };

  return (
    <nav className="panel-tabs" aria-label="Panels">
      <div role="tablist" aria-label="Panels" onKeyDown={onKeyDown}>
        {PANEL_IDS.map((id) => (
          <button
            key={id}
            ref={(el) => {
              if (el) refs.current.set(id, el);
              else refs.current.delete(id);
            }}
            type="button"
            role="tab"
            id={`tab-${id}`}
            aria-selected={id === panel}
            aria-controls={`panel-${id}`}
            tabIndex={id === panel ? 0 : -1}
            title={PANELS[id].purpose}
            data-testid={`tab-${id}`}
            onClick={() => setPanel(id)}
          >
            {PANELS[id].title}
          </button>
        ))}
      </div>
    </nav>
  );
}
