/**
 * Holds the GPU device and the engine outside the store (they are live objects, not state), and
 * runs every engine operation one at a time, so an engine is never destroyed while an inference
 * on it is still reading back.
 */
import { adapterLabel, createEngine, requestDevice, type DrmmEngine, type InferRequest, type InferResult, type ModelParams, type ModelSpec } from '../engine';
import { largestBatch, switchCounts, type SwitchCounts } from '../engine';

export type DeviceOutcome = { kind: 'webgpu'; adapter: string } | { kind: 'cpu'; reason: string };

let device: GPUDevice | null = null;
let engine: DrmmEngine | null = null;
/** The architecture `engine` was built for, as JSON (weights can be swapped in place when it matches). */
let engineSpec = '';
/** The note `engine` was built with (a CPU fallback's reason), kept across weight updates. */
let engineNote: string | null = null;
/** The model version of `engine` (see the store's modelVersion). */
let engineVersion = -1;
let chain: Promise<unknown> = Promise.resolve();
/**
 * Counts the operations run on `engine` (and its replacements): renderClasses backtraces through
 * the maps of its own bottom-up pass only while no other operation has run since.
 */
let engineOps = 0;

/** Runs fn after every operation queued before it (each failure stays with its own caller). */
function exclusive<T>(fn: () => Promise<T>): Promise<T> {
  const run = chain.then(fn, fn);
  chain = run.catch(() => undefined);
  return run;
}

/**
 * Asks the browser for a WebGPU device (at boot, and again after a loss). onLost is called if the
 * device is later lost for any reason (this module never destroys its device itself, so even a
 * 'destroyed' loss comes from elsewhere); from then on nothing more is run on it. onError gets
 * each uncaptured GPU error (validation, out of memory, internal), so none is swallowed.
 */
export async function acquireDevice(onLost: (message: string) => void, onError?: (message: string) => void): Promise<DeviceOutcome> {
  const gpu = typeof navigator !== 'undefined' ? navigator.gpu : undefined;
  const got = await requestDevice(gpu, 'drmm-app');
  if (!got.ok) return { kind: 'cpu', reason: got.reason };
  const d = got.device;
  device = d;
  d.onuncapturederror = (ev) => onError?.(ev.error?.message || String(ev.error));
  void d.lost.then((info) => {
    if (device === d) device = null;
    onLost(info.message || `reason: ${info.reason}`);
  });
  return { kind: 'webgpu', adapter: adapterLabel(got.adapter) };
}

/** The device in use (null: none, or it was lost): for the ?test-hooks page hook (recovery/testHooks.ts). */
export function currentDevice(): GPUDevice | null {
  return device;
}

export interface EngineInfo {
  backend: 'webgpu' | 'cpu';
  /** Set when a device exists but this model runs on the CPU reference anyway, with the reason. */
  note: string | null;
}

/**
 * Creates an engine for the model and only then destroys the old one: on failure the engine in
 * use is untouched and the error is thrown. With a device, a failure to build the WebGPU engine
 * (e.g. a model too large for the device's limits) falls back to the CPU reference with a note.
 */
export function replaceEngine(spec: ModelSpec, params: ModelParams, version: number): Promise<EngineInfo> {
  return exclusive(async () => {
    let next: DrmmEngine;
    let note: string | null = null;
    if (device) {
      try {
        next = await createEngine({ device, spec, params, maxBatch: 1 });
      } catch (e) {
        note = `The WebGPU engine could not be built for this model (${e instanceof Error ? e.message : String(e)}); it runs on the CPU reference instead.`;
        next = await createEngine({ device: null, spec, params });
      }
    } else {
      next = await createEngine({ device: null, spec, params });
    }
    engine?.destroy();
    engine = next;
    engineOps++;
    engineSpec = JSON.stringify(spec);
    engineNote = note;
    engineVersion = version;
    return { backend: next.backend, note };
  });
}

/**
 * New weights for the model: uploaded into the engine in use when it was built for the same
 * architecture (no buffers or pipelines are made), else a new engine as replaceEngine builds.
 */
export function setModelParams(spec: ModelSpec, params: ModelParams, version: number): Promise<EngineInfo> {
  return exclusive(async () => {
    if (!engine || engineSpec !== JSON.stringify(spec)) return null;
    engine.setParams(params);
    engineOps++;
    engineVersion = version;
    return { backend: engine.backend, note: engineNote };
  }).then((info) => info ?? replaceEngine(spec, params, version));
}

/**
 * Runs one inference on the engine of model `version`; resolves null when that engine has been
 * replaced meanwhile (the caller asks again for the current model).
 */
export function infer(req: InferRequest, version: number): Promise<{ result: InferResult; backend: 'webgpu' | 'cpu'; ms: number } | null> {
  return exclusive(async () => {
    if (!engine || engineVersion !== version) return null;
    const t0 = performance.now();
    engineOps++;
    const result = await engine.infer(req);
    return { result, backend: engine.backend, ms: performance.now() - t0 };
  });
}

/**
 * Counterfactual rendering: the image's own switches rendered from each of `classes` (the
 * `rendering` variant). The bottom-up pass runs once (engine.classify), then one backtrace per
 * class through its maps (engine.backtrace), reading back only the pixels; each class is queued
 * on its own so other operations can run between them, and if one did (its pass replaced the
 * maps), the bottom-up pass runs again first. Resolves null when the model of `version` was
 * replaced meanwhile or shouldStop() says so.
 */
export async function renderClasses(
  image: Float32Array,
  classes: number[],
  version: number,
  shouldStop: () => boolean = () => false,
): Promise<{ pixels: (Float32Array | Float64Array)[]; pred: number; backend: 'webgpu' | 'cpu'; ms: number; passes: number } | null> {
  const pixels: (Float32Array | Float64Array)[] = [];
  let pred = -1;
  let backend: 'webgpu' | 'cpu' = 'cpu';
  /** engineOps right after this call's bottom-up pass (-1: none yet), and how many passes it ran. */
  let ownPass = -1;
  let passes = 0;
  const t0 = performance.now();
  for (const c of classes) {
    const out = await exclusive(async () => {
      if (!engine || engineVersion !== version || shouldStop()) return null;
      backend = engine.backend;
      if (ownPass !== engineOps) {
        pred = (await engine.classify(image, 1)).pred[0];
        ownPass = ++engineOps;
        passes++;
      }
      return engine.backtrace({ start: { kind: 'class', classes: [c] }, variant: 'rendering', levels: false });
    });
    if (!out) return null;
    pixels.push(out.pixels);
  }
  return { pixels, pred, backend, ms: performance.now() - t0, passes };
}

/**
 * Switch statistics (ON counts per unit, window positions per pooled unit) of `count` images
 * under the model of `version`, for the sampler's empirical priors: in chunks on an engine of its
 * own, like classifyAll. Resolves null when the model was replaced or shouldStop() says so.
 */
export async function collectSwitchCounts(
  spec: ModelSpec,
  params: ModelParams,
  images: (first: number, n: number) => Float32Array,
  count: number,
  version: number,
  shouldStop: () => boolean = () => false,
): Promise<SwitchCounts | null> {
  const batch = await createEngine({ device, spec, params, maxBatch: device ? fitChunk(spec, device, 20) : 4 });
  // The CPU reference blocks the page while it runs: smaller chunks keep it responsive.
  const chunk = batch.backend === 'webgpu' ? 20 : 4;
  let counts: SwitchCounts | undefined;
  try {
    for (let first = 0; first < count; first += chunk) {
      if (shouldStop() || engineVersion !== version) return null;
      const n = Math.min(chunk, count - first);
      const out = await exclusive(() => batch.infer({ images: images(first, n), n, start: { kind: 'class', classes: 'predicted' }, variant: 'rendering' }));
      counts = switchCounts(spec, out.forward, counts);
    }
    return engineVersion === version && counts ? counts : null;
  } finally {
    batch.destroy();
  }
}

/** A chunk of at most `want` images that the device's limits allow (engine/gpu/limits.ts). */
function fitChunk(spec: ModelSpec, d: GPUDevice, want: number): number {
  return Math.max(1, Math.min(want, largestBatch(spec, d.limits).maxBatch));
}

/**
 * Classifies `count` images with the model of `version`, in chunks of `chunk` on an
 * engine of its own (the inference engine has batch size 1), calling onChunk after each chunk so
 * the caller can publish progress. Other engine operations may run between chunks. Resolves null
 * when the model was replaced meanwhile; stops early (resolving null) when shouldStop() says so.
 */
export async function classifyAll(
  spec: ModelSpec,
  params: ModelParams,
  /** Images [first, first + n), batch-major floats. */
  images: (first: number, n: number) => Float32Array,
  count: number,
  version: number,
  onChunk: (first: number, probs: Float32Array, pred: Int32Array) => void,
  shouldStop: () => boolean = () => false,
  // The CPU reference takes ~70 ms a drmm-compact image and blocks while it runs: small chunks there.
  chunk = device ? fitChunk(spec, device, 100) : 4,
): Promise<boolean> {
  const batch = await createEngine({ device, spec, params, maxBatch: chunk });
  try {
    for (let first = 0; first < count; first += chunk) {
      if (shouldStop() || engineVersion !== version) return false;
      const n = Math.min(chunk, count - first);
      const out = await exclusive(() => batch.classify(images(first, n), n));
      onChunk(first, out.probs, out.pred);
      // The CPU reference resolves without ever leaving the task: yield one, so the page repaints
      // the progress and takes input between chunks.
      if (!device) await new Promise((resolve) => setTimeout(resolve, 0));
    }
    return engineVersion === version;
  } finally {
    batch.destroy();
  }
}

