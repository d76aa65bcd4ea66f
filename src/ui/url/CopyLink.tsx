/**
 * "Copy link": the URL of the current view (url/state.ts) to the clipboard. Where the clipboard is
 * refused (no permission, an insecure context), the link is shown selected in a read-only field
 * so it can be copied by hand.
 */
import { useRef, useState } from 'react';
import { currentLink } from './UrlSync';

export function CopyLink() {
  const [status, setStatus] = useState<{ ok: boolean; link: string } | null>(null);
  const field = useRef<HTMLInputElement>(null);

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
            Link copied.
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
