/**
 * The store's `deviceKernels` slice: which kernel variants the inference engines run for each
 * model's shapes on this adapter, where that choice came from, and the state of a timing run the
 * user asked for, as plain data (the GPU device, the engines and the tuner live in the engine
 * host and pageKernels.ts, never in the store).
 *
 * Timing states: idle (never asked this session), running (queued or timing), done (the last
 * run's wall time and the slots it rebuilt), error (what went wrong; nothing was changed).
 */
import type { StateCreator } from 'zustand';
import type { AppState } from '../store';
import type { DeviceKernels } from './kernelChoice';

export interface KernelTimingState {
  status: 'idle' | 'running' | 'done' | 'error';
  /** Date.now() when the run was asked for (running). */
  startedAt: number | null;
  /** Wall time of the last run, queue wait included (done), ms. */
  ms: number | null;
  /** The error's text (error). */
  message: string | null;
}

export interface DeviceKernelsState {
  /** By shapeKey(spec): the choice last decided for a model of those shapes. */
  bySpec: Record<string, DeviceKernels>;
  timing: KernelTimingState;
}

export interface DeviceKernelsSlice {
  deviceKernels: DeviceKernelsState;
  setDeviceKernels(d: DeviceKernels): void;
  setKernelTiming(t: KernelTimingState): void;
}

export const IDLE_TIMING: KernelTimingState = { status: 'idle', startedAt: null, ms: null, message: null };

export const createDeviceKernelsSlice: StateCreator<AppState, [], [], DeviceKernelsSlice> = (set) => ({
  deviceKernels: { bySpec: {}, timing: IDLE_TIMING },
  setDeviceKernels: (d) => set((s) => ({ deviceKernels: { ...s.deviceKernels, bySpec: { ...s.deviceKernels.bySpec, [d.shapes]: d } } })),
  setKernelTiming: (timing) => set((s) => ({ deviceKernels: { ...s.deviceKernels, timing } })),
});
