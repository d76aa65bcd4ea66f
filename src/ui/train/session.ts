/**
 * In-page EG training: the page's version of scripts/train.ts. A `TrainingSession` owns its own
 * GPUDevice, a DrmmGpuEngine sized for the training batch and a GpuTrainer (none of which enter the
 * store), and runs the loop without freezing the page:
 *
 * - On a slow adapter (a step predicted above ~100 ms) each phase of a step (forward, top-down,
 *   backward, Adam: `trainer.phases()`) is its own submit; the loop waits for
 *   `queue.onSubmittedWorkDone()` and yields to the event loop after each. On a fast one a whole
 *   step is one submit. The batch is chosen from a measured step so one phase stays within ~100 ms.
 * - Every REPORT_EVERY steps one read-back of the loss terms (`readMetrics`); rows reach the store
 *   at most every FLUSH_MS. Every epoch (and on demand) the 10,000 test digits are evaluated on the
 *   GPU, a chunk a submit. Every LIVE_MS the weights are copied into the inference engine so the
 *   panels above follow the training.
 * - The run is a pure function of (preset, mode, N_L, seed, batch) and the settings changed along
 *   the way: batches come from Schedule, parameters from initParams(seed). Checkpoints (a
 *   download, or the IndexedDB autosave every AUTOSAVE_EVERY steps) hold the Adam state and
 *   continue exactly.
 * - A non-finite loss or weight stops the loop and restores the last good checkpoint.
 */
import { PRESETS, initParams, paramList, rng, shapesOf, type ModelParams, type ModelSpec, type PresetName } from '../../engine/model';
import { DrmmGpuEngine } from '../../engine/gpu/engine';
import { GpuTrainer, type TrainConfig } from '../../engine/gpu/trainer';
import { capBatch } from '../../engine/gpu/limits';
import { loadCheckpoint, saveCheckpoint, type LoadedCheckpoint, type RunState } from '../../engine/train/legacyCheckpoint';
import { Schedule, TRAIN_MODES, type TrainMode } from '../../engine/train/schedule';
import type { MnistSplit } from '../../data/mnistLoader';
import type { AppStore } from '../store';
import { newRunId, type Autosaver, type AutosaveMeta, type BrokenAutosave } from './autosave';
import { discardBroken, discardRun, refreshResumeOffer } from './autosave/offer';
import { StorageFullError } from '../storage/quota';
import { addRun, archiveRun } from './runs';
import {
  PHASE_TARGET_MS,
  chooseBatchSize,
  chooseEvalChunk,
  emptyMetrics,
  epochSeconds,
  firstNonFinite,
  fitSpeed,
  metricsCsv,
  metricsFromHistory,
  reduceSnapshots,
  reduceTest,
  rowFromJson,
  rowToJson,
  shouldSplitPhases,
  stepMsAt,
  stepsPerEpochFor,
  type MetricRow,
  type StepSample,
} from './logic';
import type { SpeedReport, TrainingSettings, TrainingState } from './slice';

export const REPORT_EVERY = 10;
export const AUTOSAVE_EVERY = 300;
export const FLUSH_MS = 400;
export const LIVE_MS = 2000;
/** An in-memory checkpoint at least this often (ms) between autosaves: what a lost device rolls back to. */
export const MEMORY_CHECKPOINT_MS = 20_000;
const PROGRESS_MS = 200;
const PROBE_BATCHES = [8, 8, 8, 32, 32];

/** What the session needs from the page (tests can pass their own). */
export interface SessionHost {
  store: AppStore;
  /** A device of the session's own. */
  requestDevice(): Promise<{ ok: true; device: GPUDevice; adapter: string } | { ok: false; reason: string }>;
  autosaver: Autosaver | null;
  /** Copies weights into the inference engine. 'stopped': another model was chosen meanwhile (live sync ends). */
  publish(spec: ModelSpec, preset: PresetName | null, params: ModelParams, summary: string, force: boolean): Promise<'ok' | 'skipped' | 'stopped'>;
  download(data: Uint8Array | string, fileName: string, mime: string): void;
  now(): number;
}

class NonFiniteError extends Error {}

interface Run {
  /** The run's autosave id (autosave.ts): one per run, kept through a device recovery or a rollback. */
  id: string;
  preset: PresetName | null;
  spec: ModelSpec;
  mode: TrainMode;
  labelled: number | null;
  seed: number;
  batch: number;
  epoch: number;
  stepInEpoch: number;
  step: number;
  wallSeconds: number;
  /** The training record of a model file the run started from (kept in config). */
  init: string | null;
}

/** Resolves after the event loop has had a turn (rendering and input included). */
export function yieldNow(): Promise<void> {
  const sched = (globalThis as { scheduler?: { yield?: () => Promise<void> } }).scheduler;
  if (sched?.yield) return sched.yield();
  return new Promise((resolve) => setTimeout(resolve, 0));
}

const PIXEL = Float32Array.from({ length: 256 }, (_, i) => i / 255);

function presetOf(spec: ModelSpec, name: string | null): PresetName | null {
  if (name && name in PRESETS && JSON.stringify(PRESETS[name as PresetName]) === JSON.stringify(spec)) return name as PresetName;
  return null;
}

export function checkpointFileName(r: { preset: string | null; mode: string; labelled: number | null; seed: number; epoch: number; step: number }): string {
  const nl = r.mode === 'semi-supervised' && r.labelled ? `-NL${r.labelled}` : '';
  return `${r.preset ?? 'model'}-${r.mode}${nl}-seed${r.seed}-epoch${r.epoch}-step${r.step}.drmm`;
}

/** How long a failed step waits for its device's loss to be reported, ms. */
const LOSS_GRACE_MS = 1000;

/** Resolves true once `device` is lost, or false after `ms` if it is not. */
function lostWithin(device: GPUDevice, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    device.lost.then(() => true),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export class TrainingSession {
  private device: GPUDevice | null = null;
  private adapter = '';
  private deviceError: string | null = null;
  private engine: DrmmGpuEngine | null = null;
  private trainer: GpuTrainer | null = null;
  private schedule: Schedule | null = null;
  private run: Run | null = null;
  /** The last checkpoint known to be finite (in memory): what a rollback restores. */
  private lastGood: { bytes: Uint8Array; epoch: number; stepInEpoch: number; step: number } | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private looping: Promise<void> | null = null;
  private stopRequested = false;
  private pending: MetricRow[] = [];
  private lastFlush = 0;
  private lastProgress = 0;
  private lastPublish = 0;
  private lastAutosaveStep = 0;
  private unsynced = 0;
  private forcePublish = false;
  private lastReport: { at: number; step: number } | null = null;
  private clock = { t0: 0, step0: 0, images: 0 };
  private images = new Float32Array(0);
  private labels = new Int32Array(0);
  private testImages: { split: MnistSplit; images: Float32Array } | null = null;
  /** The overlay id of each archived run. */
  private runIds = new Map<Run, string>();
  /** Devices this session destroyed itself: their loss is no accident. */
  private readonly ownDestroyed = new WeakSet<GPUDevice>();
  /** Set while recovering from a lost device: the loop's failure then is the loss, not a training error. */
  private lost: { step: number; message: string } | null = null;
  /** The last batch-cap message shown (device limits), so it is shown once. */
  private capShown: string | null = null;
  private lastGoodAt = 0;

  constructor(private readonly host: SessionHost) {}

  // -------------------------------------------------------------------------------------------
  // plumbing

  private get state() {
    return this.host.store.getState();
  }

  private get t(): TrainingState {
    return this.state.training;
  }

  private patch(p: Partial<TrainingState> | ((t: TrainingState) => Partial<TrainingState>)): void {
    this.state.patchTraining(p);
  }

  private notice(kind: 'info' | 'warn' | 'error', text: string): void {
    this.patch({ notice: { kind, text } });
  }

  /** Runs fn after every operation queued before it; a failure becomes a notice (and is returned as undefined). */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async guarded(what: string, fn: () => Promise<void>): Promise<void> {
    try {
      await this.exclusive(fn);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      this.notice('error', `${what} failed: ${msg}`);
      this.patch({ status: this.idleStatus(), busyWhat: null, evalProgress: null });
    }
  }

  private idleStatus(): TrainingState['status'] {
    if (!this.device && this.deviceError) return 'unavailable';
    if (this.run) return 'paused';
    return this.t.speed ? 'ready' : 'idle';
  }

  /** The session's device (null: none yet, or lost); for the ?test-hooks page hook. */
  get gpuDevice(): GPUDevice | null {
    return this.device;
  }

  private async ensureDevice(): Promise<GPUDevice | null> {
    if (this.device) return this.device;
    if (this.deviceError) return null;
    const got = await this.host.requestDevice();
    if (!got.ok) {
      this.deviceError = got.reason;
      this.patch({ status: 'unavailable', notice: { kind: 'warn', text: `Training needs WebGPU: ${got.reason}` } });
      return null;
    }
    const device = got.device;
    this.device = device;
    this.adapter = got.adapter;
    device.onuncapturederror = (ev) =>
      this.state.reportRecovery(
        { topic: 'gpu-error', kind: 'error', text: `The GPU reported an error during training: ${(ev.error?.message || String(ev.error)).replace(/\s+/g, ' ').trim()}. If the loss looks wrong, reset or load the last checkpoint.` },
        true,
      );
    void device.lost.then((info) => {
      if (this.ownDestroyed.has(device) || this.device !== device) return;
      void this.recoverDevice(info.message || `reason: ${info.reason}`);
    });
    return device;
  }

  /**
   * The device was lost (not by our own destroy): the loop stops, a new device is requested, the
   * engine and trainer are rebuilt on it from the last checkpoint (the in-memory one taken at
   * every autosave, else the IndexedDB autosave, else the run's start), and a running loop goes
   * on, re-running the steps after the checkpoint. The notice says how many.
   */
  private async recoverDevice(message: string): Promise<void> {
    const wasRunning = this.looping !== null && !this.stopRequested;
    const step = this.run?.step ?? 0;
    this.device = null;
    this.lost = { step, message };
    this.stopRequested = true;
    this.patch({ status: 'busy', busyWhat: 'the GPU device was lost: setting up a new one' });
    await this.looping;
    let resumed = false;
    await this.guarded('Recovering from the lost GPU device', async () => {
      try {
        this.trainer?.destroy();
        this.engine?.destroy();
      } catch {
        /* objects of a lost device */
      }
      this.trainer = null;
      this.engine = null;
      const device = await this.ensureDevice();
      if (!device) throw new Error(`no new GPU device could be had (${this.deviceError ?? 'unknown reason'})`);
      if (!this.run) {
        this.notice('warn', `The GPU device was lost (${message}); a new one was set up. No run had started, so nothing was lost.`);
        return;
      }
      let from = 'the checkpoint kept in memory';
      let bytes = this.lastGood?.bytes ?? null;
      if (!bytes && this.host.autosaver) {
        const got = await this.host.autosaver.load(this.run.id, (b) => void loadCheckpoint(b)).catch(() => null);
        if (got) {
          bytes = got.bytes;
          from = 'the autosave';
        }
      }
      if (bytes) {
        await this.restore(bytes, 'recovery', this.run.id);
      } else {
        // No checkpoint yet: the run starts again from its seed, which is where it started.
        this.run = null;
        from = 'the start of the run';
        await this.ensureRun();
      }
      const at = this.run!.step;
      const rerun = Math.max(0, step - at);
      const text =
        `The GPU device was lost at step ${step} (${message}). A new device was set up and training ${wasRunning ? 'resumed' : 'was restored'} from the last checkpoint ` +
        `(step ${at}, ${from}): ${rerun} step${rerun === 1 ? '' : 's'} after it ${wasRunning ? 'are' : 'will be'} re-run.`;
      this.notice('warn', text);
      this.state.reportRecovery({ topic: 'training-device', kind: 'warn', text });
      resumed = true;
    });
    this.lost = null;
    if (!resumed) this.state.reportRecovery({ topic: 'training-device', kind: 'error', text: this.t.notice?.text ?? `Training stopped: the GPU device was lost (${message}).` });
    if (resumed && wasRunning) this.start(true);
  }

  private settings(): TrainingSettings {
    return this.t.settings;
  }

  private trainCount(): number {
    return this.state.train?.count ?? 60000;
  }

  private batchFor(s: TrainingSettings): number {
    return this.fitDevice(s.batch !== 'auto' ? s.batch : (this.t.speed?.autoBatch ?? 16));
  }

  /** The batch capped to what the device's limits allow (engine/gpu/limits.ts), saying so once. */
  private fitDevice(batch: number): number {
    if (!this.device) return batch;
    const spec = this.run?.spec ?? PRESETS[this.settings().preset];
    const c = capBatch(spec, this.device.limits, batch, { training: true });
    if (c.message && c.message !== this.capShown) {
      this.capShown = c.message;
      this.notice('warn', c.message);
    }
    return c.batch;
  }

  private config(s: TrainingSettings): Partial<TrainConfig> {
    return { lr: s.lr, weights: { ...s.weights }, variant: 'rendering' };
  }

  private splitPhases(batch: number): boolean {
    const speed = this.t.speed;
    return speed ? shouldSplitPhases(speed.fit, batch) : true;
  }

  private speedReport(samples: StepSample[], batch: number, mode: TrainMode): SpeedReport {
    const fit = fitSpeed(samples);
    const stepMs = stepMsAt(fit, batch);
    return {
      adapter: this.adapter,
      samples,
      fit,
      autoBatch: chooseBatchSize(fit),
      batch,
      stepMs,
      splitPhases: shouldSplitPhases(fit, batch),
      epochSeconds: epochSeconds(stepsPerEpochFor(mode, batch, this.trainCount()), stepMs),
      observedStepMs: null,
      observedBatch: null,
    };
  }

  /** Records `phases` into one submit each (waiting for each), or into one submit; returns each submit's ms. */
  private async submit(phases: ((pass: GPUComputePassEncoder) => void)[], split: boolean, sync: boolean): Promise<number[]> {
    const device = this.device!;
    const times: number[] = [];
    const groups = split ? phases.map((p) => [p]) : [phases];
    for (const group of groups) {
      const t0 = this.host.now();
      const enc = device.createCommandEncoder({ label: 'drmm.train.page' });
      const pass = enc.beginComputePass({ label: 'drmm.train.page' });
      for (const phase of group) phase(pass);
      pass.end();
      device.queue.submit([enc.finish()]);
      if (split || sync) await device.queue.onSubmittedWorkDone();
      times.push(this.host.now() - t0);
      if (split) await yieldNow();
    }
    return times;
  }

  // -------------------------------------------------------------------------------------------
  // speed

  /** Times a few steps of the chosen preset and mode on throw-away weights; sets the batch estimate. */
  measure(): Promise<void> {
    return this.guarded('Measuring the speed', async () => {
      const device = await this.ensureDevice();
      if (!device) return;
      const s = this.settings();
      const spec = this.run?.spec ?? PRESETS[s.preset];
      this.patch({ status: 'measuring', busyWhat: 'timing a few training steps' });
      const max = Math.max(...PROBE_BATCHES);
      const engine = await DrmmGpuEngine.create(device, spec, initParams(spec, 1), { maxBatch: max, label: 'drmm.probe' });
      const trainer = new GpuTrainer(engine, this.config(s));
      const samples: StepSample[] = [];
      try {
        const per = spec.input.channels * spec.input.height * spec.input.width;
        const r = rng(0x5eed);
        const images = Float32Array.from({ length: max * per }, () => (r() < 0.2 ? r() : 0));
        const mode = this.run?.mode ?? s.mode;
        const labels = Array.from({ length: max }, (_, i) => (mode === 'unsupervised' || (mode === 'semi-supervised' && i % 2) ? -1 : i % spec.classes));
        // The first step warms the pipelines up; then the fastest of a few repeats per size (the
        // page may be busy decoding the data or drawing the panels meanwhile).
        for (let k = 0; k < PROBE_BATCHES.length; k++) {
          const n = PROBE_BATCHES[k];
          // Already at the target with the smallest batch (a heavy model on a slow adapter): the
          // batch will be the smallest, and larger probes would only stall the GPU.
          const small = samples.find((x) => x.batch === PROBE_BATCHES[0]);
          if (n > PROBE_BATCHES[0] && small && Math.max(...small.phaseMs) >= PHASE_TARGET_MS) break;
          trainer.setBatch(images, labels, n);
          const ms = await this.submit(trainer.phases(), true, true);
          if (k === 0) continue;
          const same = samples.find((x) => x.batch === n);
          if (same) same.phaseMs = same.phaseMs.map((v, i) => Math.min(v, ms[i]));
          else samples.push({ batch: n, phaseMs: ms });
        }
      } finally {
        trainer.destroy();
        engine.destroy();
      }
      const mode = this.run?.mode ?? s.mode;
      const probe = this.speedReport(samples, 8, mode);
      const batch = this.run?.batch ?? (s.batch === 'auto' ? probe.autoBatch : s.batch);
      this.patch({ speed: this.speedReport(samples, batch, mode), busyWhat: null });
      this.patch({ status: this.idleStatus() });
    });
  }

  // -------------------------------------------------------------------------------------------
  // building a run

  private async build(spec: ModelSpec, params: ModelParams, adam: LoadedCheckpoint['adam'], batch: number, config: Partial<TrainConfig>): Promise<void> {
    const device = this.device!;
    this.trainer?.destroy();
    this.engine?.destroy();
    this.trainer = null;
    this.engine = null;
    const engine = await DrmmGpuEngine.create(device, spec, params, { maxBatch: batch, label: 'drmm.train' });
    const trainer = new GpuTrainer(engine, config);
    if (adam) trainer.writeAdamState(adam);
    this.engine = engine;
    this.trainer = trainer;
    const per = spec.input.channels * spec.input.height * spec.input.width;
    this.images = new Float32Array(batch * per);
    this.labels = new Int32Array(batch);
    this.schedule = null;
  }

  private ensureSchedule(): Schedule {
    const run = this.run!;
    if (this.schedule && this.schedule.spec.batchSize === run.batch) return this.schedule;
    const train = this.state.train;
    if (!train) throw new Error('the training set is still loading');
    this.schedule = new Schedule({ mode: run.mode, seed: run.seed, batchSize: run.batch, labelledCount: run.labelled ?? undefined }, train.labels);
    return this.schedule;
  }

  private stepsPerEpoch(): number {
    const run = this.run!;
    return this.schedule?.stepsPerEpoch ?? stepsPerEpochFor(run.mode, run.batch, this.trainCount());
  }

  private progress(): TrainingState['progress'] {
    const run = this.run;
    return run ? { epoch: run.epoch, stepInEpoch: run.stepInEpoch, step: run.step, stepsPerEpoch: this.stepsPerEpoch(), batch: run.batch } : null;
  }

  /** A new run from the settings (random weights from the seed), unless one exists. */
  private async ensureRun(): Promise<void> {
    if (this.run) return;
    const device = await this.ensureDevice();
    if (!device) throw new Error(this.deviceError ?? 'no WebGPU device');
    if (!this.state.train) throw new Error('the training set is still loading');
    const s = this.settings();
    const spec = PRESETS[s.preset];
    const batch = this.batchFor(s);
    this.patch({ status: 'busy', busyWhat: 'setting up the trainer' });
    await this.build(spec, initParams(spec, s.seed), null, batch, this.config(s));
    this.run = {
      id: newRunId(), preset: s.preset, spec, mode: s.mode, labelled: s.mode === 'semi-supervised' ? s.labelled : null, seed: s.seed, batch,
      epoch: 0, stepInEpoch: 0, step: 0, wallSeconds: 0, init: null,
    };
    this.ensureSchedule();
    this.pending = [];
    this.lastAutosaveStep = 0;
    this.patch({ progress: this.progress(), metrics: emptyMetrics(), eta: null, notice: null });
    await this.keepGood();
    await this.publish(true);
  }

  /** Applies settings changed since the last step (read between steps only: a step sees one config). */
  private async applySettings(): Promise<void> {
    const s = this.settings();
    const trainer = this.trainer!;
    trainer.config = { ...trainer.config, lr: s.lr, weights: { ...s.weights } };
    const batch = this.batchFor(s);
    const run = this.run!;
    if (batch === run.batch) return;
    // A new batch size: same weights and Adam moments, a new schedule; the position in the epoch is kept in images.
    const params = await trainer.readParams();
    const adam = await trainer.readAdamState();
    const fromAll = (b: number) => (run.mode === 'semi-supervised' ? Math.floor(b / 2) : b);
    const seen = run.stepInEpoch * fromAll(run.batch);
    await this.build(run.spec, params, adam, batch, trainer.config);
    run.batch = batch;
    const spe = this.ensureSchedule().stepsPerEpoch;
    run.stepInEpoch = Math.min(spe - 1, Math.floor(seen / fromAll(batch)));
    const speed = this.t.speed;
    if (speed) this.patch({ speed: this.speedReport(speed.samples, batch, run.mode) });
  }

  // -------------------------------------------------------------------------------------------
  // one step and its bookkeeping

  private async oneStep(): Promise<void> {
    await this.applySettings();
    const run = this.run!;
    const schedule = this.ensureSchedule();
    const train = this.state.train!;
    const per = train.rows * train.cols;
    const b = schedule.batch(run.epoch, run.stepInEpoch);
    const px = train.pixels;
    for (let i = 0; i < b.indices.length; i++) {
      const idx = b.indices[i];
      const off = idx * per;
      const dst = i * per;
      for (let p = 0; p < per; p++) this.images[dst + p] = PIXEL[px[off + p]];
      this.labels[i] = b.labelled[i] ? train.labels[idx] : -1;
    }
    const trainer = this.trainer!;
    trainer.setBatch(this.images, this.labels, run.batch);
    const split = this.splitPhases(run.batch);
    this.unsynced++;
    await this.submit(trainer.phases(), split, this.unsynced >= 4);
    if (!split) {
      if (this.unsynced >= 4) this.unsynced = 0;
      await yieldNow();
    }
    run.step++;
    run.stepInEpoch++;
    this.clock.images += run.batch;
  }

  private elapsed(): number {
    return (this.host.now() - this.clock.t0) / 1000;
  }

  /** One read-back of the loss terms since the last one; a non-finite total throws NonFiniteError. */
  private async report(): Promise<void> {
    const run = this.run!;
    const m = await this.trainer!.readMetrics();
    if (m.steps === 0) return;
    if (!Number.isFinite(m.total)) throw new NonFiniteError(`the loss became ${m.total} (ce ${m.ce}, rc ${m.rc}, ent ${m.ent}, nn ${m.nn})`);
    const spe = this.stepsPerEpoch();
    const secs = this.elapsed();
    const rate = secs > 0 ? this.clock.images / secs : NaN;
    this.pending.push({
      epoch: run.epoch + run.stepInEpoch / spe, step: run.step, ce: m.ce, rc: m.rc, ent: m.ent, nn: m.nn, total: m.total,
      trainAccuracy: m.trainAccuracy, testAccuracy: NaN, imagesPerSecond: rate, wallSeconds: run.wallSeconds + secs,
    });
    const now = this.host.now();
    if (this.lastReport && run.step > this.lastReport.step) {
      const observed = (now - this.lastReport.at) / (run.step - this.lastReport.step);
      this.patch((t) => (t.speed ? { speed: { ...t.speed, observedStepMs: observed, observedBatch: run.batch } } : {}));
    }
    this.lastReport = { at: now, step: run.step };
    if (Number.isFinite(rate) && rate > 0) {
      const left = spe - run.stepInEpoch;
      const target = Math.max(this.settings().epochs, run.epoch + 1);
      this.patch({ eta: { epochSeconds: (left * run.batch) / rate, runSeconds: (((target - run.epoch) * spe - run.stepInEpoch) * run.batch) / rate } });
    }
  }

  /** Moves pending rows and the step counter into the store (throttled unless forced). */
  private flush(force: boolean): void {
    const now = this.host.now();
    if (this.pending.length && (force || now - this.lastFlush >= FLUSH_MS)) {
      const rows = this.pending;
      this.pending = [];
      this.lastFlush = now;
      this.lastProgress = now;
      this.patch((t) => ({ metrics: reduceSnapshots(t.metrics, rows), progress: this.progress() }));
    } else if (force || now - this.lastProgress >= PROGRESS_MS) {
      this.lastProgress = now;
      this.patch({ progress: this.progress() });
    }
  }

  private paramsOk(params: ModelParams): void {
    const bad = firstNonFinite(paramList(params));
    if (bad) throw new NonFiniteError(`a weight became non-finite (tensor ${bad.tensor}, entry ${bad.index})`);
  }

  /** Reads the weights: checks them, draws the templates, and (live sync) installs them in the inference engine. */
  private async publish(force = false): Promise<void> {
    const run = this.run;
    if (!run || !this.trainer) return;
    this.lastPublish = this.host.now();
    const params = await this.trainer.readParams();
    this.paramsOk(params);
    const levels = shapesOf(run.spec).levels.map((l, i) => ({ data: params.weights[i], channels: l.c, cin: l.cin, k: l.k }));
    this.patch({ templates: { ...levels[0], levels, step: run.step } });
    if (!this.settings().liveSync) return;
    const summary = `training in progress: ${run.mode}${run.labelled ? ` (N_L = ${run.labelled})` : ''}, epoch ${(run.epoch + run.stepInEpoch / this.stepsPerEpoch()).toFixed(2)}, step ${run.step}`;
    const r = await this.host.publish(run.spec, run.preset, params, summary, force || this.forcePublish);
    if (r === 'ok') {
      this.forcePublish = false;
      this.patch((t) => ({ liveVersion: t.liveVersion + 1 }));
    } else if (r === 'stopped') {
      this.state.setTrainingSettings({ liveSync: false });
      this.notice('info', 'Another model was chosen above, so the panels no longer follow the training (tick "Show in the panels above" to follow it again).');
    }
  }

  private runState(): RunState {
    const run = this.run!;
    const trainer = this.trainer!;
    const secs = this.looping ? this.elapsed() : 0;
    const config: { [k: string]: number | string | { [k: string]: number } } = {
      weights: { ...trainer.config.weights }, variant: trainer.config.variant, lr: trainer.config.lr, wallSeconds: run.wallSeconds + secs,
      epochsPlanned: this.settings().epochs, source: 'page',
    };
    if (run.init) config.init = run.init;
    return {
      mode: run.mode, seed: run.seed, labelled: run.labelled, batchSize: run.batch, epoch: run.epoch, stepInEpoch: run.stepInEpoch, step: run.step,
      config, metrics: this.t.metrics.history.concat(this.pending).map(rowToJson),
    };
  }

  private async checkpointBytes(): Promise<Uint8Array> {
    this.flush(true);
    const params = await this.trainer!.readParams();
    this.paramsOk(params);
    return saveCheckpoint(this.trainer!, this.run!.spec, this.run!.preset, this.runState());
  }

  /** Takes an in-memory checkpoint of the current (finite) state: what a rollback restores. */
  private async keepGood(): Promise<Uint8Array> {
    const bytes = await this.checkpointBytes();
    const run = this.run!;
    this.lastGood = { bytes, epoch: run.epoch, stepInEpoch: run.stepInEpoch, step: run.step };
    this.lastGoodAt = this.host.now();
    return bytes;
  }

  private meta(): AutosaveMeta {
    const run = this.run!;
    return {
      preset: run.preset, mode: run.mode, labelled: run.labelled, seed: run.seed, batchSize: run.batch, epoch: run.epoch,
      stepInEpoch: run.stepInEpoch, step: run.step, savedAt: Date.now(),
    };
  }

  private async autosave(): Promise<void> {
    const bytes = await this.keepGood();
    this.lastAutosaveStep = this.run!.step;
    if (!this.host.autosaver) return;
    const run = this.run!;
    try {
      await this.host.autosaver.save(run.id, bytes, this.meta());
      this.patch({ lastSaved: { step: run.step, epoch: run.epoch, stepInEpoch: run.stepInEpoch, at: Date.now(), where: 'autosave' } });
    } catch (e) {
      if (e instanceof StorageFullError)
        this.notice('warn', `The autosave at step ${run.step} failed. ${e.message} The run is kept in this page: training goes on, and the next autosave (at the next pause, or every ${AUTOSAVE_EVERY} steps) tries again once there is space; meanwhile, save a checkpoint file to keep the work.`);
      else this.notice('warn', `The autosave to this browser's storage failed (${e instanceof Error ? e.message : String(e)}); training goes on. Save a checkpoint file to keep the work.`);
    }
  }

  private async evaluateInner(): Promise<void> {
    const test = this.state.test;
    if (!test) throw new Error('the test set is still loading');
    const run = this.run!;
    const trainer = this.trainer!;
    const device = this.device!;
    if (this.testImages?.split !== test) {
      const images = new Float32Array(test.pixels.length);
      for (let i = 0; i < images.length; i++) images[i] = PIXEL[test.pixels[i]];
      this.testImages = { split: test, images };
    }
    const count = test.count;
    const speed = this.t.speed;
    // The evaluation submits a forward pass per chunk of engine.maxBatch images: when the measured
    // speed allows chunks well above the training batch, a separate engine of that size does it.
    const chunk = speed ? chooseEvalChunk(speed.fit) : run.batch;
    const own = chunk >= 1.5 * run.batch;
    const split = speed ? speed.fit.forward.overhead + speed.fit.forward.perImage * (own ? chunk : run.batch) > PHASE_TARGET_MS / 2 : true;
    let evalEngine: DrmmGpuEngine | null = null;
    let evalTrainer: GpuTrainer | null = null;
    if (own) {
      try {
        evalEngine = await DrmmGpuEngine.create(device, run.spec, await trainer.readParams(), { maxBatch: chunk, label: 'drmm.eval' });
        evalTrainer = new GpuTrainer(evalEngine, trainer.config);
      } catch {
        evalEngine?.destroy(); // e.g. above the device's buffer limits: the training engine evaluates
        evalEngine = null;
      }
    }
    let chunks = 0;
    let last = 0;
    this.patch({ evalProgress: { done: 0, count } });
    let r: { accuracy: number };
    try {
      r = await (evalTrainer ?? trainer).evaluate(this.testImages.images, test.labels, count, async (done) => {
        chunks++;
        if (split || chunks % 8 === 0) await device.queue.onSubmittedWorkDone();
        await yieldNow();
        const now = this.host.now();
        if (now - last >= PROGRESS_MS) {
          last = now;
          this.patch({ evalProgress: { done, count } });
        }
      });
    } finally {
      evalTrainer?.destroy();
      evalEngine?.destroy();
    }
    this.flush(true);
    const epoch = run.epoch + run.stepInEpoch / this.stepsPerEpoch();
    this.patch((t) => ({ evalProgress: null, metrics: reduceTest(t.metrics, { epoch, step: run.step, accuracy: r.accuracy, wallSeconds: run.wallSeconds + (this.looping ? this.elapsed() : 0) }) }));
  }

  /** After a step: metrics, epoch end (evaluation, autosave), autosave, live panels. Returns false to stop the loop. */
  private async afterStep(single: boolean): Promise<boolean> {
    const run = this.run!;
    const spe = this.stepsPerEpoch();
    const endOfEpoch = run.stepInEpoch >= spe;
    const reported = single || endOfEpoch || run.step % REPORT_EVERY === 0;
    if (reported) await this.report();
    this.flush(single);
    let go = true;
    if (endOfEpoch) {
      await this.evaluateInner();
      run.epoch++;
      run.stepInEpoch = 0;
      this.schedule = null;
      await this.autosave();
      this.flush(true);
      if (run.epoch >= this.settings().epochs) {
        go = false;
        this.notice('info', `Finished ${run.epoch} epoch${run.epoch === 1 ? '' : 's'}: test accuracy ${(100 * (this.t.metrics.lastTest?.accuracy ?? NaN)).toFixed(2)}%. Raise "Epochs" and resume to go on.`);
      }
    } else if (reported && run.step - this.lastAutosaveStep >= AUTOSAVE_EVERY) {
      await this.autosave();
    } else if (reported && this.host.now() - this.lastGoodAt >= MEMORY_CHECKPOINT_MS) {
      await this.keepGood();
    }
    if (single || this.host.now() - this.lastPublish >= LIVE_MS) await this.publish();
    return go;
  }

  // -------------------------------------------------------------------------------------------
  // controls

  get running(): boolean {
    return this.looping !== null;
  }

  /** Starts a new run from the settings, or resumes the current one (keepNotice: after a recovery, whose notice stays). */
  start(keepNotice = false): void {
    if (this.looping) return;
    this.stopRequested = false;
    this.looping = this.loop(keepNotice).finally(() => {
      this.looping = null;
    });
  }

  private async loop(keepNotice = false): Promise<void> {
    try {
      await this.exclusive(async () => {
        await this.ensureRun();
        const run = this.run!;
        if (run.epoch >= this.settings().epochs) {
          this.state.setTrainingSettings({ epochs: run.epoch + 1 });
          this.notice('info', `Training on: epochs raised to ${run.epoch + 1}.`);
        } else if (!keepNotice) {
          this.patch({ notice: null });
        }
        this.clock = { t0: this.host.now(), step0: run.step, images: 0 };
        this.lastReport = { at: this.host.now(), step: run.step };
        this.lastPublish = this.host.now();
        this.patch({ status: 'running', busyWhat: null });
      });
    } catch (e) {
      this.notice('error', `Could not start training: ${e instanceof Error ? e.message : String(e)}`);
      this.patch({ status: this.idleStatus(), busyWhat: null });
      return;
    }
    let failure: unknown = null;
    try {
      while (!this.stopRequested) {
        const go = await this.exclusive(async () => {
          if (this.stopRequested) return false;
          await this.oneStep();
          return this.afterStep(false);
        });
        if (!go) break;
      }
    } catch (e) {
      failure = e;
    }
    // A step that fails because the device was just lost can reject before device.lost resolves;
    // give the loss a moment to be reported, so that it is recovered from (and training goes on)
    // rather than shown as a training error that stops the run.
    if (failure && !this.lost && this.device) await lostWithin(this.device, LOSS_GRACE_MS);
    await this.exclusive(async () => {
      const run = this.run;
      if (this.lost) {
        // The device is gone: recoverDevice restores the last checkpoint; nothing here can be read.
        this.patch({ status: 'busy' });
        return;
      }
      if (failure) await this.handleFailure(failure);
      else if (run && this.device) {
        // Pausing: the metrics since the last report, the panels, an autosave.
        await this.report().catch((e) => this.handleFailure(e));
        this.flush(true);
      }
      if (this.run === run && run) {
        run.wallSeconds += this.elapsed();
        this.clock = { t0: this.host.now(), step0: run.step, images: 0 };
        if (!failure && this.device) {
          if (run.step > this.lastAutosaveStep) await this.autosave().catch((e) => this.handleFailure(e));
          await this.publish().catch(() => undefined);
        }
      }
      this.flush(true);
      this.patch({ status: this.idleStatus(), busyWhat: null, evalProgress: null });
    }).catch((e) => this.exclusive(() => this.handleFailure(e)));
  }

  private async handleFailure(e: unknown): Promise<void> {
    if (e instanceof NonFiniteError) {
      await this.rollback(e.message);
      return;
    }
    const msg = e instanceof Error ? e.message : String(e);
    this.notice('error', `Training stopped: ${msg}`);
    this.patch({ status: this.idleStatus(), busyWhat: null, evalProgress: null });
  }

  /** Restores the last good checkpoint after a non-finite loss or weight, and says so. */
  private async rollback(reason: string): Promise<void> {
    const run = this.run;
    const at = run ? `step ${run.step}` : 'this step';
    const good = this.lastGood;
    this.pending = [];
    if (!good) {
      this.notice('error', `Training stopped at ${at}: ${reason}. There is no earlier good checkpoint; press Reset to start again with a lower learning rate.`);
      return;
    }
    await this.restore(good.bytes, 'rollback', run?.id);
    this.notice(
      'error',
      `Training stopped at ${at}: ${reason}. Rolled back to the last good checkpoint (epoch ${good.epoch}, step ${good.stepInEpoch} of the epoch, step ${good.step} in all). ` +
        `Lower the learning rate (now ${this.settings().lr}) or the loss weights before resuming.`,
    );
  }

  /** Stops the loop after the current step; resolves when it has stopped. */
  async pause(): Promise<void> {
    const loop = this.looping;
    if (!loop) return;
    this.stopRequested = true;
    this.patch({ status: 'pausing' });
    await loop;
  }

  /** One step (while paused or before the first), with its metrics and the panels refreshed. */
  stepOnce(): Promise<void> {
    if (this.looping) return Promise.resolve();
    return this.guarded('The step', async () => {
      await this.ensureRun();
      this.patch({ status: 'busy', busyWhat: 'one step' });
      this.clock = { t0: this.host.now(), step0: this.run!.step, images: 0 };
      this.lastReport = null;
      try {
        await this.oneStep();
        await this.afterStep(true);
        this.run!.wallSeconds += this.elapsed();
        this.clock = { t0: this.host.now(), step0: this.run!.step, images: 0 };
      } catch (e) {
        await this.handleFailure(e);
      }
      this.flush(true);
      this.patch({ status: this.idleStatus(), busyWhat: null });
    });
  }

  /** Test accuracy on the 10,000 test digits now (between steps when running). */
  evaluateNow(): Promise<void> {
    return this.guarded('The evaluation', async () => {
      if (!this.run) await this.ensureRun();
      const wasRunning = this.looping !== null;
      if (!wasRunning) this.patch({ status: 'busy', busyWhat: 'evaluating the test set' });
      await this.evaluateInner();
      if (!wasRunning) this.patch({ status: this.idleStatus(), busyWhat: null });
    });
  }

  /**
   * Keeps the current run's accuracy curve in the slice's `runs` (for the dashboard's overlay)
   * before the run is forgotten or replaced.
   */
  private archive(): void {
    const run = this.run;
    if (!run) return;
    this.flush(true);
    // One id per run: archiving it again (a load that then failed, and a reset) replaces the entry.
    let id = this.runIds.get(run);
    if (!id) this.runIds.set(run, (id = `page-${this.runIds.size + 1}`));
    const meta = { preset: run.preset, mode: run.mode, labelled: run.labelled, seed: run.seed };
    this.patch((t) => ({ runs: addRun(t.runs, archiveRun(id, meta, t.metrics.history)) }));
    // This tab no longer trains the run: its autosave stays, for any tab to resume.
    this.host.autosaver?.release(run.id);
  }

  /** Forgets the run (weights, optimizer, metrics); the autosave stays until the next one. */
  async reset(): Promise<void> {
    await this.pause();
    await this.guarded('Reset', async () => {
      this.archive();
      this.trainer?.destroy();
      this.engine?.destroy();
      this.trainer = null;
      this.engine = null;
      this.schedule = null;
      this.run = null;
      this.lastGood = null;
      this.pending = [];
      this.patch({ progress: null, metrics: emptyMetrics(), eta: null, evalProgress: null, templates: null, notice: null, lastSaved: null });
      this.patch({ status: this.idleStatus(), busyWhat: null });
      const speed = this.t.speed;
      if (speed) {
        const s = this.settings();
        this.patch({ speed: this.speedReport(speed.samples, this.batchFor(s), s.mode) });
      }
    });
  }

  /** Turns live sync on or off; on: the current weights go to the panels now (or after the current step). */
  setLiveSync(on: boolean): void {
    this.state.setTrainingSettings({ liveSync: on });
    if (!on) return;
    this.forcePublish = true;
    if (this.run && !this.looping) void this.guarded('Showing the weights', () => this.publish(true));
  }

  /** Recomputes the estimate for changed settings (batch, mode) before a run exists. */
  refreshEstimate(): void {
    const speed = this.t.speed;
    if (!speed) return;
    const s = this.settings();
    const batch = this.batchFor(s);
    this.patch({ speed: this.speedReport(speed.samples, batch, this.run?.mode ?? s.mode) });
  }

  // -------------------------------------------------------------------------------------------
  // files and autosave

  /** Downloads the run as a model file (weights, Adam state, settings and metrics). */
  saveFile(): Promise<void> {
    return this.guarded('Saving the checkpoint', async () => {
      if (!this.run || !this.trainer) throw new Error('there is no run to save yet');
      const bytes = await this.checkpointBytes();
      const run = this.run;
      this.host.download(bytes, checkpointFileName(run), 'application/octet-stream');
      this.patch({ lastSaved: { step: run.step, epoch: run.epoch, stepInEpoch: run.stepInEpoch, at: Date.now(), where: 'file' } });
    });
  }

  /** Downloads the metrics history as CSV. */
  exportCsv(): void {
    this.flush(true);
    const run = this.run;
    const name = run ? checkpointFileName(run).replace(/\.drmm$/, '') : 'training';
    this.host.download(metricsCsv(this.t.metrics.history), `${name}-metrics.csv`, 'text/csv');
  }

  /** Continues from a model file: a checkpoint resumes its run; a plain model file starts a run from its weights. */
  async loadFile(file: { name: string; arrayBuffer(): Promise<ArrayBuffer> }): Promise<void> {
    await this.pause();
    await this.guarded(`Loading ${file.name}`, async () => {
      const bytes = new Uint8Array(await file.arrayBuffer());
      // Validated before the current run is archived, so a bad file changes nothing.
      loadCheckpoint(bytes);
      this.archive();
      await this.restore(bytes, file.name);
      const run = this.run!;
      this.notice('info', `Loaded ${file.name}: ${run.mode}, epoch ${run.epoch}, step ${run.stepInEpoch} of the epoch (${run.step} in all). Press Resume to continue.`);
    });
  }

  /** Replaces the run by a checkpoint's. */
  private async restore(bytes: Uint8Array, from: string, id: string = newRunId()): Promise<void> {
    const device = await this.ensureDevice();
    if (!device) throw new Error(this.deviceError ?? 'no WebGPU device');
    const ck = loadCheckpoint(bytes);
    const inp = ck.spec.input;
    if (inp.channels !== 1 || inp.height !== 28 || inp.width !== 28) throw new Error(`the model expects ${inp.channels}x${inp.height}x${inp.width} inputs, not 1x28x28 MNIST digits`);
    this.patch({ status: 'busy', busyWhat: 'loading a checkpoint' });
    const s = this.settings();
    const preset = presetOf(ck.spec, ck.preset);
    const r = ck.run;
    const mode = r && TRAIN_MODES.includes(r.mode as TrainMode) ? (r.mode as TrainMode) : s.mode;
    const cfg = (r?.config ?? {}) as { weights?: Partial<TrainingSettings['weights']>; lr?: number; wallSeconds?: number; epochsPlanned?: number; init?: string };
    const weights = { ...s.weights, ...(cfg.weights ?? {}) };
    const lr = typeof cfg.lr === 'number' ? cfg.lr : s.lr;
    const batch = r ? this.fitDevice(Math.max(2, Math.min(256, r.batchSize))) : this.batchFor(s);
    const labelled = mode === 'semi-supervised' ? (r?.labelled ?? s.labelled) : null;
    await this.build(ck.spec, ck.params, r ? ck.adam : null, batch, { lr, weights, variant: 'rendering' });
    this.run = {
      id, preset, spec: ck.spec, mode, labelled, seed: r?.seed ?? s.seed, batch,
      epoch: r?.epoch ?? 0, stepInEpoch: r?.stepInEpoch ?? 0, step: r?.step ?? 0, wallSeconds: Number(cfg.wallSeconds ?? 0),
      init: r ? (cfg.init ?? null) : from,
    };
    const epochs = Math.max(s.epochs, this.run.epoch + (this.run.stepInEpoch > 0 ? 1 : 0), 1);
    this.state.setTrainingSettings({ preset: preset ?? s.preset, mode, labelled: labelled ?? s.labelled, seed: this.run.seed, lr, weights, batch, epochs });
    const history = (r?.metrics ?? []).map((m) => rowFromJson(m));
    this.pending = [];
    this.lastAutosaveStep = this.run.step;
    this.patch({ metrics: metricsFromHistory(history), progress: this.progress(), eta: null, evalProgress: null });
    const speed = this.t.speed;
    if (speed) this.patch({ speed: this.speedReport(speed.samples, batch, mode) });
    this.lastGood = { bytes, epoch: this.run.epoch, stepInEpoch: this.run.stepInEpoch, step: this.run.step };
    await this.publish(true);
    this.patch({ status: this.idleStatus(), busyWhat: null });
  }

  /** On page load, and after a resume or discard: every autosaved run and bad record, for the resume offer. */
  async checkAutosave(): Promise<void> {
    await refreshResumeOffer(this.host.store, this.host.autosaver);
  }

  /** Resumes autosaved run `runId`; a run another tab is training goes on here as a copy under a new id. */
  async resumeAutosave(runId: string): Promise<void> {
    const a = this.host.autosaver;
    if (!a) return;
    await this.pause();
    // The controls open first, so the outcome (a failure too) is seen.
    this.patch({ open: true });
    await this.guarded('Resuming the autosave', async () => {
      const got = await a.load(runId, (bytes) => void loadCheckpoint(bytes));
      this.archive();
      const own = await a.claim(runId);
      const id = own ? runId : newRunId();
      await this.restore(got.bytes, 'autosave', id).catch((e: unknown) => {
        if (own) a.release(runId);
        throw e;
      });
      const m = got.meta;
      this.notice(
        got.problem || !own ? 'warn' : 'info',
        `Resumed the autosave from epoch ${m.epoch}, step ${m.stepInEpoch} of the epoch (${m.step} in all)` +
          (got.problem ? ` — ${got.problem}, so the one before it was used.` : '. Press Resume to continue.') +
          (own ? '' : ' Another tab is training this run, so it goes on here as a new run of its own.'),
      );
      this.lastAutosaveStep = m.step;
    });
    await this.checkAutosave();
    if (!this.t.speed) await this.measure();
  }

  /** Deletes autosaved run `runId` (refused while another tab trains it). */
  discardAutosave(runId: string): Promise<void> {
    return discardRun(this.host.store, this.host.autosaver, runId);
  }

  /** Deletes a stored record that failed its check (as the resume offer lists it). */
  discardBrokenAutosave(entry: Pick<BrokenAutosave, 'keys' | 'label'>): Promise<void> {
    return discardBroken(this.host.store, this.host.autosaver, entry);
  }

  /** Releases every GPU object (the page is going away, or tests: keepDevice leaves a shared device alone). */
  async destroy(keepDevice = false): Promise<void> {
    await this.pause();
    await this.exclusive(async () => {
      this.trainer?.destroy();
      this.engine?.destroy();
      if (!keepDevice && this.device) {
        this.ownDestroyed.add(this.device);
        this.device.destroy();
      }
      this.trainer = null;
      this.engine = null;
      this.device = null;
      this.run = null;
    });
  }
}
