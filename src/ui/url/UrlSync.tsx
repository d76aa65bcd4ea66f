/**
 * Mounts the URL sync (sync.ts) for the app's store, and LinkNotice shows what a link held that
 * was ignored. The notice is plain React text: a value from the URL is never markup. UrlSync
 * renders nothing; mount it before the components whose first effects read linked state (the tour
 * asks whether the link opens lecture mode), since React runs sibling effects in order.
 */
import { useEffect } from 'react';
import { focusTerm } from '../about/focusTerm';
import { useServices } from '../services';
import { useApp } from '../store';
import { startUrlSync, type UrlSync as Sync } from './sync';

let active: Sync | null = null;

/** The link to the current view (what "Copy link" copies), without waiting for the throttled URL update. */
export function currentLink(): string {
  const { origin, pathname, search } = window.location;
  const hash = active ? active.hash() : window.location.hash.replace(/^#/, '');
  return `${origin}${pathname}${search}${hash ? `#${hash}` : ''}`;
}

export function UrlSync() {
  const { store, controller } = useServices();
  useEffect(() => {
    const sync = startUrlSync({
      store,
      host: window,
      choosePreset: (name, seed) => controller.choosePreset(name, seed),
      loadShipped: async (fileName) => {
        const m = store.getState().shippedModels.find((x) => x.file === fileName);
        return m ? controller.loadShippedModel(m) : null;
      },
      showTerm: focusTerm,
    });
    active = sync;
    return () => {
      sync.stop();
      if (active === sync) active = null;
    };
  }, []);
  return null;
}

export function LinkNotice() {
  const lines = useApp((s) => s.linkNotice);
  const setLinkNotice = useApp((s) => s.setLinkNotice);
  if (lines.length === 0) return null;
  return (
    <div className="notice warn link-notice" role="status" data-testid="link-notice">
      <p>Parts of this link could not be used and were ignored:</p>
      <ul>
        {lines.map((line, i) => (
          <li key={i}>{line}</li>
        ))}
      </ul>
      <button type="button" className="link" onClick={() => setLinkNotice([])}>
        Dismiss
      </button>
    </div>
  );
}
