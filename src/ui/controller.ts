/**
 * The app's effects: getting a device, loading MNIST, installing models, and keeping the
 * inference result in step with the view state. Components call these; the store only records
 * what happened.
 */
import { PRESETS, initParams, readModelFile, type ModelSpec, type PresetName } from '../engine';
import { digitAsFloat, loadMnistSplit, type SplitName } from '../data/mnistLoader';
import * as host from './engineHost';
import { watchHiddenTab } from './recovery/hiddenTab';
import { installTestHooks } from './recovery/testHooks';
import { applyClutter } from './input/clutter';
import { fitProblem, peekArchitecture } from './storage/modelFit';
import { DEFAULT_PRESET, DEFAULT_SEED, appStore, inferenceKey, type AppState, type AppStore, type ModelSource, type ShippedModel } from './store';

/** Served next to index.html (public/data/ in the repository, dist/data/ when built). */
export const DATA_BASE_URL = `${import.meta.env.BASE_URL}data/`;

const MNIST_INPUT = { channels: 1, height: 28, width: 28 };

let booted = false;
let nextVersion = 1;

/** Starts everything once: data loading and device request in parallel, then the default model. */
export function boot(store: AppStore = appStore): void {
  if (booted) return;
  booted = true;
  startInferenceLoop(store);
  void loadData(store);
  installTestHooks();
  watchHiddenTab(store);
  void (async () => {
    const outcome = await host.acquireDevice((message) => void recoverDevice(message, store), (message) => reportGpuError(message, store));
    store.getState().setBackend(outcome);
    // A trained model when this deployment ships one; random weights otherwise.
    const shipped = await fetchShippedModels(store);
    const first = shipped.find((m) => m.preset === DEFAULT_PRESET) ?? shipped[0];
    if (!first || !(await loadShippedModel(first, store))) await choosePreset(DEFAULT_PRESET, DEFAULT_SEED, store);
  })();
}

// ---------------------------------------------------------------------------------------------
// a lost GPU device

/** When recent devices were lost: past MAX_LOSSES in LOSS_WINDOW_MS the app stays on the CPU. */
const losses: number[] = [];
const MAX_LOSSES = 3;
const LOSS_WINDOW_MS = 60_000;

/**
 * The inference device was lost (a driver reset, the tab backgrounded on some systems, a
 * destroy()): asks for a new device and rebuilds the engine with the weights the store keeps on
 * the CPU side, without a reload. Falls back to the CPU reference when no device can be had or
 * devices keep being lost. The training session recovers its own device (train/session.ts).
 */
export async function recoverDevice(message: string, store: AppStore = appStore): Promise<void> {
  const b = store.getState().backend;
  const adapter = b.kind === 'webgpu' ? b.adapter : 'the GPU';
  store.getState().setBackend({ kind: 'lost', adapter, message });
  const now = Date.now();
  losses.push(now);
  while (losses.length && now - losses[0] > LOSS_WINDOW_MS) losses.shift();
  let backend: host.DeviceOutcome;
  if (losses.length > MAX_LOSSES) {
    backend = { kind: 'cpu', reason: `the GPU device was lost ${losses.length} times within a minute, so the app stays on the CPU (reload the page to try the GPU again)` };
  } else {
    backend = await host.acquireDevice((m) => void recoverDevice(m, store), (m) => reportGpuError(m, store));
    if (backend.kind === 'cpu') backend = { kind: 'cpu', reason: `the GPU device was lost (${message}) and no new one could be had: ${backend.reason}` };
  }
  store.getState().setBackend(backend);
  const s = store.getState();
  const ok = await install(s.spec, s.params, s.source, s.presetName, store);
  const where = backend.kind === 'webgpu' ? `a new device was set up on ${backend.adapter}` : 'the app now runs on the CPU reference engine';
  store.getState().reportRecovery({
    topic: 'device',
    kind: ok ? 'warn' : 'error',
    text: ok
      ? `The GPU device was lost (${message}); ${where} and the model was restored from the weights kept in memory, without a reload.`
      : `The GPU device was lost (${message}) and the model could not be set up again; reload the page.`,
  });
}

/** An uncaptured GPU error: shown (counted, not repeated), never swallowed. */
export function reportGpuError(message: string, store: AppStore = appStore): void {
  store.getState().reportRecovery(
    { topic: 'gpu-error', kind: 'error', text: `The GPU reported an error: ${message.replace(/\s+/g, ' ').trim()}. Results computed since may be wrong; if it happens again, reload the page.` },
    true,
  );
}

// ---------------------------------------------------------------------------------------------
// data

/** A user-facing message for a failed split, with the fix when the files are simply missing. */
export function dataErrorMessage(raw: string): string {
  if (/HTTP 404/.test(raw)) {
    return `${raw}. The MNIST files are not on this server: in the repository, run \`npm run data\` (it writes public/data/), then restart \`npm start\` or rebuild with \`npm run build\`.`;
  }
  return `${raw}. If you run the app from the repository, \`npm run data\` rebuilds the files in public/data/.`;
}

/** Loads the test split, then the training split (as loadMnist does, but the test split is used as soon as it arrives). */
export async function loadData(store: AppStore = appStore): Promise<void> {
  store.getState().resetSplits();
  for (const split of ['test', 'train'] as SplitName[]) {
    if (store.getState().splits[split].state === 'ready') continue;
    const name = `mnist-${split}.bin`;
    try {
      const data = await loadMnistSplit(`${DATA_BASE_URL}${name}`, name, (loaded, total) => store.getState().setSplitProgress(split, loaded, total));
      store.getState().setSplitReady(split, data);
    } catch (e) {
      store.getState().setSplitError(split, dataErrorMessage(e instanceof Error ? e.message : String(e)));
      return;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// models

async function install(spec: ModelSpec, params: ReturnType<typeof initParams>, source: ModelSource, presetName: PresetName | null, store: AppStore): Promise<boolean> {
  const version = nextVersion++;
  store.getState().setEngineCreating();
  try {
    const info = await host.replaceEngine(spec, params, version);
    store.getState().installModel({ presetName, spec, params, source, modelVersion: version, engineBackend: info.backend, engineNote: info.note });
    return true;
  } catch (e) {
    store.getState().setModelError(`Could not set up the model: ${e instanceof Error ? e.message : String(e)}. The previous model is still in use.`);
    return false;
  }
}

/** Randomly initialised weights for a preset architecture. */
export function choosePreset(name: PresetName, seed: number, store: AppStore = appStore): Promise<boolean> {
  const spec = PRESETS[name];
  return install(spec, initParams(spec, seed), { kind: 'random', seed }, name, store);
}

/** True when the architecture's input is an MNIST digit. */
export function fitsMnist(spec: ModelSpec): boolean {
  const i = spec.input;
  return i.channels === MNIST_INPUT.channels && i.height === MNIST_INPUT.height && i.width === MNIST_INPUT.width;
}

/** A line about a loaded file's training record. */
export function trainingSummary(training: Record<string, unknown> | null): { trained: boolean; summary: string } {
  if (!training) return { trained: false, summary: 'the file has no training record' };
  const parts: string[] = [];
  if (typeof training.mode === 'string') parts.push(training.mode);
  if (typeof training.epoch === 'number') parts.push(`epoch ${training.epoch}`);
  if (typeof training.step === 'number') parts.push(`step ${training.step}`);
  if (typeof training.labelled === 'number') parts.push(`${training.labelled} labelled images`);
  const metrics = Array.isArray(training.metrics) ? training.metrics : [];
  const last = metrics[metrics.length - 1] as Record<string, unknown> | undefined;
  if (last && typeof last.testAccuracy === 'number') parts.push(`test accuracy ${(100 * last.testAccuracy).toFixed(2)}%`);
  return { trained: true, summary: parts.length ? `trained: ${parts.join(', ')}` : 'trained (no details recorded)' };
}

/**
 * Reads a .drmm file and installs its model. Any failure (unreadable file, invalid contents, an
 * input that is not a 28x28 digit, an engine that cannot be built) is shown and the model in use
 * is kept.
 */
export async function loadModelFile(file: File, store: AppStore = appStore): Promise<boolean> {
  let bytes: ArrayBuffer;
  try {
    bytes = await file.arrayBuffer();
  } catch (e) {
    store.getState().setModelError(`${file.name}: could not be read (${e instanceof Error ? e.message : String(e)}). The previous model is still in use.`);
    return false;
  }
  return installModelBytes(file.name, bytes, false, store);
}

async function installModelBytes(fileName: string, bytes: ArrayBuffer, shipped: boolean, store: AppStore): Promise<boolean> {
  const file = { name: fileName };
  // Refused from the header alone, before any tensor is read or buffer made (storage/modelFit.ts).
  const arch = peekArchitecture(new Uint8Array(bytes));
  const tooLarge = arch ? fitProblem(arch, host.currentDevice()?.limits ?? null) : null;
  if (tooLarge) {
    store.getState().setModelError(`${file.name}: ${tooLarge}. The model was not loaded; the previous model is still in use.`);
    return false;
  }
  let parsed;
  try {
    parsed = readModelFile(bytes);
  } catch (e) {
    store.getState().setModelError(`${file.name}: ${e instanceof Error ? e.message : String(e)}. The previous model is still in use.`);
    return false;
  }
  const { spec, params, preset, training } = parsed;
  if (!fitsMnist(spec)) {
    const i = spec.input;
    store.getState().setModelError(`${file.name}: the model expects ${i.channels}x${i.height}x${i.width} inputs, but MNIST digits are 1x28x28. The previous model is still in use.`);
    return false;
  }
  const presetName = preset && preset in PRESETS && JSON.stringify(PRESETS[preset as PresetName]) === JSON.stringify(spec) ? (preset as PresetName) : null;
  const t = trainingSummary(training as Record<string, unknown> | null);
  return install(spec, params, { kind: 'file', fileName: file.name, preset, trained: t.trained, summary: t.summary, ...(shipped ? { shipped } : {}) }, presetName, store);
}

/** Served next to index.html: public/models/ in the repository. */
export const MODELS_BASE_URL = `${import.meta.env.BASE_URL}models/`;

/** Checks models/index.json's entries; malformed ones are dropped (the app then uses the others). */
export function parseShippedModels(json: unknown): ShippedModel[] {
  const list = json && typeof json === 'object' && Array.isArray((json as { models?: unknown }).models) ? (json as { models: unknown[] }).models : [];
  return list.filter((m): m is ShippedModel => {
    if (!m || typeof m !== 'object') return false;
    const e = m as Record<string, unknown>;
    return (
      typeof e.file === 'string' && /^[\w.-]+\.drmm$/.test(e.file) && typeof e.preset === 'string' && Object.hasOwn(PRESETS, e.preset) &&
      typeof e.title === 'string' && typeof e.testError === 'number' && e.testError >= 0 && e.testError <= 1
    );
  });
}

/** The shipped models' list, stored; empty when the deployment ships none (no index.json). */
export async function fetchShippedModels(store: AppStore = appStore): Promise<ShippedModel[]> {
  let list: ShippedModel[] = [];
  try {
    const res = await fetch(`${MODELS_BASE_URL}index.json`);
    if (res.ok) list = parseShippedModels(await res.json());
  } catch {
    list = []; // none shipped, or offline without a cached copy: random weights it is
  }
  store.getState().setShippedModels(list);
  return list;
}

/** Downloads and installs a shipped model; on failure the model in use is kept and the error shown. */
export async function loadShippedModel(m: ShippedModel, store: AppStore = appStore): Promise<boolean> {
  let bytes: ArrayBuffer;
  try {
    const res = await fetch(`${MODELS_BASE_URL}${m.file}`);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    bytes = await res.arrayBuffer();
  } catch (e) {
    store.getState().setModelError(`The shipped model ${m.file} could not be downloaded (${e instanceof Error ? e.message : String(e)}). The previous model is still in use.`);
    return false;
  }
  return installModelBytes(m.file, bytes, true, store);
}

// ---------------------------------------------------------------------------------------------
// inference

function wanted(s: AppState): string | null {
  if (s.engineState === 'none' || !s.test || s.modelVersion === 0) return null;
  return inferenceKey(s);
}

/**
 * Keeps the store's result in step with its view state: whenever the state asks for a result it
 * does not have, runs one inference (never two at once) for the latest state. A failed request is
 * not retried until the state changes. Returns a function that stops the loop.
 */
export function startInferenceLoop(store: AppStore = appStore): () => void {
  let running = false;
  // A key that failed, or whose model was replaced before it ran: not asked again.
  let doneKey: string | null = null;

  const pump = (): void => {
    if (running) return;
    const s = store.getState();
    const key = wanted(s);
    if (!key || s.result?.key === key || doneKey === key) return;
    running = true;
    void runOnce(s, key).finally(() => {
      running = false;
      pump();
    });
  };

  const runOnce = async (s: AppState, key: string): Promise<void> => {
    const test = s.test!;
    const start = s.start === 'predicted' ? { kind: 'class' as const, classes: 'predicted' as const } : { kind: 'class' as const, classes: [s.start] };
    try {
      const { height, width } = s.spec.input;
      const image = applyClutter(s.custom ? s.custom.pixels : digitAsFloat(test, s.digitIndex), height, width, s.clutter);
      const out = await host.infer({ images: image, n: 1, start, variant: s.variant, paths: true }, s.modelVersion);
      if (!out) {
        doneKey = key; // the engine was replaced meanwhile: the new model's state asks again
        return;
      }
      doneKey = null;
      store.getState().setResult({
        key,
        spec: s.spec,
        digitIndex: s.digitIndex,
        custom: s.custom ? { id: s.custom.id, kind: s.custom.kind, name: s.custom.name } : null,
        clutter: s.clutter,
        label: s.custom ? -1 : test.labels[s.digitIndex],
        image,
        variant: s.variant,
        start: s.start,
        startClass: s.start === 'predicted' ? out.result.forward.pred[0] : s.start,
        backend: out.backend,
        ms: out.ms,
        result: out.result,
      });
    } catch (e) {
      doneKey = key;
      store.getState().setInferError(`Inference failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  const unsubscribe = store.subscribe(pump);
  pump();
  return unsubscribe;
}

// ---------------------------------------------------------------------------------------------
// the whole test set

let classifying: Promise<boolean> | null = null;

/**
 * Classifies all test digits with the installed model (the test browser's filters and the
 * confusion matrix read the result), publishing progress every chunk. One run at a time; a run
 * for a model that is replaced meanwhile stops, and its partial result is dropped.
 */
export function classifyTestSet(store: AppStore = appStore): Promise<boolean> {
  classifying ??= (async () => {
    const s = store.getState();
    const test = s.test;
    if (!test || s.engineState !== 'ready') return false;
    const version = s.modelVersion;
    const C = s.spec.classes;
    const per = test.rows * test.cols;
    const pred = new Int32Array(test.count).fill(-1);
    const probs = new Float32Array(test.count * C);
    let done = 0;
    const publish = () => store.getState().setTestPredictions({ modelVersion: version, done, count: test.count, pred, probs, classes: C });
    publish();
    const images = (first: number, n: number) => {
      const out = new Float32Array(n * per);
      const src = test.pixels.subarray(first * per, (first + n) * per);
      for (let i = 0; i < out.length; i++) out[i] = src[i] / 255;
      return out;
    };
    try {
      const ok = await host.classifyAll(s.spec, s.params, images, test.count, version, (first, p, c) => {
        probs.set(p, first * C);
        pred.set(c, first);
        done = first + c.length;
        publish();
      }, () => store.getState().modelVersion !== version);
      if (!ok && store.getState().testPredictions?.modelVersion === version) store.getState().setTestPredictions(null);
      return ok;
    } catch (e) {
      store.getState().setTestPredictions(null);
      store.getState().setInferError(`Classifying the test set failed: ${e instanceof Error ? e.message : String(e)}`);
      return false;
    }
  })().finally(() => {
    classifying = null;
  });
  return classifying;
}
