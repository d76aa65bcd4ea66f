/**
 * "Copy link": the URL of the current view (url/state.ts) to the clipboard. Where the clipboard is
 * refused (no permission, an insecure context), the link is shown selected in a read-only field
 * so it can be copied by hand. Weights trained in this page cannot travel in a link (state.ts):
 * then the status says the link opens with the app's starting model.
 */
import { useRef, useState } from 'react';
import { useApp } from '../store';
import { modelOf } from './state';
import { currentLink } from './UrlSync';

export function CopyLink() {
  const [status, setStatus] = useState<{ ok: boolean; link: string } | null>(null);
  const field = useRef<HTMLInputElement>(null);
  const pageModel = useApp((s) => modelOf(s)?.kind === 'page');

  const copy = async () => {
    const link = currentLink();
    try {
      if (!navigator.clipboard) throw new Error('no clipboard');
      await navigator.clipboard.writeText(link);
      setStatus({ ok: true, link });
    } catch {
      setStatus({ ok: false, link });
      requestAnimationFrame(() => field.current?.select());
    }
  };

  return (
    <span className="copy-link">
      <button type="button" onClick={() => void copy()} data-testid="copy-link" title="Copy a link to exactly this view: model, digit, clutter, panel, variant">
        Copy link
      </button>
      <span role="status" className="copy-link-status">
        {status?.ok && (
          <span data-testid="copy-link-done" data-link={status.link}>
            Link copied.{pageModel && ' It does not hold the weights trained in this page: it opens with the app’s starting model (save them as a file or in the saved models to keep them).'}
          </span>
        )}
      </span>
      {status && !status.ok && (
        <label className="copy-link-manual">
          The browser refused the clipboard; copy the link from here:
          <input ref={field} type="text" readOnly value={status.link} data-testid="copy-link-field" onFocus={(e) => e.target.select()} />
        </label>
      )}
    </span>
  );
}
