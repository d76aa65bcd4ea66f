/**
 * The engine host: the one owner of the page's GPU device and of the inference engines of every
 * model the page holds at once (by slot: the pretrained model shown, the run being trained, a
 * comparison model), made at boot and handed down, never module state. It runs every engine
 * operation one at a time (an operation queue), so an engine is never replaced or destroyed while
 * an inference on it reads back, and counts one model version for all slots: an answer names the
 * version it was computed on, and an operation for a version that has been replaced resolves null.
 *
 * Training shares the device: a GPU TrainRun is built on `host.device`, and `publish()` copies its
 * parameters into the slot's engine on the GPU (copyBufferToBuffer, no read-back). Without WebGPU
 * every slot runs on the CPU reference engine. Knows nothing of the DOM: the page hands it a way to
 * get a device (navigator.gpu), the tests hand it Dawn's.
 */
import type { BacktraceRequest, DrmmEngine, InferRequest, InferResult } from '../api';
import { CpuEngine } from '../cpuEngine';
import type { AdapterReport, DeviceResult } from '../device';
import { adapterLabel } from '../device';
import { GpuEngine } from '../gpuEngine';
import type { KernelChoice } from '../gpu/convSteps';
import { largestBatch } from '../gpu/limits';
import type { KernelReport } from '../gpu/tuner';
import { paramShapes, paramsFromList, type ModelParams, type ModelSpec } from '../model';
import { switchCounts, type SwitchCounts } from '../reference/sample';
import type { BacktraceMaps } from '../types';

export type DeviceOutcome = { kind: 'webgpu'; adapter: string } | { kind: 'cpu'; reason: string };

/** What a slot's engine was built as. */
export interface EngineInfo {
  version: number;
  backend: 'webgpu' | 'cpu';
  /** Set when a device exists but this model runs on the CPU reference anyway, with the reason. */
  note: string | null;
}

/** A source of parameters already on the host's device (a GPU TrainRun): tensors in paramList order. */
export interface GpuParamSource {
  readonly device: GPUDevice;
  readonly spec: ModelSpec;
  paramBuffers(): GPUBuffer[];
}

interface Slot {
  spec: ModelSpec;
  /** The parameters on the CPU side (what a lost device is rebuilt from); null: only on the GPU. */
  params: ModelParams | null;
  engine: DrmmEngine;
  version: number;
  note: string | null;
  /** ops when this slot's engine last ran a bottom-up pass (backtraces need theirs to be the last), and on which images. */
  forwardAt: number;
  lastImages: Float32Array | null;
  /** The class the last pass predicted for its first image. */
  lastPred: number;
  /** Reads the parameters of a slot published on the GPU (for batch engines of its model). */
  readParams: (() => Promise<ModelParams>) | null;
}

export interface HostHooks {
  /** The device was lost (not by destroy()); nothing more runs on it. */
  onLost?(message: string): void;
  /** An uncaptured GPU error (validation, out of memory, internal): shown, never swallowed. */
  onError?(message: string): void;
  /**
   * The kernel variants an inference engine of `spec` runs on this adapter (src/ui/device: a
   * choice the page's tuner stored); undefined: the engine's default, the direct kernels. Asked
   * whenever an engine is built; training runs build their own engines and do not ask.
   */
  kernelsFor?(spec: ModelSpec, adapter: AdapterReport): KernelChoice | undefined;
}

/** Images an inference engine takes at once (the live digits' batch), capped by the device. */
export const INFERENCE_BATCH = 16;

/** What a host tells its listeners: its device was lost, or it has a new one (or none) after recover(). */
export type HostEvent = { kind: 'lost'; message: string } | { kind: 'recovered'; outcome: DeviceOutcome; dropped: string[] };

export class EngineHost {
  private dev: GPUDevice | null = null;
  private readonly listeners = new Set<(e: HostEvent) => void>();
  private out: DeviceOutcome = { kind: 'cpu', reason: 'no device requested yet' };
  private adapterInfo: AdapterReport | null = null;
  private asked = false;
  private readonly slots = new Map<string, Slot>();
  private chain: Promise<unknown> = Promise.resolve();
  private versions = 0;
  /** Counts operations, so a backtrace knows whether its slot's pass is still the engines' last. */
  private ops = 0;
  private destroyed = false;

  constructor(private readonly acquire: () => Promise<DeviceResult>, private readonly hooks: HostHooks = {}) {}

  /** Runs fn after every operation queued before it (each failure stays with its own caller). */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Listens for the device's loss and recovery (the training session rebuilds its run on the new device). */
  subscribe(fn: (e: HostEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(e: HostEvent): void {
    for (const fn of [...this.listeners]) fn(e);
  }

  /**
   * Gets a device (at boot, and again after a loss); without one every slot runs on the CPU.
   * `cpuReason`: do not ask for a device, run on the CPU for this reason (e.g. devices keep being lost).
   */
  async start(cpuReason?: string): Promise<DeviceOutcome> {
    const got: DeviceResult = cpuReason ? { ok: false, reason: cpuReason } : await this.acquire();
    this.asked = true;
    if (!got.ok) {
      this.dev = null;
      this.adapterInfo = null;
      this.out = { kind: 'cpu', reason: got.reason };
      return this.out;
    }
    const d = got.device;
    this.dev = d;
    this.adapterInfo = got.adapter;
    this.out = { kind: 'webgpu', adapter: adapterLabel(got.adapter) };
    d.onuncapturederror = (ev) => this.hooks.onError?.(ev.error?.message || String(ev.error));
    void d.lost.then((info) => {
      if (this.dev !== d) return;
      this.dev = null;
      if (this.destroyed) return;
      const message = info.message || `reason: ${info.reason}`;
      this.emit({ kind: 'lost', message });
      this.hooks.onLost?.(message);
    });
    return this.out;
  }

  /** The device the host and the page's training share (null: none, or it was lost). */
  get device(): GPUDevice | null {
    return this.dev;
  }

  get outcome(): DeviceOutcome {
    return this.out;
  }

  /** The adapter of the current device (null without one). */
  get adapter(): AdapterReport | null {
    return this.dev ? this.adapterInfo : null;
  }

  /** The engine options' kernels for `spec` (hooks.kernelsFor; a policy that throws counts as none). */
  private kernelOpts(spec: ModelSpec): { kernels?: KernelChoice } {
    if (!this.adapterInfo || !this.hooks.kernelsFor) return {};
    try {
      const kernels = this.hooks.kernelsFor(spec, this.adapterInfo);
      return kernels ? { kernels } : {};
    } catch {
      return {};
    }
  }

  /**
   * Runs fn on the device between the queued operations, so no other engine operation of the host
   * runs meanwhile (e.g. timing kernel variants). Rejects when there is no device.
   */
  onDevice<T>(fn: (device: GPUDevice) => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      if (!this.dev) throw new Error('There is no GPU device (the app runs on the CPU reference engine).');
      return fn(this.dev);
    });
  }

  /**
   * Rebuilds every slot's GPU engine, so that a changed kernel policy (hooks.kernelsFor) applies:
   * same parameters and same version (the new kernels compute the same sums in another order).
   * A slot whose parameters are only on the GPU (a published training run) gets them copied from
   * its old engine on the GPU. A slot that cannot be rebuilt keeps its engine. Returns the slots rebuilt.
   */
  rebuildEngines(): Promise<string[]> {
    return this.exclusive(async () => {
      const dev = this.dev;
      const rebuilt: string[] = [];
      if (!dev) return rebuilt;
      for (const [name, s] of this.slots) {
        const old = s.engine;
        if (!(old instanceof GpuEngine) || old.core.device !== dev) continue;
        const zeros = () => paramsFromList(s.spec, paramShapes(s.spec).map((p) => new Float32Array(p.shape.reduce((a, b) => a * b, 1))));
        let engine: GpuEngine;
        try {
          engine = await GpuEngine.create(dev, s.spec, s.params ?? zeros(), { maxBatch: old.core.maxBatch, label: 'drmm.inference', ...this.kernelOpts(s.spec) });
        } catch {
          continue;
        }
        if (!s.params) {
          const from = old.core.internals();
          const to = engine.core.internals();
          const pairs = (io: typeof from) => [...io.levels.flatMap((l) => [l.W, l.b]), io.mu, io.classBias];
          const enc = dev.createCommandEncoder({ label: 'drmm.rebuild' });
          pairs(from).forEach((b, i) => enc.copyBufferToBuffer(b, 0, pairs(to)[i], 0, b.size));
          dev.queue.submit([enc.finish()]);
          engine.paramsChanged();
        }
        old.destroy();
        Object.assign(s, { engine, forwardAt: -1, lastImages: null });
        rebuilt.push(name);
      }
      this.ops++;
      return rebuilt;
    });
  }

  /** Whether a device has been asked for (before that, `outcome` says nothing). */
  get started(): boolean {
    return this.asked;
  }

  version(slot: string): number {
    return this.slots.get(slot)?.version ?? 0;
  }

  spec(slot: string): ModelSpec | null {
    return this.slots.get(slot)?.spec ?? null;
  }

  /** The kernel variants a slot's GPU engine runs (plain data), or null (no slot, or on the CPU). */
  kernelReport(slot: string): KernelReport | null {
    const e = this.slots.get(slot)?.engine;
    return e instanceof GpuEngine ? e.core.kernelReport : null;
  }

  /** The batch of a slot's inference engine: INFERENCE_BATCH, or fewer where the device's limits say so. */
  private inferenceBatch(spec: ModelSpec): number {
    return this.dev ? Math.max(1, Math.min(INFERENCE_BATCH, largestBatch(spec, this.dev.limits).maxBatch)) : INFERENCE_BATCH;
  }

  private async build(spec: ModelSpec, params: ModelParams): Promise<{ engine: DrmmEngine; note: string | null }> {
    if (!this.dev) return { engine: new CpuEngine(spec, params), note: null };
    try {
      const maxBatch = this.inferenceBatch(spec);
      return { engine: await GpuEngine.create(this.dev, spec, params, { maxBatch, label: 'drmm.inference', ...this.kernelOpts(spec) }), note: null };
    } catch (e) {
      const note = `The WebGPU engine could not be built for this model (${e instanceof Error ? e.message : String(e)}); it runs on the CPU reference instead.`;
      return { engine: new CpuEngine(spec, params), note };
    }
  }

  /**
   * A model's parameters into a slot (installParams): uploaded into the slot's engine when it was
   * built for the same architecture on the current device, else a new engine is built first and
   * only then the old one destroyed (on failure the slot is untouched and the error thrown).
   */
  install(slot: string, spec: ModelSpec, params: ModelParams): Promise<EngineInfo> {
    return this.exclusive(async () => {
      const have = this.slots.get(slot);
      const version = ++this.versions;
      this.ops++;
      if (have && JSON.stringify(have.spec) === JSON.stringify(spec) && this.sameBackend(have.engine)) {
        have.engine.setParams(params);
        Object.assign(have, { params, version, forwardAt: -1, lastImages: null, lastPred: -1, readParams: null });
        return { version, backend: have.engine.backend, note: have.note };
      }
      const { engine, note } = await this.build(spec, params);
      have?.engine.destroy();
      this.slots.set(slot, { spec, params, engine, version, note, forwardAt: -1, lastImages: null, lastPred: -1, readParams: null });
      return { version, backend: engine.backend, note };
    });
  }

  private sameBackend(e: DrmmEngine): boolean {
    return e.backend === (this.dev ? 'webgpu' : 'cpu') && (!(e instanceof GpuEngine) || e.core.device === this.dev);
  }

  /**
   * A training run's parameters into a slot: copied on the GPU from the run's buffers when the run
   * lives on this host's device and the slot's engine is a GPU engine of that architecture (no
   * read-back); otherwise `readParams` is awaited and the parameters installed.
   */
  publish(slot: string, source: GpuParamSource | null, readParams: () => Promise<ModelParams>, spec: ModelSpec): Promise<EngineInfo> {
    const have = this.slots.get(slot);
    const onGpu = source && this.dev && source.device === this.dev && have && have.engine instanceof GpuEngine && have.engine.core.device === this.dev && JSON.stringify(have.spec) === JSON.stringify(spec);
    if (!onGpu) return readParams().then((p) => this.install(slot, spec, p));
    return this.exclusive(async () => {
      const s = this.slots.get(slot)!;
      const dst = (s.engine as GpuEngine).core.internals();
      const to = [...dst.levels.flatMap((l) => [l.W, l.b]), dst.mu, dst.classBias];
      const from = source.paramBuffers();
      if (from.length !== to.length) throw new Error(`publish: ${from.length} parameter tensors for ${to.length}`);
      const enc = this.dev!.createCommandEncoder({ label: 'drmm.publish' });
      from.forEach((b, i) => enc.copyBufferToBuffer(b, 0, to[i], 0, to[i].size));
      this.dev!.queue.submit([enc.finish()]);
      (s.engine as GpuEngine).paramsChanged();
      s.version = ++this.versions;
      s.params = null; // only on the GPU now: a lost device re-installs from the run's checkpoint
      s.readParams = readParams;
      s.forwardAt = -1;
      this.ops++;
      return { version: s.version, backend: 'webgpu' as const, note: s.note };
    });
  }

  /** Forgets a slot (its engine is destroyed). */
  remove(slot: string): Promise<void> {
    return this.exclusive(async () => {
      this.slots.get(slot)?.engine.destroy();
      this.slots.delete(slot);
      this.ops++;
    });
  }

  /** The slot's engine when it still holds `version`, else null. */
  private at(slot: string, version: number): Slot | null {
    const s = this.slots.get(slot);
    return s && s.version === version ? s : null;
  }

  /** One inference (bottom-up pass, backtrace, optional path counts) on model `version` of a slot; null when replaced. */
  infer(slot: string, req: InferRequest, version: number): Promise<{ result: InferResult; backend: 'webgpu' | 'cpu'; ms: number } | null> {
    return this.exclusive(async () => {
      const s = this.at(slot, version);
      if (!s) return null;
      const t0 = performance.now();
      const result = await s.engine.infer(req);
      s.forwardAt = ++this.ops;
      s.lastImages = req.images;
      s.lastPred = result.forward.pred[0];
      return { result, backend: s.engine.backend, ms: performance.now() - t0 };
    });
  }

  /**
   * A backtrace through the switches of the slot's last bottom-up pass on `images` (a unit's
   * saliency, a counterfactual class): the pass runs again first only when another operation has
   * replaced its maps since.
   */
  backtrace(slot: string, images: Float32Array, n: number, req: BacktraceRequest, version: number): Promise<{ maps: BacktraceMaps; passes: number } | null> {
    return this.exclusive(async () => {
      const s = this.at(slot, version);
      if (!s) return null;
      let passes = 0;
      if (s.forwardAt !== this.ops || s.lastImages !== images) {
        s.lastPred = (await s.engine.classify(images, n)).pred[0];
        passes = 1;
      }
      const maps = await s.engine.backtrace(req);
      s.forwardAt = ++this.ops;
      s.lastImages = images;
      return { maps, passes };
    });
  }

  /**
   * Counterfactual rendering: the image's own switches rendered from each of `classes` (the
   * `rendering` variant), one queued backtrace per class through one bottom-up pass (run again only
   * if another operation replaced its maps). Null when the model was replaced or shouldStop().
   */
  async renderClasses(slot: string, image: Float32Array, classes: number[], version: number, shouldStop: () => boolean = () => false): Promise<{ pixels: (Float32Array | Float64Array)[]; pred: number; backend: 'webgpu' | 'cpu'; ms: number; passes: number } | null> {
    const pixels: (Float32Array | Float64Array)[] = [];
    let pred = -1;
    let backend: 'webgpu' | 'cpu' = 'cpu';
    let passes = 0;
    const t0 = performance.now();
    for (const c of classes) {
      if (shouldStop()) return null;
      const out = await this.exclusive(async () => {
        const s = this.at(slot, version);
        if (!s) return null;
        backend = s.engine.backend;
        if (s.forwardAt !== this.ops || s.lastImages !== image) {
          s.lastPred = (await s.engine.classify(image, 1)).pred[0];
          passes++;
        }
        pred = s.lastPred;
        const bt = await s.engine.backtrace({ start: { kind: 'class', classes: [c] }, variant: 'rendering', levels: false });
        s.forwardAt = ++this.ops;
        s.lastImages = image;
        return bt;
      });
      if (!out) return null;
      pixels.push(out.pixels);
    }
    return { pixels, pred, backend, ms: performance.now() - t0, passes };
  }

  /**
   * Classifies a few images (`n`, e.g. the ten counterfactuals) on the slot's own engine, its
   * inference batch at a time; its maps then hold their pass, not the last input's. Null when replaced.
   */
  classify(slot: string, images: Float32Array, n: number, version: number): Promise<Int32Array | null> {
    return this.exclusive(async () => {
      const s = this.at(slot, version);
      if (!s) return null;
      const per = this.inferenceBatch(s.spec);
      const D = images.length / n;
      const pred = new Int32Array(n);
      for (let f = 0; f < n; f += per) pred.set((await s.engine.classify(images.subarray(f * D, Math.min(n, f + per) * D), Math.min(per, n - f))).pred, f);
      s.forwardAt = -1;
      s.lastImages = null;
      this.ops++;
      return pred;
    });
  }

  /**
   * Classifies `count` images with a slot's model in chunks on an engine of its own (the slot's
   * engine is sized for a few images), calling onChunk after each; other operations may run
   * between chunks. Resolves false when the model was replaced or shouldStop() says so.
   */
  async classifyAll(slot: string, images: (first: number, n: number) => Float32Array, count: number, version: number, onChunk: (first: number, probs: Float32Array, pred: Int32Array) => void, shouldStop: () => boolean = () => false): Promise<boolean> {
    const s = this.at(slot, version);
    if (!s) return false;
    return this.chunked(s, version, count, 100, async (engine, first, n) => {
      const out = await engine.classify(images(first, n), n);
      onChunk(first, out.probs, out.pred);
    }, shouldStop, slot);
  }

  /** Switch statistics (ON counts, window positions) of `count` images under a slot's model, for the sampler's priors. */
  async switchCounts(slot: string, images: (first: number, n: number) => Float32Array, count: number, version: number, shouldStop: () => boolean = () => false): Promise<SwitchCounts | null> {
    const s = this.at(slot, version);
    if (!s) return null;
    let counts: SwitchCounts | undefined;
    const ok = await this.chunked(s, version, count, 20, async (engine, first, n) => {
      const out = await engine.infer({ images: images(first, n), n, start: { kind: 'class', classes: 'predicted' }, variant: 'rendering' });
      counts = switchCounts(s.spec, out.forward, counts);
    }, shouldStop, slot);
    return ok && counts ? counts : null;
  }

  /** Runs fn over chunks of `count` images on a batch engine of the slot's model (a copy of its parameters). */
  private async chunked(s: Slot, version: number, count: number, want: number, fn: (engine: DrmmEngine, first: number, n: number) => Promise<void>, shouldStop: () => boolean, slot: string): Promise<boolean> {
    const params = s.params ?? (await s.readParams?.()) ?? null;
    if (!params) return false;
    const dev = this.dev;
    // The CPU reference blocks the page while it runs: small chunks there.
    const chunk = dev ? Math.max(1, Math.min(want, largestBatch(s.spec, dev.limits).maxBatch)) : 4;
    const engine: DrmmEngine = dev ? await GpuEngine.create(dev, s.spec, params, { maxBatch: chunk, label: 'drmm.batch', ...this.kernelOpts(s.spec) }) : new CpuEngine(s.spec, params);
    try {
      for (let first = 0; first < count; first += chunk) {
        if (shouldStop() || this.version(slot) !== version) return false;
        const n = Math.min(chunk, count - first);
        await this.exclusive(() => fn(engine, first, n));
        // The CPU reference resolves without leaving the task: yield one, so the page repaints.
        if (!dev) await new Promise((resolve) => setTimeout(resolve, 0));
      }
      return this.version(slot) === version;
    } finally {
      engine.destroy();
    }
  }

  /**
   * After a lost device: a new one (or none: the CPU), and every slot rebuilt from the parameters
   * kept on the CPU side. A slot whose parameters were only on the GPU (a published training run)
   * is dropped; its owner re-publishes from its checkpoint. Returns the slots rebuilt.
   */
  async recover(cpuReason?: string): Promise<{ outcome: DeviceOutcome; rebuilt: string[]; dropped: string[] }> {
    const outcome = await this.start(cpuReason);
    return this.exclusive(async () => {
      const rebuilt: string[] = [];
      const dropped: string[] = [];
      for (const [name, s] of [...this.slots]) {
        try {
          s.engine.destroy();
        } catch {
          /* objects of a lost device */
        }
        if (!s.params) {
          this.slots.delete(name);
          dropped.push(name);
          continue;
        }
        const { engine, note } = await this.build(s.spec, s.params);
        Object.assign(s, { engine, note, version: ++this.versions, forwardAt: -1 });
        rebuilt.push(name);
      }
      this.ops++;
      this.emit({ kind: 'recovered', outcome, dropped });
      return { outcome, rebuilt, dropped };
    });
  }

  /** Releases every engine and the device. */
  destroy(): void {
    this.destroyed = true;
    for (const s of this.slots.values()) s.engine.destroy();
    this.slots.clear();
    this.dev?.destroy();
    this.dev = null;
  }
}
