/**
 * The store's `recovery` slice: what the app tells the user about recovering by itself (a lost
 * GPU device replaced, GPU errors, training while the tab was hidden). Plain data only; the
 * devices and the recovery logic live in engineHost.ts, train/session.ts and recovery/*.ts.
 */
import type { StateCreator } from 'zustand';
import type { AppState } from '../store';

export interface RecoveryNotice {
  /** What it is about: a notice replaces an earlier one with the same topic. */
  topic: 'device' | 'gpu-error' | 'training-device' | 'hidden';
  kind: 'info' | 'warn' | 'error';
  text: string;
  /** How many times it happened (GPU errors are counted, not repeated). */
  count: number;
}

export interface RecoverySlice {
  recovery: { notices: RecoveryNotice[] };
  /** Shows a notice, replacing the one on the same topic; `counted` adds to its count instead. */
  reportRecovery(n: Omit<RecoveryNotice, 'count'>, counted?: boolean): void;
  dismissRecovery(topic: RecoveryNotice['topic']): void;
}

export const createRecoverySlice: StateCreator<AppState, [], [], RecoverySlice> = (set) => ({
  recovery: { notices: [] },
  reportRecovery: (n, counted = false) =>
    set((s) => {
      const old = s.recovery.notices.find((x) => x.topic === n.topic);
      const count = counted && old ? old.count + 1 : 1;
      const next = { ...n, text: counted && old ? old.text : n.text, count };
      return { recovery: { notices: [...s.recovery.notices.filter((x) => x.topic !== n.topic), next] } };
    }),
  dismissRecovery: (topic) => set((s) => ({ recovery: { notices: s.recovery.notices.filter((x) => x.topic !== topic) } })),
});
