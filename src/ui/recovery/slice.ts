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

/**
 * Training without WebGPU (cpuTrainHost.ts): preparing: copying the subset to the worker;
 * measuring: timing steps; ready: measured; running / pausing / paused; error (message says why).
 */
export interface CpuTrainState {
  status: 'idle' | 'preparing' | 'measuring' | 'ready' | 'running' | 'pausing' | 'paused' | 'error';
  subset: number;
  batch: number;
  stepsPerEpoch: number;
  /** Measured ms a step (the second of two on a copy of the model, after warm-up); then the running mean. */
  stepMs: number | null;
  step: number;
  epoch: number;
  stepInEpoch: number;
  /** Epochs of the subset to train for (Start trains up to the end of the next one). */
  untilStep: number;
  loss: { total: number; ce: number; rc: number; nn: number } | null;
  /** Test accuracy on the first CPU_TEST test digits, after each epoch of the subset. */
  accuracy: { value: number; step: number; count: number } | null;
  message: string | null;
}

export const initialCpuTrain = (): CpuTrainState => ({
  status: 'idle', subset: 0, batch: 0, stepsPerEpoch: 0, stepMs: null, step: 0, epoch: 0, stepInEpoch: 0, untilStep: 0, loss: null, accuracy: null, message: null,
});

export interface RecoverySlice {
  recovery: { notices: RecoveryNotice[] };
  cpuTrain: CpuTrainState;
  patchCpuTrain(p: Partial<CpuTrainState>): void;
  /** Shows a notice, replacing the one on the same topic; `counted` adds to its count instead. */
  reportRecovery(n: Omit<RecoveryNotice, 'count'>, counted?: boolean): void;
  dismissRecovery(topic: RecoveryNotice['topic']): void;
}

export const createRecoverySlice: StateCreator<AppState, [], [], RecoverySlice> = (set) => ({
  recovery: { notices: [] },
  cpuTrain: initialCpuTrain(),
  patchCpuTrain: (p) => set((s) => ({ cpuTrain: { ...s.cpuTrain, ...p } })),
  reportRecovery: (n, counted = false) =>
    set((s) => {
      const old = s.recovery.notices.find((x) => x.topic === n.topic);
      const count = counted && old ? old.count + 1 : 1;
      const next = { ...n, text: counted && old ? old.text : n.text, count };
      return { recovery: { notices: [...s.recovery.notices.filter((x) => x.topic !== n.topic), next] } };
    }),
  dismissRecovery: (topic) => set((s) => ({ recovery: { notices: s.recovery.notices.filter((x) => x.topic !== topic) } })),
});
