/**
 * Recognising a full browser storage. Browsers report it as a DOMException named
 * QuotaExceededError, either thrown by a request or as the error of the aborted transaction
 * (Firefox has also used NS_ERROR_DOM_QUOTA_REACHED), so callers test the name, not the type.
 */

const QUOTA_NAMES = new Set(['QuotaExceededError', 'NS_ERROR_DOM_QUOTA_REACHED']);

export function isQuotaError(e: unknown): boolean {
  if (!e || typeof e !== 'object') return false;
  const err = e as { name?: unknown; cause?: unknown };
  return (typeof err.name === 'string' && QUOTA_NAMES.has(err.name)) || (err.cause !== undefined && err.cause !== e && isQuotaError(err.cause));
}

/** A full storage, after the caller has already pruned what it may: the message says what to do. */
export class StorageFullError extends Error {
  constructor(what: string, cause: unknown) {
    super(
      `${what}: this browser's storage for the app is full (QuotaExceededError). Older autosaves were pruned, saved models were kept. ` +
        'Export and delete saved models you no longer need, or free space in the browser, then try again.',
      { cause },
    );
    this.name = 'StorageFullError';
  }
}

/** "12.3 MB of 1.2 GB", or null where the browser does not say (navigator.storage.estimate). */
export async function storageEstimate(): Promise<{ usage: number; quota: number } | null> {
  const s = typeof navigator !== 'undefined' ? (navigator as Navigator & { storage?: StorageManager }).storage : undefined;
  if (!s?.estimate) return null;
  try {
    const e = await s.estimate();
    return typeof e.usage === 'number' && typeof e.quota === 'number' ? { usage: e.usage, quota: e.quota } : null;
  } catch {
    return null;
  }
}

/**
 * Asks the browser to keep this origin's storage under pressure (it may evict "best effort"
 * storage of sites not visited lately). Resolves whether it is persistent; never throws.
 */
export async function askPersistence(): Promise<boolean> {
  const s = typeof navigator !== 'undefined' ? (navigator as Navigator & { storage?: StorageManager }).storage : undefined;
  try {
    if (!s?.persist) return false;
    if (s.persisted && (await s.persisted())) return true;
    return await s.persist();
  } catch {
    return false;
  }
}
