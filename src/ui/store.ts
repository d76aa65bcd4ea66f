/**
 * The app's one zustand store, made of four typed slices:
 *
 * - data: the MNIST splits' loading state (and the decoded test split, plain bytes);
 * - model: the compute backend in use, the architecture, its parameters and where they came from;
 * - view: which digit, which backtrace variant and start, and the last inference result;
 * - ui: display choices that change no computation;
 * - training: in-page training's settings, progress and metrics (train/slice.ts);
 * - picture: the first screen's picture of the DP: expanded level, hover, animation, story (picture/slice.ts);
 * - deviceKernels: the kernel variants the inference engines run on this adapter (device/slice.ts).
 *
 * Only plain data lives here: no GPUDevice, no engine, no DOM node (engineHost.ts holds those).
 * Actions are plain setters and pure reducers; effects (fetching, the GPU) live in controller.ts.
 */
import { createStore, useStore, type StateCreator } from 'zustand';
import { PRESETS, initParams, type InferResult, type ModelParams, type ModelSpec, type PresetName, type Variant } from '../engine';
import type { MnistSplit, SplitName } from '../data/mnistLoader';
import { createTrainingSlice, type TrainingSlice } from './train/slice';
import { createStepperSlice, type StepperSlice } from './stepper/slice';
import { createOfflineSlice, type OfflineSlice } from './offline/slice';
import { createRecoverySlice, type RecoverySlice } from './recovery/slice';
import { createPictureSlice, type PictureSlice } from './picture/slice';
import { createDeviceKernelsSlice, type DeviceKernelsSlice } from './device/slice';

// ---------------------------------------------------------------------------------------------
// data

export type LoadState = 'waiting' | 'loading' | 'ready' | 'error';

export interface SplitStatus {
  state: LoadState;
  loaded: number;
  /** Bytes expected; 0 while unknown. */
  total: number;
  /** Number of digits once decoded. */
  count: number;
  error: string | null;
}

/** The installed model's classification of every test digit (controller.classifyTestSet). */
export interface TestPredictions {
  /** The model version these answer; stale once the store's modelVersion moves on. */
  modelVersion: number;
  /** How many test digits are classified so far (all of them when done). */
  done: number;
  count: number;
  /** argmax_c p(c | I) per digit (-1 where not yet classified). */
  pred: Int32Array;
  /** p(c | I) per digit, [count, classes]. */
  probs: Float32Array;
  classes: number;
}

export interface DataSlice {
  splits: Record<SplitName, SplitStatus>;
  testPredictions: TestPredictions | null;
  setTestPredictions(p: TestPredictions | null): void;
  /** The decoded test split: inference starts as soon as it is here. */
  test: MnistSplit | null;
  /** The decoded training split (for training, later). */
  train: MnistSplit | null;
  setSplitProgress(split: SplitName, loaded: number, total: number): void;
  setSplitReady(split: SplitName, data: MnistSplit): void;
  setSplitError(split: SplitName, message: string): void;
  resetSplits(): void;
}

export const initialSplit = (): SplitStatus => ({ state: 'waiting', loaded: 0, total: 0, count: 0, error: null });

// ---------------------------------------------------------------------------------------------
// model

/** Where inference runs. 'pending' until the device request settles. */
export type Backend =
  | { kind: 'pending' }
  | { kind: 'webgpu'; adapter: string }
  | { kind: 'cpu'; reason: string }
  | { kind: 'lost'; adapter: string; message: string };

export type ModelSource =
  | { kind: 'random'; seed: number }
  | { kind: 'file'; fileName: string; preset: string | null; trained: boolean; summary: string; shipped?: boolean }
  /** Weights being trained in this page (on the GPU or, without WebGPU, the CPU): they exist only here. */
  | { kind: 'training'; on: 'webgpu' | 'cpu'; summary: string };

/**
 * The models the page holds at once, each in its own slot of the engine host: the model loaded or
 * chosen (pretrained, a file, random weights), and the run being trained. The user picks which
 * one the panels show; training never replaces the other.
 */
export const MODEL_SLOTS = ['pretrained', 'training'] as const;
export type ModelSlot = (typeof MODEL_SLOTS)[number];

/** A pretrained model shipped with the app (public/models/index.json). */
export interface ShippedModel {
  /** File name under models/. */
  file: string;
  preset: PresetName;
  /** How it was trained, in a few words (mode, epochs). */
  title: string;
  /** Test error over the 10,000 test digits, as `npm run eval` reports it (0..1). */
  testError: number;
}

export type EngineState = 'none' | 'creating' | 'ready';

export interface ModelSlice {
  backend: Backend;
  /** The preset the architecture came from; null for a file whose architecture is no preset. */
  presetName: PresetName | null;
  spec: ModelSpec;
  params: ModelParams;
  source: ModelSource;
  /** Bumped by every installed model; inference results carry the version they were computed with. */
  modelVersion: number;
  engineState: EngineState;
  /** Which engine the installed model runs on, and why when it differs from the device. */
  engineBackend: 'webgpu' | 'cpu' | null;
  engineNote: string | null;
  /** The last failed model change (the model in use is kept). */
  modelError: string | null;
  /** The pretrained models this deployment ships (empty when none or not yet known). */
  shippedModels: ShippedModel[];
  /** Every slot's model; the fields above are the shown slot's. */
  slots: Partial<Record<ModelSlot, InstalledModel>>;
  shownSlot: ModelSlot;
  setShippedModels(m: ShippedModel[]): void;
  setBackend(b: Backend): void;
  setEngineCreating(): void;
  /** A model into a slot (the pretrained one by default); the panels follow when it is the shown slot. */
  installModel(m: InstalledModel, slot?: ModelSlot): void;
  /** The panels show this slot's model (ignored while the slot is empty). */
  showSlot(slot: ModelSlot): void;
  /** Forgets a slot's model; the panels go back to the pretrained model if it was shown. */
  clearSlot(slot: ModelSlot): void;
  setModelError(message: string | null): void;
}

export interface InstalledModel {
  presetName: PresetName | null;
  spec: ModelSpec;
  params: ModelParams;
  source: ModelSource;
  modelVersion: number;
  engineBackend: 'webgpu' | 'cpu';
  engineNote: string | null;
}

export const DEFAULT_PRESET: PresetName = 'drmm-compact';
export const DEFAULT_SEED = 1;

// ---------------------------------------------------------------------------------------------
// view

export type StartChoice = 'predicted' | number;

/** An input that is not a test digit: a drawing or an uploaded image, already converted to 28x28. */
export interface CustomInput {
  /** Unique per input (a counter), so inference keys tell two drawings apart. */
  id: number;
  kind: 'drawing' | 'upload';
  /** What to call it ("Drawing", the file's name). */
  name: string;
  /** H x W intensities in [0, 1], MNIST's convention (ink is 1). */
  pixels: Float32Array;
}

/** Distractors added to the input (input/clutter.ts draws them; deterministic given the seed). */
export interface Clutter {
  kind: 'none' | 'noise' | 'fragments';
  /** 0..1: how much clutter. */
  amount: number;
  seed: number;
}

export const NO_CLUTTER: Clutter = { kind: 'none', amount: 0.3, seed: 1 };

/** A selected unit, for the stepper's card, the path view and unit saliency (1-based level). */
export interface UnitRef {
  level: number;
  stage: 'relu' | 'pool';
  channel: number;
  y: number;
  x: number;
}

export interface ViewResult {
  /** inferenceKey() of the request this answers. */
  key: string;
  spec: ModelSpec;
  digitIndex: number;
  /** The custom input shown instead of the test digit, or null. */
  custom: { id: number; kind: CustomInput['kind']; name: string } | null;
  clutter: Clutter;
  /** The test digit's label; -1 for a custom input (no label known). */
  label: number;
  /** What the model saw: the input with its clutter. */
  image: Float32Array;
  variant: Variant;
  start: StartChoice;
  /** The class the backtrace started from (the prediction, or the chosen class). */
  startClass: number;
  backend: 'webgpu' | 'cpu';
  ms: number;
  result: InferResult;
}

export interface ViewSlice {
  digitIndex: number;
  /** When set, the input is this drawing or upload rather than test digit digitIndex. */
  custom: CustomInput | null;
  clutter: Clutter;
  variant: Variant;
  start: StartChoice;
  /** The unit selected in a panel (null: none). */
  unit: UnitRef | null;
  result: ViewResult | null;
  inferError: string | null;
  /** Selecting a test digit also leaves any custom input. */
  setDigitIndex(i: number): void;
  setCustom(c: CustomInput | null): void;
  setClutter(c: Clutter): void;
  setUnit(u: UnitRef | null): void;
  stepDigit(delta: number): void;
  setVariant(v: Variant): void;
  setStart(s: StartChoice): void;
  setResult(r: ViewResult): void;
  setInferError(message: string | null): void;
}

// ---------------------------------------------------------------------------------------------
// ui

export type FeatureStage = 'u' | 'r';
export type SaliencyStage = 'su' | 'sr';

export interface UiSlice {
  panel: PanelId;
  /** Presentation layout: large type, one panel, controls hidden, keyboard-driven. */
  lecture: boolean;
  setPanel(p: PanelId): void;
  setLecture(on: boolean): void;
  /** What a link's state held that was ignored (url/state.ts), as plain-text lines; empty: nothing. */
  linkNotice: string[];
  setLinkNotice(lines: string[]): void;
  featureStage: FeatureStage;
  saliencyStage: SaliencyStage;
  /** Channels drawn per level and kind; 0 = all. */
  maxChannels: number;
  setFeatureStage(s: FeatureStage): void;
  setSaliencyStage(s: SaliencyStage): void;
  setMaxChannels(n: number): void;
}

export type AppState = DataSlice & ModelSlice & ViewSlice & UiSlice & TrainingSlice & StepperSlice & OfflineSlice & RecoverySlice & PictureSlice & DeviceKernelsSlice;

/** The app's panels, one shown at a time (panels.tsx renders them; the URL names one). */
export const PANEL_IDS = ['overview', 'stepper', 'paths', 'saliency', 'render', 'dashboard', 'about'] as const;
export type PanelId = (typeof PANEL_IDS)[number];

// ---------------------------------------------------------------------------------------------
// pure reducers

/** An index clamped into 0..count-1 (0 when there is nothing yet); non-integers are truncated. */
export function clampIndex(i: number, count: number): number {
  if (!Number.isFinite(i)) return 0;
  const max = Math.max(0, count - 1);
  return Math.min(max, Math.max(0, Math.trunc(i)));
}

/** The number of test digits an index may address: the loaded count, or MNIST's 10000 before. */
export function digitCount(s: Pick<DataSlice, 'test'>): number {
  return s.test ? s.test.count : 10000;
}

/** Identifies an inference request: a result is current when its key equals the state's. */
export function inferenceKey(s: Pick<AppState, 'modelVersion' | 'digitIndex' | 'variant' | 'start' | 'custom' | 'clutter'>): string {
  const input = s.custom ? `i${s.custom.id}` : `d${s.digitIndex}`;
  const c = s.clutter.kind === 'none' ? 'c0' : `c${s.clutter.kind}:${s.clutter.amount}:${s.clutter.seed}`;
  return `m${s.modelVersion}|${input}|${c}|${s.variant}|${s.start}`;
}

/** The start class stays valid when the class count changes (a loaded model may have fewer). */
export function clampStart(start: StartChoice, classes: number): StartChoice {
  return start === 'predicted' || (start >= 0 && start < classes) ? start : 'predicted';
}

// ---------------------------------------------------------------------------------------------
// slices

type Slice<T> = StateCreator<AppState, [], [], T>;

const createDataSlice: Slice<DataSlice> = (set) => ({
  splits: { test: initialSplit(), train: initialSplit() },
  testPredictions: null,
  setTestPredictions: (testPredictions) => set({ testPredictions }),
  test: null,
  train: null,
  setSplitProgress: (split, loaded, total) =>
    set((s) => ({ splits: { ...s.splits, [split]: { ...s.splits[split], state: 'loading', loaded, total, error: null } } })),
  setSplitReady: (split, data) =>
    set((s) => {
      const prev = s.splits[split];
      const splits = { ...s.splits, [split]: { ...prev, state: 'ready' as const, loaded: Math.max(prev.loaded, prev.total), count: data.count, error: null } };
      return split === 'test' ? { splits, test: data, digitIndex: clampIndex(s.digitIndex, data.count) } : { splits, train: data };
    }),
  setSplitError: (split, message) => set((s) => ({ splits: { ...s.splits, [split]: { ...s.splits[split], state: 'error', error: message } } })),
  resetSplits: () =>
    set((s) => ({
      splits: {
        test: s.splits.test.state === 'ready' ? s.splits.test : initialSplit(),
        train: s.splits.train.state === 'ready' ? s.splits.train : initialSplit(),
      },
    })),
});

/** The store's fields for a shown model. */
function shown(s: AppState, m: InstalledModel): Partial<AppState> {
  return {
    presetName: m.presetName,
    spec: m.spec,
    params: m.params,
    source: m.source,
    modelVersion: m.modelVersion,
    engineBackend: m.engineBackend,
    engineNote: m.engineNote,
    engineState: 'ready',
    modelError: null,
    start: clampStart(s.start, m.spec.classes),
    // A selected unit only means something in the architecture it was selected in.
    unit: JSON.stringify(s.spec) === JSON.stringify(m.spec) ? s.unit : null,
  };
}

const createModelSlice: Slice<ModelSlice> = (set) => {
  const spec = PRESETS[DEFAULT_PRESET];
  return {
    backend: { kind: 'pending' },
    presetName: DEFAULT_PRESET,
    spec,
    params: initParams(spec, DEFAULT_SEED),
    source: { kind: 'random', seed: DEFAULT_SEED },
    modelVersion: 0,
    engineState: 'none',
    engineBackend: null,
    engineNote: null,
    modelError: null,
    shippedModels: [],
    slots: {},
    shownSlot: 'pretrained',
    setShippedModels: (shippedModels) => set({ shippedModels }),
    setBackend: (backend) => set({ backend }),
    setEngineCreating: () => set({ engineState: 'creating' }),
    installModel: (m, slot = 'pretrained') =>
      set((s) => {
        const slots = { ...s.slots, [slot]: m };
        return slot === s.shownSlot ? { slots, ...shown(s, m) } : { slots };
      }),
    showSlot: (slot) =>
      set((s) => {
        const m = s.slots[slot];
        return m ? { shownSlot: slot, ...shown(s, m) } : {};
      }),
    clearSlot: (slot) =>
      set((s) => {
        const slots = { ...s.slots };
        delete slots[slot];
        const back = slots.pretrained;
        return s.shownSlot === slot && back ? { slots, shownSlot: 'pretrained' as const, ...shown(s, back) } : { slots };
      }),
    setModelError: (modelError) => set((s) => ({ modelError, engineState: s.engineBackend ? 'ready' : 'none' })),
  };
};

const createViewSlice: Slice<ViewSlice> = (set) => ({
  digitIndex: 0,
  custom: null,
  clutter: NO_CLUTTER,
  variant: 'rendering',
  start: 'predicted',
  unit: null,
  result: null,
  inferError: null,
  setDigitIndex: (i) => set((s) => ({ digitIndex: clampIndex(i, digitCount(s)), custom: null })),
  setCustom: (custom) => set({ custom }),
  setClutter: (c) => set({ clutter: { kind: c.kind, amount: Math.min(1, Math.max(0, Number.isFinite(c.amount) ? c.amount : 0)), seed: Math.trunc(c.seed) || 1 } }),
  setUnit: (unit) => set({ unit }),
  stepDigit: (delta) => set((s) => ({ digitIndex: clampIndex(s.digitIndex + delta, digitCount(s)), custom: null })),
  setVariant: (variant) => set({ variant }),
  setStart: (start) => set((s) => ({ start: clampStart(start, s.spec.classes) })),
  setResult: (result) => set({ result, inferError: null }),
  setInferError: (inferError) => set({ inferError }),
});

const createUiSlice: Slice<UiSlice> = (set) => ({
  panel: 'overview',
  lecture: false,
  setPanel: (panel) => set({ panel: (PANEL_IDS as readonly string[]).includes(panel) ? panel : 'overview' }),
  setLecture: (lecture) => set({ lecture }),
  linkNotice: [],
  setLinkNotice: (linkNotice) => set({ linkNotice }),
  featureStage: 'u',
  saliencyStage: 'su',
  maxChannels: 16,
  setFeatureStage: (featureStage) => set({ featureStage }),
  setSaliencyStage: (saliencyStage) => set({ saliencyStage }),
  setMaxChannels: (n) => set({ maxChannels: Number.isInteger(n) && n >= 0 ? n : 16 }),
});

/** A fresh store (the app uses one; tests make their own). */
export function createAppStore() {
  return createStore<AppState>()((...a) => ({
    ...createDataSlice(...a),
    ...createModelSlice(...a),
    ...createViewSlice(...a),
    ...createUiSlice(...a),
    ...createTrainingSlice(...a),
    ...createStepperSlice(...a),
    ...createOfflineSlice(...a),
    ...createRecoverySlice(...a),
    ...createPictureSlice(...a),
    ...createDeviceKernelsSlice(...a),
  }));
}

export type AppStore = ReturnType<typeof createAppStore>;

/** The app's store. */
export const appStore: AppStore = createAppStore();

/** React hook: a selected part of the app's state. */
export function useApp<T>(selector: (s: AppState) => T): T {
  return useStore(appStore, selector);
}
