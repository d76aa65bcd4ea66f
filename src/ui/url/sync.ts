/**
 * Keeps the URL's hash and the store in step (the format is in state.ts):
 *
 * - on start, the hash is parsed and applied to the store; what cannot be applied is listed in the
 *   store's linkNotice (plain text);
 * - store -> URL with history.replaceState, throttled (no history entry per slider tick);
 * - URL -> store again on popstate/hashchange (the user edited the hash, or went back).
 *
 * The model is the one part that cannot be applied at once: the controller installs the default
 * model at boot, so a preset named by the link is chosen after that first install, and the parts
 * that only mean something for that model (the selected unit, the DP step) wait for it. Until then
 * the URL keeps saying what the link said.
 */
import { shapesOf, type PresetName } from '../../engine';
import { openCard } from '../story/apply';
import { NO_CLUTTER, type AppState, type AppStore, type UnitRef } from '../store';
import { PAGE_MODEL_NAMES, URL_DEFAULTS, formatUrlState, parseUrlState, sameModel, stateFromStore, modelOf, type UrlModel, type UrlState } from './state';

/** The parts of `window` the sync uses (tests pass a fake). */
export interface UrlHost {
  location: { hash: string; pathname: string; search: string };
  history: { state: unknown; replaceState(data: unknown, unused: string, url: string): void };
  addEventListener(type: 'popstate' | 'hashchange', fn: () => void): void;
  removeEventListener(type: 'popstate' | 'hashchange', fn: () => void): void;
}

export interface UrlSyncOptions {
  store: AppStore;
  host: UrlHost;
  /** Installs a preset with random weights (controller.choosePreset). */
  choosePreset(name: PresetName, seed: number): Promise<boolean>;
  /** Installs a model shipped with the app, by file name; null when this deployment does not ship it. */
  loadShipped?(fileName: string): Promise<boolean | null>;
  /** Called with a glossary term the link names (the About panel then focuses it). */
  showTerm?(term: string): void;
  throttleMs?: number;
}

/** Optional store members other slices may add (the DP stepper's step). */
interface StepMembers {
  stepIndex?: unknown;
  setStepIndex?: (i: number) => void;
}

/** Why a unit does not exist in the architecture, or null when it does. */
export function unitProblem(u: UnitRef, spec: AppState['spec']): string | null {
  const levels = shapesOf(spec).levels;
  if (u.level > levels.length) return `the model has ${levels.length} level${levels.length === 1 ? '' : 's'}`;
  const shape = levels[u.level - 1];
  const [h, w] = u.stage === 'pool' ? [shape.hout, shape.wout] : [shape.hc, shape.wc];
  if (u.channel >= shape.c) return `level ${u.level} has ${shape.c} channels`;
  if (u.y >= h || u.x >= w) return `level ${u.level}'s ${u.stage} map is ${h}×${w}`;
  return null;
}

/** Drawings from links get negative ids, so they never collide with the input panel's counter. */
let nextLinkInputId = -1;

function samePixels(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Applies the parts of a link that do not depend on the model. `full`: parts the link leaves out
 * go back to their defaults (a hash change describes a whole view); otherwise they are untouched.
 * Returns lines for the notice.
 */
export function applyImmediate(state: UrlState, store: AppStore, full: boolean): string[] {
  const s = store.getState();
  const notes: string[] = [];
  if (state.digit !== undefined) s.setDigitIndex(state.digit);
  else if (full && (s.digitIndex !== URL_DEFAULTS.digit || s.custom)) s.setDigitIndex(URL_DEFAULTS.digit);
  // setDigitIndex leaves any custom input, so the drawing goes after it.
  if (state.drawing) {
    const cur = store.getState().custom;
    if (!cur || !samePixels(cur.pixels, state.drawing)) {
      store.getState().setCustom({ id: nextLinkInputId--, kind: 'drawing', name: 'Drawing from the link', pixels: state.drawing });
    }
  }
  if (state.clutter) s.setClutter(state.clutter);
  else if (full && s.clutter.kind !== 'none') s.setClutter({ ...NO_CLUTTER });
  if (state.variant) s.setVariant(state.variant);
  else if (full) s.setVariant(URL_DEFAULTS.variant);
  if (state.start !== undefined) {
    if (state.start !== 'predicted' && state.start >= s.spec.classes) notes.push(`start=${state.start} (the model has ${s.spec.classes} classes)`);
    else s.setStart(state.start);
  } else if (full) s.setStart(URL_DEFAULTS.start);
  if (state.featureStage) s.setFeatureStage(state.featureStage);
  else if (full) s.setFeatureStage(URL_DEFAULTS.featureStage);
  if (state.saliencyStage) s.setSaliencyStage(state.saliencyStage);
  else if (full) s.setSaliencyStage(URL_DEFAULTS.saliencyStage);
  if (state.maxChannels !== undefined) s.setMaxChannels(state.maxChannels);
  else if (full) s.setMaxChannels(URL_DEFAULTS.maxChannels);
  if (state.panel) s.setPanel(state.panel);
  else if (full) s.setPanel(URL_DEFAULTS.panel);
  // A story card from a link sets what the link cannot say (the picture's expanded level, whole DP
  // or a step, paths); the digit, step, unit, class and clutter are the link's own.
  const story = state.story !== undefined ? state.story : full ? 0 : undefined;
  if (story === null) {
    if (store.getState().picture.story !== null) store.getState().setPicture({ story: null, playing: false });
  } else if (story !== undefined && story !== store.getState().picture.story) openCard(store, story, 'link');
  if (state.lecture !== undefined) s.setLecture(state.lecture);
  else if (full) s.setLecture(false);
  return notes;
}

/** Applies the parts that belong to the installed model: the selected unit and the DP step. */
export function applyModelBound(state: UrlState, store: AppStore, full: boolean): string[] {
  const s = store.getState() as AppState & StepMembers;
  const notes: string[] = [];
  if (state.unit) {
    const why = unitProblem(state.unit, s.spec);
    if (why) notes.push(`unit=${state.unit.level}.${state.unit.stage}.${state.unit.channel}.${state.unit.y}.${state.unit.x} (${why})`);
    else s.setUnit(state.unit);
  } else if (full && s.unit) s.setUnit(null);
  if (typeof s.setStepIndex === 'function') {
    if (state.step !== undefined) s.setStepIndex(state.step);
    else if (full && s.stepIndex !== 0) s.setStepIndex(0);
  } else if (state.step !== undefined) {
    notes.push('step (this version of the app has no DP stepper)');
  }
  return notes;
}

/** A line for a model a link names but cannot reopen. */
export function unopenableModel(m: Extract<UrlModel, { kind: 'file' | 'shipped' }>): string {
  return m.kind === 'file'
    ? `model: the link was made with the model file ${JSON.stringify(m.fileName)}, and a link cannot reopen a file from your disk; load it again with “Load a model file” (the default model is shown meanwhile)`
    : `model: the link names the shipped model ${JSON.stringify(m.fileName)}, which this copy of the app does not ship (the default model is shown meanwhile)`;
}

export interface UrlSync {
  /** The hash (without '#') for the current view, including what a link asked for and is still pending. */
  hash(): string;
  stop(): void;
}

/** Starts the sync. */
export function startUrlSync(opts: UrlSyncOptions): UrlSync {
  const { store, host } = opts;
  const throttleMs = opts.throttleMs ?? 250;
  /** The link's model until it is installed (or found impossible). */
  let pendingModel: UrlModel | undefined;
  /** The model the app started with (the controller's choice at boot): a link leaves it out. */
  let bootModel: UrlModel | undefined;
  /** The link's model-bound parts until the model is settled. */
  let pendingBound: UrlState | null = null;
  let pendingFull = false;
  /** The hash as last written or applied (without '#'), to tell our own changes from the user's. */
  let lastHash = host.location.hash.replace(/^#/, '');
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;

  const currentHash = (): string => {
    const s = store.getState() as AppState & StepMembers;
    const st = stateFromStore(s);
    if (pendingModel) st.model = pendingModel;
    if (pendingBound) {
      st.unit = pendingBound.unit ?? st.unit;
      st.step = pendingBound.step ?? st.step;
    }
    return formatUrlState(st, bootModel);
  };

  const write = () => {
    timer = null;
    if (stopped) return;
    const hash = currentHash();
    if (hash === host.location.hash.replace(/^#/, '')) {
      lastHash = hash;
      return;
    }
    lastHash = hash;
    const { pathname, search } = host.location;
    host.history.replaceState(host.history.state, '', `${pathname}${search}${hash ? `#${hash}` : ''}`);
  };
  const schedule = () => {
    if (timer === null && !stopped) timer = setTimeout(write, throttleMs);
  };

  const addNotes = (lines: string[], replace: boolean) => {
    const prev = replace ? [] : store.getState().linkNotice;
    if (lines.length || replace) store.getState().setLinkNotice([...prev, ...lines]);
  };

  /** Settles the model (choosing the link's preset when it differs), then the model-bound parts. */
  const settle = async () => {
    const want = pendingModel;
    if (want && !sameModel(want, modelOf(store.getState()))) {
      if (want.kind === 'preset') {
        const ok = await opts.choosePreset(want.preset, want.seed);
        if (!ok) addNotes([`model=${want.preset} seed ${want.seed} (it could not be set up; see the model's message)`], false);
      } else if (want.kind === 'shipped') {
        const ok = (await opts.loadShipped?.(want.fileName)) ?? null;
        if (ok === null) addNotes([unopenableModel(want)], false);
        else if (!ok) addNotes([`model: the shipped model ${JSON.stringify(want.fileName)} could not be set up (see the model's message)`], false);
      }
    }
    if (pendingModel === want) pendingModel = undefined;
    const bound = pendingBound;
    pendingBound = null;
    if (bound && !stopped) addNotes(applyModelBound(bound, store, pendingFull), false);
    schedule();
  };

  /** Waits for the controller's first model before settling (boot installs the default). */
  let unsubscribeReady: (() => void) | null = null;
  const settleWhenReady = () => {
    unsubscribeReady?.();
    unsubscribeReady = null;
    const ready = () => {
      bootModel ??= modelOf(store.getState());
      void settle();
    };
    if (store.getState().modelVersion > 0) {
      ready();
      return;
    }
    unsubscribeReady = store.subscribe((s) => {
      if (s.modelVersion > 0) {
        unsubscribeReady?.();
        unsubscribeReady = null;
        ready();
      }
    });
  };

  const apply = (hash: string, full: boolean) => {
    const { state, ignored } = parseUrlState(hash);
    const notes = [...ignored];
    notes.push(...applyImmediate(state, store, full));
    // Links made by earlier versions named page-trained weights as a file: they mean the same as no model.
    const named = state.model;
    const m = named?.kind === 'file' && PAGE_MODEL_NAMES.includes(named.fileName) ? undefined : named;
    // A link without a model means the one the app starts with (before boot has installed it,
    // boot is about to: nothing to choose), except while weights trained in this page are shown:
    // the app's own links leave those out, so such a link keeps them.
    const keepPage = !m && modelOf(store.getState())?.kind === 'page';
    pendingModel = m ?? (full && !keepPage ? bootModel : undefined);
    if (m?.kind === 'file') {
      pendingModel = undefined;
      if (!sameModel(m, modelOf(store.getState()))) notes.push(unopenableModel(m));
    }
    pendingBound = state;
    pendingFull = full;
    addNotes(notes, true);
    if (state.term) opts.showTerm?.(state.term);
    settleWhenReady();
  };

  const onNavigate = () => {
    const hash = host.location.hash.replace(/^#/, '');
    if (hash === lastHash) return;
    lastHash = hash;
    apply(hash, true);
  };

  apply(lastHash, false);
  const unsubscribe = store.subscribe((s, prev) => {
    // Only state a link holds: a result arriving or a progress tick does not touch the URL.
    if (
      s.digitIndex !== prev.digitIndex || s.custom !== prev.custom || s.clutter !== prev.clutter || s.variant !== prev.variant ||
      s.start !== prev.start || s.unit !== prev.unit || s.panel !== prev.panel || s.lecture !== prev.lecture ||
      s.featureStage !== prev.featureStage || s.saliencyStage !== prev.saliencyStage || s.maxChannels !== prev.maxChannels ||
      s.picture.story !== prev.picture.story ||
      s.source !== prev.source || s.presetName !== prev.presetName ||
      (s as AppState & StepMembers).stepIndex !== (prev as AppState & StepMembers).stepIndex
    ) {
      schedule();
    }
  });
  host.addEventListener('popstate', onNavigate);
  host.addEventListener('hashchange', onNavigate);
  schedule();

  return {
    hash: currentHash,
    stop() {
      stopped = true;
      unsubscribe();
      unsubscribeReady?.();
      if (timer !== null) clearTimeout(timer);
      host.removeEventListener('popstate', onNavigate);
      host.removeEventListener('hashchange', onNavigate);
    },
  };
}
