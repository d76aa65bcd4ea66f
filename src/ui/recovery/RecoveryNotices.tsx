/** The recovery slice's notices, under the backend notice: what the app did by itself and what it means. */
import { useApp } from '../store';

export function RecoveryNotices() {
  const notices = useApp((s) => s.recovery.notices);
  const dismiss = useApp((s) => s.dismissRecovery);
  if (!notices.length) return null;
  return (
    <>
      {notices.map((n) => (
        <p
          key={n.topic}
          className={`notice ${n.kind === 'info' ? 'ok' : n.kind}`}
          role={n.kind === 'error' ? 'alert' : 'status'}
          data-testid="recovery-notice"
          data-topic={n.topic}
          data-kind={n.kind}
          data-count={n.count}
        >
          {n.text}
          {n.count > 1 ? ` (${n.count} times)` : ''}{' '}
          <button type="button" className="link" onClick={() => dismiss(n.topic)} aria-label={`Dismiss: ${n.text.slice(0, 60)}`}>
            Dismiss
          </button>
        </p>
      ))}
    </>
  );
}
