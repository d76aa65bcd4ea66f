/**
 * The store's stepper slice: the step of the DP the stepper shows. Only the index lives here (the
 * URL serialises it); it is kept as set (a nonnegative integer) and clamped to the current
 * architecture's steps where it is read, so an index set before its model arrives is not lost.
 */
import type { StateCreator } from 'zustand';
import type { AppState } from '../store';

export interface StepperSlice {
  stepIndex: number;
  setStepIndex(i: number): void;
}

export const createStepperSlice: StateCreator<AppState, [], [], StepperSlice> = (set) => ({
  stepIndex: 0,
  setStepIndex: (i) => set({ stepIndex: Number.isFinite(i) && i > 0 ? Math.trunc(i) : 0 }),
});
