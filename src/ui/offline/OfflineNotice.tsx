/**
 * The service worker's two messages worth interrupting for: a new version is ready (reload to use
 * it), or the app could not be saved for offline use. Installing and ready stay quiet.
 */
import { useApp } from '../store';
import { applyUpdate } from './register';

export function OfflineNotice() {
  const offline = useApp((s) => s.offline);
  const setOffline = useApp((s) => s.setOffline);
  if (offline.status === 'update-ready') {
    return (
      <p className="notice ok" role="status" data-testid="update-notice">
        A new version is available —{' '}
        <button type="button" className="link" onClick={applyUpdate}>
          reload
        </button>
      </p>
    );
  }
  if (offline.status === 'error') {
    return (
      <p className="notice warn" role="status" data-testid="offline-error">
        Could not save the app for offline use: {offline.message}. It still works online.{' '}
        <button type="button" className="link" onClick={() => setOffline({ status: 'off', message: null })}>
          Dismiss
        </button>
      </p>
    );
  }
  return null;
}
