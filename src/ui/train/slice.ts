/**
 * The store's `training` slice: plain data about in-page training (settings, progress, metrics,
 * every level's templates, the resume offer, earlier runs for the overlay). The GPU objects and
 * the loop live in session.ts; this only records what it reports. All of it sits under one key,
 * `training`, so it cannot clash with the other slices.
 */
import type { StateCreator } from 'zustand';
import type { PresetName } from '../../engine';
import type { TrainMode } from '../../engine/train';
import type { AppState } from '../store';
import type { AutosaveList } from './autosave';
import { CR_MARGIN, defaultWeights } from '../../engine/train';
import { emptyMetrics, type MetricsState, type SpeedFit, type StepSample } from './logic';
import type { PastRun } from './runs';

/**
 * Every loss weight of the objective (docs/TRAINING.md):
 *   L = CE + a_rc RC + a_kl (H(p) - log C) + a_nn NN + a_bal KL(pbar || u) + a_cr CR.
 * The engine's LossWeights leaves bal and cr optional (absent: 0); the page always holds all five.
 */
export interface PageWeights {
  rc: number;
  kl: number;
  nn: number;
  bal: number;
  cr: number;
}

/** A mode's default weights (the CLI's), the class-balance and contrastive terms off. */
export function pageWeights(mode: TrainMode): PageWeights {
  const w = defaultWeights(mode);
  return { rc: w.rc, kl: w.kl, nn: w.nn, bal: w.bal ?? 0, cr: w.cr ?? 0 };
}

export interface TrainingSettings {
  preset: PresetName;
  mode: TrainMode;
  /** N_L for semi-supervised training. */
  labelled: number;
  seed: number;
  lr: number;
  /** 'auto': the batch chosen from the measured speed. */
  batch: number | 'auto';
  /** The loss weights a_rc, a_kl, a_nn, a_bal, a_cr (RunConfig.weights, every one present). */
  weights: PageWeights;
  /** The contrastive rendering term's margin m (RunConfig.crMargin; used where weights.cr > 0). */
  crMargin: number;
  /** Training stops (and evaluates) after this many epochs. */
  epochs: number;
  /** Copy the weights into the inference engine every few seconds, so the panels above follow training. */
  liveSync: boolean;
}

/**
 * idle: nothing measured yet; measuring: timing a few steps; ready: measured, no run yet;
 * running / pausing: the loop is on / stops after the current step; paused: a run exists and
 * waits; busy: a one-off operation (a step, an evaluation, saving, loading); unavailable: no WebGPU.
 */
export type TrainingStatus = 'idle' | 'measuring' | 'ready' | 'running' | 'pausing' | 'paused' | 'busy' | 'unavailable';

export interface TrainingProgress {
  /** Completed epochs, steps inside the current one, steps in all. */
  epoch: number;
  stepInEpoch: number;
  step: number;
  stepsPerEpoch: number;
  batch: number;
}

export interface SpeedReport {
  adapter: string;
  samples: StepSample[];
  fit: SpeedFit;
  /** The batch chosen from the fit (one phase within about 100 ms). */
  autoBatch: number;
  /** For the batch in use: */
  batch: number;
  stepMs: number;
  splitPhases: boolean;
  epochSeconds: number;
  /** ms a step as seen by the running loop (submits, waits and yields included), and at which batch. */
  observedStepMs: number | null;
  observedBatch: number | null;
}

/** One level's templates W(l): channels x cin x k x k. */
export interface LevelTemplates {
  data: Float32Array;
  channels: number;
  cin: number;
  k: number;
}

export interface TemplateImage extends LevelTemplates {
  /** The fields above are level 1's; `levels` holds every level's (levels[0] is level 1). */
  levels: LevelTemplates[];
  step: number;
}

/**
 * The resume offer: every autosaved run (model, mode, seed, step, when; whether another tab trains
 * it) and every stored record that failed its check, named with the reason (autosave.ts: list).
 * `error`: why the list could not be read, or why the last discard failed.
 */
export interface ResumeOffer extends AutosaveList {
  error: string | null;
}

export interface TrainingNotice {
  kind: 'info' | 'warn' | 'error';
  text: string;
}

export interface TrainingState {
  open: boolean;
  status: TrainingStatus;
  /** What a 'busy' status is doing. */
  busyWhat: string | null;
  settings: TrainingSettings;
  /** Null until a run exists. */
  progress: TrainingProgress | null;
  speed: SpeedReport | null;
  metrics: MetricsState;
  eta: { epochSeconds: number; runSeconds: number } | null;
  evalProgress: { done: number; count: number } | null;
  templates: TemplateImage | null;
  /** Null until the autosaves have been read. */
  resumeOffer: ResumeOffer | null;
  lastSaved: { step: number; epoch: number; stepInEpoch: number; at: number; where: 'autosave' | 'file' } | null;
  /** Bumped whenever the weights are copied into the inference engine. */
  liveVersion: number;
  notice: TrainingNotice | null;
  /** Earlier runs of this page session and loaded CLI logs, for the dashboard's accuracy overlay. */
  runs: PastRun[];
}

export interface TrainingSlice {
  training: TrainingState;
  patchTraining(p: Partial<TrainingState> | ((t: TrainingState) => Partial<TrainingState>)): void;
  setTrainingSettings(p: Partial<TrainingSettings>): void;
}

export const DEFAULT_TRAINING_SETTINGS: TrainingSettings = {
  preset: 'drmm-compact',
  mode: 'supervised',
  labelled: 100,
  seed: 1,
  lr: 1e-3,
  batch: 'auto',
  weights: pageWeights('supervised'),
  crMargin: CR_MARGIN,
  epochs: 1,
  liveSync: true,
};

export function initialTraining(): TrainingState {
  return {
    open: false,
    status: 'idle',
    busyWhat: null,
    settings: { ...DEFAULT_TRAINING_SETTINGS, weights: { ...DEFAULT_TRAINING_SETTINGS.weights } },
    progress: null,
    speed: null,
    metrics: emptyMetrics(),
    eta: null,
    evalProgress: null,
    templates: null,
    resumeOffer: null,
    lastSaved: null,
    liveVersion: 0,
    notice: null,
    runs: [],
  };
}

/** Settings after a change: a new mode brings that mode's default loss weights unless weights are given too. */
export function nextSettings(s: TrainingSettings, p: Partial<TrainingSettings>): TrainingSettings {
  const next = { ...s, ...p, weights: { ...s.weights, ...p.weights } };
  if (p.mode && p.mode !== s.mode && !p.weights) next.weights = pageWeights(p.mode);
  return next;
}

export const createTrainingSlice: StateCreator<AppState, [], [], TrainingSlice> = (set) => ({
  training: initialTraining(),
  patchTraining: (p) => set((s) => ({ training: { ...s.training, ...(typeof p === 'function' ? p(s.training) : p) } })),
  setTrainingSettings: (p) => set((s) => ({ training: { ...s.training, settings: nextSettings(s.training.settings, p) } })),
});
