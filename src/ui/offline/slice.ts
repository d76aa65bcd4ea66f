/**
 * The store's `offline` slice: what the service worker reported, as plain data (the
 * registration itself lives in register.ts, outside the store).
 *
 * off: not registered (dev server, tests); unsupported: no service worker here (not a secure
 * context, or the browser has none); installing: saving the app for offline use;
 * ready: this version works offline; update-ready: a newer version is saved and waits for a reload;
 * error: saving failed (message says why), the app still works online.
 */
import type { StateCreator } from 'zustand';
import type { AppState } from '../store';

export type OfflineStatus = 'off' | 'unsupported' | 'installing' | 'ready' | 'update-ready' | 'error';

export interface OfflineState {
  status: OfflineStatus;
  message: string | null;
  /** Bytes saved for offline use by the version in use, once known. */
  bytes: number | null;
}

export interface OfflineSlice {
  offline: OfflineState;
  setOffline(patch: Partial<OfflineState>): void;
}

export const createOfflineSlice: StateCreator<AppState, [], [], OfflineSlice> = (set) => ({
  offline: { status: 'off', message: null, bytes: null },
  setOffline: (patch) => set((s) => ({ offline: { ...s.offline, ...patch } })),
});
