/**
 * The app's effects, made once at boot (services.ts) and handed down: loading MNIST, installing
 * models into the engine host's slots, recovering from a lost device, and keeping the inference
 * result in step with the view state. Components call these; the store only records what happened.
 */
import { PRESETS, initParams, readModelFile, type ModelParams, type ModelSpec, type PresetName } from '../engine';
import type { EngineHost } from '../engine/host/engineHost';
import { digitAsFloat, loadMnistSplit, type SplitName } from '../data/mnistLoader';
import { applyClutter } from './input/clutter';
import { dataErrorMessage, fitsMnist, parseShippedModels, presetOf, trainingSummary } from './modelFiles';
import { fitProblem, peekArchitecture } from './storage/modelFit';
import { DEFAULT_PRESET, DEFAULT_SEED, inferenceKey, type AppState, type AppStore, type ModelSlot, type ModelSource, type ShippedModel } from './store';

/** Served next to index.html (public/data/ in the repository, dist/data/ when built). */
export const DATA_BASE_URL = `${import.meta.env.BASE_URL}data/`;
/** Served next to index.html: public/models/ in the repository. */
export const MODELS_BASE_URL = `${import.meta.env.BASE_URL}models/`;

/** Past MAX_LOSSES lost devices in LOSS_WINDOW_MS the app stays on the CPU. */
const MAX_LOSSES = 3;
const LOSS_WINDOW_MS = 60_000;

export class Controller {
  private booted = false;
  private readonly losses: number[] = [];
  private classifying: Promise<boolean> | null = null;

  constructor(readonly store: AppStore, readonly engines: EngineHost) {}

  /** Starts everything once: data loading and the device in parallel, then the default model. Returns a stop function. */
  boot(): () => void {
    if (this.booted) return () => undefined;
    this.booted = true;
    const stop = this.startInferenceLoop();
    void this.loadData();
    void (async () => {
      const outcome = await this.engines.start();
      this.store.getState().setBackend(outcome);
      // A trained model when this deployment ships one; random weights otherwise.
      const shipped = await this.fetchShippedModels();
      const first = shipped.find((m) => m.preset === DEFAULT_PRESET) ?? shipped[0];
      if (!first || !(await this.loadShippedModel(first))) await this.choosePreset(DEFAULT_PRESET, DEFAULT_SEED);
    })();
    return stop;
  }

  // -------------------------------------------------------------------------------------------
  // a lost GPU device

  /**
   * The device was lost (a driver reset, the tab backgrounded on some systems, a destroy()): the
   * host asks for a new one and rebuilds every slot from the weights kept on the CPU side, without
   * a reload; the training session rebuilds its own run (it listens to the host). Falls back to
   * the CPU reference when no device can be had or devices keep being lost.
   */
  async recoverDevice(message: string): Promise<void> {
    const st = this.store.getState();
    const adapter = st.backend.kind === 'webgpu' ? st.backend.adapter : 'the GPU';
    st.setBackend({ kind: 'lost', adapter, message });
    const now = Date.now();
    this.losses.push(now);
    while (this.losses.length && now - this.losses[0] > LOSS_WINDOW_MS) this.losses.shift();
    const cpu = this.losses.length > MAX_LOSSES ? `the GPU device was lost ${this.losses.length} times within a minute, so the app stays on the CPU (reload the page to try the GPU again)` : undefined;
    let ok = true;
    let outcome;
    try {
      const r = await this.engines.recover(cpu);
      outcome = r.outcome;
      if (outcome.kind === 'cpu' && !cpu) outcome = { kind: 'cpu' as const, reason: `the GPU device was lost (${message}) and no new one could be had: ${outcome.reason}` };
      const s = this.store.getState();
      for (const slot of r.rebuilt as ModelSlot[]) {
        const m = s.slots[slot];
        if (m) s.installModel({ ...m, modelVersion: this.engines.version(slot), engineBackend: outcome.kind === 'webgpu' ? 'webgpu' : 'cpu' }, slot);
      }
    } catch {
      ok = false;
      outcome = { kind: 'cpu' as const, reason: `the GPU device was lost (${message}) and the model could not be set up again` };
    }
    this.store.getState().setBackend(outcome);
    const where = outcome.kind === 'webgpu' ? `a new device was set up on ${outcome.adapter}` : 'the app now runs on the CPU reference engine';
    this.store.getState().reportRecovery({
      topic: 'device',
      kind: ok ? 'warn' : 'error',
      text: ok
        ? `The GPU device was lost (${message}); ${where} and the model was restored from the weights kept in memory, without a reload.`
        : `The GPU device was lost (${message}) and the model could not be set up again; reload the page.`,
    });
  }

  /** An uncaptured GPU error: shown (counted, not repeated), never swallowed. */
  reportGpuError(message: string): void {
    this.store.getState().reportRecovery(
      { topic: 'gpu-error', kind: 'error', text: `The GPU reported an error: ${message.replace(/\s+/g, ' ').trim()}. Results computed since may be wrong; if it happens again, reload the page.` },
      true,
    );
  }

  // -------------------------------------------------------------------------------------------
  // data

  /** Loads the test split, then the training split (the test split is used as soon as it arrives). */
  async loadData(): Promise<void> {
    const store = this.store;
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

  // -------------------------------------------------------------------------------------------
  // models

  /** Installs a model into the pretrained slot and shows it; on failure the model in use is kept and the error shown. */
  private async install(spec: ModelSpec, params: ModelParams, source: ModelSource, presetName: PresetName | null): Promise<boolean> {
    this.store.getState().setEngineCreating();
    try {
      const info = await this.engines.install('pretrained', spec, params);
      const s = this.store.getState();
      s.installModel({ presetName, spec, params, source, modelVersion: info.version, engineBackend: info.backend, engineNote: info.note }, 'pretrained');
      // A model chosen is a model to look at: the panels leave the run being trained (which goes on).
      s.showSlot('pretrained');
      if (s.training.settings.liveSync) s.setTrainingSettings({ liveSync: false });
      return true;
    } catch (e) {
      this.store.getState().setModelError(`Could not set up the model: ${e instanceof Error ? e.message : String(e)}. The previous model is still in use.`);
      return false;
    }
  }

  /** Randomly initialised weights for a preset architecture. */
  choosePreset(name: PresetName, seed: number): Promise<boolean> {
    const spec = PRESETS[name];
    return this.install(spec, initParams(spec, seed), { kind: 'random', seed }, name);
  }

  /**
   * Reads a .drmm file and installs its model. Any failure (unreadable file, invalid contents, an
   * input that is not a 28x28 digit, an architecture too large, an engine that cannot be built) is
   * shown and the model in use is kept.
   */
  async loadModelFile(file: { name: string; arrayBuffer(): Promise<ArrayBuffer> }): Promise<boolean> {
    let bytes: ArrayBuffer;
    try {
      bytes = await file.arrayBuffer();
    } catch (e) {
      this.store.getState().setModelError(`${file.name}: could not be read (${e instanceof Error ? e.message : String(e)}). The previous model is still in use.`);
      return false;
    }
    return this.installModelBytes(file.name, bytes, false);
  }

  private async installModelBytes(fileName: string, bytes: ArrayBuffer, shipped: boolean): Promise<boolean> {
    const fail = (why: string) => {
      this.store.getState().setModelError(`${fileName}: ${why}`);
      return false;
    };
    // Refused from the header alone, before any tensor is read or buffer made (storage/modelFit.ts).
    const arch = peekArchitecture(new Uint8Array(bytes));
    const tooLarge = arch ? fitProblem(arch, this.engines.device?.limits ?? null) : null;
    if (tooLarge) return fail(`${tooLarge}. The model was not loaded; the previous model is still in use.`);
    let parsed;
    try {
      parsed = readModelFile(bytes);
    } catch (e) {
      return fail(`${e instanceof Error ? e.message : String(e)}. The previous model is still in use.`);
    }
    const { spec, params, preset, training } = parsed;
    if (!fitsMnist(spec)) {
      const i = spec.input;
      return fail(`the model expects ${i.channels}x${i.height}x${i.width} inputs, but MNIST digits are 1x28x28. The previous model is still in use.`);
    }
    const t = trainingSummary(training as Record<string, unknown> | null);
    return this.install(spec, params, { kind: 'file', fileName, preset, trained: t.trained, summary: t.summary, ...(shipped ? { shipped } : {}) }, presetOf(spec, preset));
  }

  /** The shipped models' list, stored; empty when the deployment ships none (no index.json). */
  async fetchShippedModels(): Promise<ShippedModel[]> {
    let list: ShippedModel[] = [];
    try {
      const res = await fetch(`${MODELS_BASE_URL}index.json`);
      if (res.ok) list = parseShippedModels(await res.json());
    } catch {
      list = []; // none shipped, or offline without a cached copy: random weights it is
    }
    this.store.getState().setShippedModels(list);
    return list;
  }

  /** Downloads and installs a shipped model; on failure the model in use is kept and the error shown. */
  async loadShippedModel(m: ShippedModel): Promise<boolean> {
    let bytes: ArrayBuffer;
    try {
      const res = await fetch(`${MODELS_BASE_URL}${m.file}`);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      bytes = await res.arrayBuffer();
    } catch (e) {
      this.store.getState().setModelError(`The shipped model ${m.file} could not be downloaded (${e instanceof Error ? e.message : String(e)}). The previous model is still in use.`);
      return false;
    }
    return this.installModelBytes(m.file, bytes, true);
  }

  // -------------------------------------------------------------------------------------------
  // inference

  /**
   * Keeps the store's result in step with its view state: whenever the state asks for a result it
   * does not have, runs one inference (never two at once) for the latest state, on the shown
   * slot's model. A failed request is not retried until the state changes. Returns a stop function.
   */
  startInferenceLoop(): () => void {
    const store = this.store;
    let running = false;
    // A key that failed, or whose model was replaced before it ran: not asked again.
    let doneKey: string | null = null;
    const wanted = (s: AppState): string | null => (s.engineState === 'none' || !s.test || s.modelVersion === 0 ? null : inferenceKey(s));

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
        const out = await this.engines.infer(s.shownSlot, { images: image, n: 1, start, variant: s.variant, paths: true }, s.modelVersion);
        if (!out) {
          doneKey = key; // the model was replaced meanwhile: the new model's state asks again
          return;
        }
        doneKey = null;
        store.getState().setResult({
          key, spec: s.spec, digitIndex: s.digitIndex,
          custom: s.custom ? { id: s.custom.id, kind: s.custom.kind, name: s.custom.name } : null,
          clutter: s.clutter, label: s.custom ? -1 : test.labels[s.digitIndex], image, variant: s.variant, start: s.start,
          startClass: s.start === 'predicted' ? out.result.forward.pred[0] : s.start,
          backend: out.backend, ms: out.ms, result: out.result,
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

  // -------------------------------------------------------------------------------------------
  // the whole test set

  /**
   * Classifies all test digits with the shown model (the test browser's filters and the confusion
   * matrix read the result), publishing progress every chunk. One run at a time; a run for a
   * model that is replaced meanwhile stops, and its partial result is dropped.
   */
  classifyTestSet(): Promise<boolean> {
    this.classifying ??= (async () => {
      const store = this.store;
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
        const ok = await this.engines.classifyAll(s.shownSlot, images, test.count, version, (first, p, c) => {
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
      this.classifying = null;
    });
    return this.classifying;
  }
}
