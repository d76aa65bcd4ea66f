/**
 * The page's one TrainingSession and what it needs from the browser: its own WebGPU device,
 * IndexedDB for the autosave, downloads, and "live sync": the training weights installed as the
 * model of the first screen (uploaded into its engine through engineHost.setModelParams, then the
 * store's installModel), so its panels follow the training.
 */
import { adapterLabel, requestDevice, type ModelParams, type ModelSpec, type PresetName } from '../../engine';
import { setModelParams } from '../engineHost';
import { appStore, inferenceKey, type AppStore } from '../store';
import { Autosaver, idbStore } from './autosave';
import { TrainingSession, type SessionHost } from './session';

/** Model versions of live-synced weights: a range of their own, apart from the controller's 1, 2, 3, ... */
let liveVersion = 1_000_000;
let lastInstalled = -1;
let lastInstalledAt = 0;
/** Past this, weights are installed even if the panels never showed the previous ones (e.g. an inference error). */
const MAX_SKIP_MS = 10_000;

async function publish(store: AppStore, spec: ModelSpec, preset: PresetName | null, params: ModelParams, summary: string, force: boolean): Promise<'ok' | 'skipped' | 'stopped'> {
  const s = store.getState();
  if (!force && lastInstalled >= 0 && s.modelVersion !== lastInstalled) return 'stopped';
  // The panels have not shown the previous weights yet: skip this round rather than queue up.
  const pending = s.modelVersion === lastInstalled && s.test && s.result?.key !== inferenceKey(s);
  if (!force && pending && performance.now() - lastInstalledAt < MAX_SKIP_MS) return 'skipped';
  const version = ++liveVersion;
  const info = await setModelParams(spec, params, version);
  store.getState().installModel({
    presetName: preset,
    spec,
    params,
    source: { kind: 'file', fileName: 'in-page training', preset, trained: true, summary },
    modelVersion: version,
    engineBackend: info.backend,
    engineNote: info.note,
  });
  lastInstalled = version;
  lastInstalledAt = performance.now();
  return 'ok';
}

/** Offers data as a file download (checkpoints, the metrics CSV, saved models). */
export function download(data: Uint8Array | string | Blob, fileName: string, mime: string): void {
  const blob = data instanceof Blob ? data : new Blob([typeof data === 'string' ? data : data.slice()], { type: mime });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function browserHost(store: AppStore = appStore): SessionHost {
  const kv = idbStore();
  return {
    store,
    requestDevice: async () => {
      const gpu = typeof navigator !== 'undefined' ? navigator.gpu : undefined;
      const got = await requestDevice(gpu, 'drmm-train');
      return got.ok ? { ok: true, device: got.device, adapter: adapterLabel(got.adapter) } : { ok: false, reason: got.reason };
    },
    autosaver: kv ? new Autosaver(kv) : null,
    publish: (spec, preset, params, summary, force) => publish(store, spec, preset, params, summary, force),
    download,
    now: () => performance.now(),
  };
}

let session: TrainingSession | null = null;

/** The page's session (made on first use). */
export function trainingSession(): TrainingSession {
  session ??= new TrainingSession(browserHost());
  return session;
}

let checked = false;

/** On page load: looks for an autosave to offer. */
export function initTraining(): void {
  if (checked) return;
  checked = true;
  void trainingSession().checkAutosave();
}
