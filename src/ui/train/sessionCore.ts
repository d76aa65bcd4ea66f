/**
 * The core of the page's training session (session.ts adds files, autosaves and device recovery).
 *
 * In-page EG training: a thin owner of one TrainRun of the training core (src/engine/train/run.ts,
 * the same the CLI trains with) on the engine host's device. It decides only what the page adds:
 * when steps run (a loop that yields to the page; a slow step split into one submit a phase), what
 * the store shows (liveFeed.ts), where checkpoints go (keeper.ts: memory and the IndexedDB
 * autosave), the speed probe (speedProbe.ts), and recovery from a lost device and a non-finite loss.
 *
 * Settings flow one way: the session subscribes to the store's training settings and applies a
 * change between steps (a step sees one configuration), recorded in the run's changes.
 */
import { capBatch, type ModelParams, type ModelSpec } from '../../engine';
import type { EngineHost, HostEvent } from '../../engine/host/engineHost';
import { decodeRun } from '../../engine/train';
import { GpuTrainRun } from '../../engine/train';
import { NonFiniteError, type StepReport } from '../../engine/train';
import type { AppStore } from '../store';
import { newRunId, type Autosaver } from './autosave';
import { RunKeeper } from './keeper';
import { LiveFeed, progressOf } from './liveFeed';
import { PHASE_TARGET_MS, chooseBatchSize, chooseEvalChunk, epochSeconds, fitSpeed, metricsFromHistory, rowFromJson, shouldSplitPhases, stepMsAt, stepsPerEpochFor, type StepSample } from './logic';
import { addRun, archiveRun } from './runs';
import { configFromSettings, presetSpec, runData, settingsFromConfig } from './runSetup';
import type { SpeedReport, TrainingSettings, TrainingState } from './slice';
import { phaseSubmitter, probeSpeed, yieldNow } from './speedProbe';


/** What the session needs from the page (tests pass their own). */
export interface SessionHost {
  store: AppStore;
  engines: EngineHost;
  autosaver: Autosaver | null;
  download(data: Uint8Array | string, fileName: string, mime: string): void;
  now(): number;
}

/** Training cannot run without WebGPU: the notice already says why (not "X failed"). */
class NoDeviceError extends Error {}

/** How long a failed step waits for its device's loss to be reported, ms. */
const LOSS_GRACE_MS = 1000;

function lostWithin(device: GPUDevice, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([device.lost.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)))]).finally(() => clearTimeout(timer));
}

export abstract class SessionCore {
  protected run: GpuTrainRun | null = null;
  /** The run's autosave id: one per run, kept through a device recovery or a rollback. */
  protected runId = '';
  protected chain: Promise<unknown> = Promise.resolve();
  protected looping: Promise<void> | null = null;
  protected stopRequested = false;
  protected unsynced = 0;
  /** Set while the device is lost: the loop's failure then is the loss, not a training error. */
  protected lost: { step: number; message: string; wasRunning: boolean } | null = null;
  protected capShown: string | null = null;
  protected settingsDirty = false;
  protected readonly keeper: RunKeeper;
  protected readonly feed: LiveFeed;
  protected readonly archived = new Map<string, string>();
  protected readonly unsubscribe: (() => void)[] = [];

  constructor(protected readonly host: SessionHost) {
    this.keeper = new RunKeeper(host.autosaver, host.now, (k, text) => this.notice(k, text));
    this.feed = new LiveFeed(host.store, host.engines, host.now);
    let prev = this.t.settings;
    this.unsubscribe.push(
      host.store.subscribe((s) => {
        if (s.training.settings === prev) return;
        const before = prev;
        prev = s.training.settings;
        this.onSettings(before, prev);
      }),
      host.engines.subscribe((e) => this.onHostEvent(e)),
    );
  }

  /** The device was lost, or the host has a new one (session.ts rebuilds the run). */
  protected abstract onHostEvent(e: HostEvent): void;

  // -------------------------------------------------------------------------------------------
  // plumbing

  protected get state() {
    return this.host.store.getState();
  }

  protected get t(): TrainingState {
    return this.state.training;
  }

  protected patch(p: Partial<TrainingState> | ((t: TrainingState) => Partial<TrainingState>)): void {
    this.state.patchTraining(p);
  }

  protected notice(kind: 'info' | 'warn' | 'error', text: string): void {
    this.patch({ notice: { kind, text } });
  }

  /** Runs fn after every operation queued before it. */
  protected exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** exclusive(fn), a failure shown as a notice. */
  protected async guarded(what: string, fn: () => Promise<void>): Promise<void> {
    try {
      await this.exclusive(fn);
    } catch (e) {
      if (!(e instanceof NoDeviceError)) this.notice('error', `${what} failed: ${e instanceof Error ? e.message : String(e)}`);
      this.patch({ status: this.idleStatus(), busyWhat: null, evalProgress: null });
    }
  }

  protected idleStatus(): TrainingState['status'] {
    const e = this.host.engines;
    if (!e.device && e.started && e.outcome.kind === 'cpu') return 'unavailable';
    if (this.run) return 'paused';
    return this.t.speed ? 'ready' : 'idle';
  }

  /** The device training runs on (the engine host's), or null with the reason shown. */
  protected device(): GPUDevice {
    const d = this.host.engines.device;
    if (d) return d;
    const o = this.host.engines.outcome;
    const why = o.kind === 'cpu' ? o.reason : 'no WebGPU device';
    this.patch({ status: 'unavailable', notice: { kind: 'warn', text: `Training needs WebGPU: ${why}` } });
    throw new NoDeviceError(why);
  }

  /** The device in use (null: none, or lost): for the ?test-hooks page hook. */
  get gpuDevice(): GPUDevice | null {
    return this.host.engines.device;
  }

  get hasRun(): boolean {
    return this.run !== null;
  }

  get running(): boolean {
    return this.looping !== null;
  }

  /** The batch the settings ask for, capped to what the device's limits allow (saying so once). */
  protected batchFor(s: TrainingSettings, spec: ModelSpec): number {
    const want = s.batch !== 'auto' ? s.batch : (this.t.speed?.autoBatch ?? 16);
    const d = this.host.engines.device;
    if (!d) return want;
    const c = capBatch(spec, d.limits, want, { training: true });
    if (c.message && c.message !== this.capShown) {
      this.capShown = c.message;
      this.notice('warn', c.message);
    }
    return c.batch;
  }

  protected speedReport(samples: StepSample[], batch: number, s: TrainingSettings): SpeedReport {
    const fit = fitSpeed(samples);
    const stepMs = stepMsAt(fit, batch);
    const mode = this.run?.config.mode ?? s.mode;
    const o = this.host.engines.outcome;
    return {
      adapter: o.kind === 'webgpu' ? o.adapter : '', samples, fit, autoBatch: chooseBatchSize(fit), batch, stepMs, splitPhases: shouldSplitPhases(fit, batch),
      epochSeconds: epochSeconds(stepsPerEpochFor(mode, batch, this.state.train?.count ?? 60000), stepMs), observedStepMs: null, observedBatch: null,
    };
  }

  protected refreshEstimate(): void {
    const speed = this.t.speed;
    if (!speed) return;
    const s = this.t.settings;
    this.patch({ speed: this.speedReport(speed.samples, this.run?.config.batchSize ?? this.batchFor(s, presetSpec(s.preset)), s) });
  }

  /** A settings change: the estimate follows now; the run takes it before its next step. */
  protected onSettings(before: TrainingSettings, after: TrainingSettings): void {
    if (after.liveSync !== before.liveSync) this.showTraining(after.liveSync);
    // The speed depends on the architecture and on the mode's phases (the convnet has no top-down pass).
    if (!this.run && this.t.speed && (after.preset !== before.preset || after.mode !== before.mode)) void this.measure();
    this.settingsDirty = true;
    if (!this.looping && this.run) void this.exclusive(() => this.applySettings()).catch((e) => this.notice('error', String(e)));
    this.refreshEstimate();
  }

  /** Applies the settings a run can take between steps: learning rate, loss weights and the contrastive margin, epochs, batch. */
  protected async applySettings(): Promise<void> {
    const run = this.run;
    if (!run || !this.settingsDirty) return;
    this.settingsDirty = false;
    const s = this.t.settings;
    run.update({ lr: s.lr, weights: { ...s.weights }, crMargin: s.crMargin, epochs: Math.max(s.epochs, run.progress.epoch + (run.progress.stepInEpoch > 0 ? 1 : 0), 1) });
    const batch = this.batchFor(s, run.spec);
    if (batch !== run.config.batchSize) {
      await run.setBatchSize(batch);
      this.refreshEstimate();
    }
  }

  /** The panels show the run being trained (or go back to the other model). */
  protected showTraining(on: boolean): void {
    const s = this.state;
    if (on && s.slots.training) s.showSlot('training');
    else if (!on && s.shownSlot === 'training') s.showSlot('pretrained');
  }

  // -------------------------------------------------------------------------------------------
  // speed

  /** Times a few steps of the chosen preset and mode on throw-away weights; sets the batch estimate. */
  measure(): Promise<void> {
    return this.guarded('Measuring the speed', async () => {
      const device = this.device();
      const s = this.t.settings;
      this.patch({ status: 'measuring', busyWhat: 'timing a few training steps' });
      const samples = await probeSpeed(device, this.run?.spec ?? presetSpec(s.preset), this.run?.config.mode ?? s.mode, this.host.now);
      const auto = this.speedReport(samples, 8, s).autoBatch;
      const batch = this.run?.config.batchSize ?? (s.batch === 'auto' ? auto : this.batchFor(s, presetSpec(s.preset)));
      this.patch({ speed: this.speedReport(samples, batch, s), busyWhat: null });
      this.patch({ status: this.idleStatus() });
    });
  }

  // -------------------------------------------------------------------------------------------
  // building a run

  protected data() {
    const { train, test } = this.state;
    if (!train) throw new Error('the training set is still loading');
    return runData(train, test);
  }

  protected evalBatch(batch: number): number {
    const speed = this.t.speed;
    return speed ? Math.max(batch, chooseEvalChunk(speed.fit)) : batch;
  }

  /** Makes `run` the session's (the old one archived and destroyed), shows it, and keeps a first checkpoint. */
  protected async adopt(run: GpuTrainRun, id: string): Promise<void> {
    this.archive();
    this.run?.destroy();
    this.run = run;
    this.runId = id;
    this.feed.drop();
    this.keeper.forget();
    this.keeper.savedStep = run.progress.step;
    this.settingsDirty = false;
    this.state.setTrainingSettings(settingsFromConfig(run.config, run.spec, run.preset, this.t.settings));
    this.settingsDirty = false;
    this.patch({ metrics: metricsFromHistory(run.log.map((r) => rowFromJson(r))), progress: progressOf(run), eta: null, evalProgress: null });
    await this.keeper.keep(run);
    await this.feed.publish(run);
    await this.feed.templates(run);
    this.showTraining(this.t.settings.liveSync);
    this.refreshEstimate();
  }

  /**
   * A new run from the settings (random weights from the seed), unless one exists; `from`: a model
   * file's architecture and weights to train on instead (its name recorded as the run's start).
   */
  protected async ensureRun(from?: { spec: ModelSpec; preset: string | null; params: ModelParams; name: string }): Promise<GpuTrainRun> {
    if (this.run) return this.run;
    const device = this.device();
    const s = this.t.settings;
    const spec = from?.spec ?? presetSpec(s.preset);
    const batch = this.batchFor(s, spec);
    this.patch({ status: 'busy', busyWhat: 'setting up the trainer' });
    const config = configFromSettings(s, batch, this.state.train?.count ?? 60000);
    if (from) config.init = { kind: 'file', name: from.name };
    const preset = from ? from.preset : s.preset;
    const run = await GpuTrainRun.create(device, spec, preset, config, this.data(), { label: 'drmm.train', params: from?.params, evalBatch: this.evalBatch(batch) });
    await this.adopt(run, newRunId());
    this.patch({ notice: null });
    return run;
  }

  /** Replaces the run by a checkpoint's (a plain model file starts a run from its weights). */
  protected async restore(bytes: Uint8Array, from: string, id: string = newRunId()): Promise<void> {
    const device = this.device();
    const snap = decodeRun(bytes);
    const inp = snap.spec.input;
    if (inp.channels !== 1 || inp.height !== 28 || inp.width !== 28) throw new Error(`the model expects ${inp.channels}x${inp.height}x${inp.width} inputs, not 1x28x28 MNIST digits`);
    this.patch({ status: 'busy', busyWhat: 'loading a checkpoint' });
    if (!snap.hasRun) {
      this.archive();
      this.run?.destroy();
      this.run = null;
      await this.ensureRun({ spec: snap.spec, preset: snap.preset, params: snap.params, name: from });
      this.patch({ status: this.idleStatus(), busyWhat: null });
      return;
    }
    const batch = this.batchFor({ ...this.t.settings, batch: Math.max(2, Math.min(256, snap.config.batchSize)) }, snap.spec);
    const run = await GpuTrainRun.restore(device, bytes, this.data(), { label: 'drmm.train', evalBatch: this.evalBatch(batch) });
    if (batch !== run.config.batchSize) await run.setBatchSize(batch);
    await this.adopt(run, id);
    this.patch({ status: this.idleStatus(), busyWhat: null });
  }

  // -------------------------------------------------------------------------------------------
  // the loop

  /** One step and what its report asks for; returns false to stop the loop. */
  protected async oneStep(single: boolean): Promise<boolean> {
    await this.applySettings();
    const run = this.run!;
    const device = this.device();
    const speed = this.t.speed;
    const split = speed ? shouldSplitPhases(speed.fit, run.config.batchSize) : true;
    this.unsynced++;
    const sync = this.unsynced >= 4;
    const evalSplit = speed ? speed.fit.forward.overhead + speed.fit.forward.perImage * this.evalBatch(run.config.batchSize) > PHASE_TARGET_MS / 2 : true;
    let chunks = 0;
    let lastEval = 0;
    const r = await run.step({
      submit: phaseSubmitter(device, this.host.now, { split, sync }),
      forceLog: single,
      onEvalChunk: async (done, count) => {
        chunks++;
        if (evalSplit || chunks % 8 === 0) await device.queue.onSubmittedWorkDone();
        await yieldNow();
        if (this.host.now() - lastEval >= 200) {
          lastEval = this.host.now();
          this.patch({ evalProgress: { done, count } });
        }
      },
    });
    if (!split) {
      if (sync) this.unsynced = 0;
      await yieldNow();
    }
    return this.afterStep(r, single);
  }

  protected async afterStep(r: StepReport, single: boolean): Promise<boolean> {
    const run = this.run!;
    if (r.row) this.feed.row(run, r.row);
    this.feed.flush(run, single || r.evaluated);
    if (r.evaluated) {
      const p = run.progress;
      const acc = r.row?.testAccuracy;
      if (typeof acc === 'number') this.patch((t) => ({ evalProgress: null, metrics: { ...t.metrics, lastTest: { epoch: Number(r.row!.epoch), step: p.step, accuracy: acc } } }));
    }
    let go = true;
    if (r.checkpointDue || r.epochEnd) await this.autosave();
    else if (r.row && this.keeper.stale) await this.keeper.keep(run);
    if (r.finished && r.epochEnd) {
      go = false;
      const e = run.progress.epoch;
      this.notice('info', `Finished ${e} epoch${e === 1 ? '' : 's'}: test accuracy ${(100 * (this.t.metrics.lastTest?.accuracy ?? NaN)).toFixed(2)}%. Raise "Epochs" and resume to go on.`);
    }
    await this.feed.tick(run, single);
    return go;
  }

  protected async autosave(): Promise<void> {
    const run = this.run!;
    const where = await this.keeper.autosave(run, this.runId);
    const p = run.progress;
    if (where === 'autosave') this.patch({ lastSaved: { step: p.step, epoch: p.epoch, stepInEpoch: p.stepInEpoch, at: Date.now(), where } });
  }

  // -------------------------------------------------------------------------------------------
  // controls

  /** Starts a new run from the settings, or resumes the current one (keepNotice: after a recovery, whose notice stays). */
  start(keepNotice = false): void {
    if (this.looping) return;
    this.stopRequested = false;
    this.looping = this.loop(keepNotice).finally(() => (this.looping = null));
  }

  protected async loop(keepNotice: boolean): Promise<void> {
    try {
      await this.exclusive(async () => {
        const run = await this.ensureRun();
        await this.applySettings();
        if (run.progress.epoch >= run.config.epochs) {
          this.state.setTrainingSettings({ epochs: run.progress.epoch + 1 });
          await this.applySettings();
          this.notice('info', `Training on: epochs raised to ${run.progress.epoch + 1}.`);
        } else if (!keepNotice) this.patch({ notice: null });
        this.feed.resetClock();
        this.patch({ status: 'running', busyWhat: null });
      });
    } catch (e) {
      this.notice('error', `Could not start training: ${e instanceof Error ? e.message : String(e)}`);
      this.patch({ status: this.idleStatus(), busyWhat: null });
      return;
    }
    let failure: unknown = null;
    try {
      while (!this.stopRequested) if (!(await this.exclusive(async () => !this.stopRequested && this.oneStep(false)))) break;
    } catch (e) {
      failure = e;
    }
    // A step that fails because the device was just lost can reject before device.lost resolves:
    // give the loss a moment, so that it is recovered from rather than shown as a training error.
    const d = this.host.engines.device;
    if (failure && !this.lost && d) await lostWithin(d, LOSS_GRACE_MS);
    await this.exclusive(async () => {
      if (this.lost) return this.patch({ status: 'busy' });
      if (failure) await this.handleFailure(failure);
      else if (this.run) {
        // Pausing: the metrics since the last row, the panels, an autosave.
        const run = this.run;
        try {
          const row = await run.logRow();
          if (typeof row.total === 'number') this.feed.row(run, row);
          this.feed.flush(run, true);
          if (run.progress.step > this.keeper.savedStep) await this.autosave();
          await this.feed.tick(run, true);
        } catch (e) {
          await this.handleFailure(e);
        }
      }
      this.feed.flush(this.run, true);
      this.patch({ status: this.idleStatus(), busyWhat: null, evalProgress: null });
    }).catch((e) => this.exclusive(() => this.handleFailure(e)));
  }

  protected async handleFailure(e: unknown): Promise<void> {
    if (e instanceof NonFiniteError) return this.rollback(e.message);
    this.notice('error', `Training stopped: ${e instanceof Error ? e.message : String(e)}`);
    this.patch({ status: this.idleStatus(), busyWhat: null, evalProgress: null });
  }

  /** Restores the last good checkpoint after a non-finite loss or weight, and says so. */
  protected async rollback(reason: string): Promise<void> {
    const at = this.run ? `step ${this.run.progress.step}` : 'this step';
    const good = this.keeper.good;
    this.feed.drop();
    if (!good) return this.notice('error', `Training stopped at ${at}: ${reason}. There is no earlier good checkpoint; press Reset to start again with a lower learning rate.`);
    const lr = this.t.settings.lr;
    await this.restore(good.bytes, 'rollback', this.runId);
    // The settings stay as the user set them (the learning rate that diverged included).
    this.state.setTrainingSettings({ lr });
    this.notice('error', `Training stopped at ${at}: ${reason}. Rolled back to the last good checkpoint (epoch ${good.epoch}, step ${good.stepInEpoch} of the epoch, step ${good.step} in all). Lower the learning rate (now ${lr}) or the loss weights before resuming.`);
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
      this.feed.resetClock();
      try {
        await this.oneStep(true);
      } catch (e) {
        await this.handleFailure(e);
      }
      this.feed.flush(this.run, true);
      this.patch({ status: this.idleStatus(), busyWhat: null });
    });
  }

  /** Keeps the current run's accuracy curve in the slice's `runs` (the dashboard's overlay) before it is forgotten or replaced. */
  protected archive(): void {
    const run = this.run;
    if (!run) return;
    this.feed.flush(run, true);
    let id = this.archived.get(this.runId);
    if (!id) this.archived.set(this.runId, (id = `page-${this.archived.size + 1}`));
    const c = run.config;
    this.patch((t) => ({ runs: addRun(t.runs, archiveRun(id, { preset: run.preset, mode: c.mode, labelled: c.labelled, seed: c.seed }, t.metrics.history)) }));
    // This tab no longer trains the run: its autosave stays, for any tab to resume.
    this.host.autosaver?.release(this.runId);
  }
}
