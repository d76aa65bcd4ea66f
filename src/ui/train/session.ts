/**
 * In-page EG training (see sessionCore.ts for the loop and the run): what a session adds for the
 * user's files and the browser's storage (saving and loading checkpoints, the metrics CSV, the
 * autosaved runs' resume offer) and for a lost GPU device (the run rebuilt on the host's new device
 * from its last checkpoint).
 */
import type { HostEvent } from '../../engine/host/engineHost';
import { decodeRun } from '../../engine/train';
import { newRunId, type BrokenAutosave } from './autosave';
import { discardBroken, discardRun, refreshResumeOffer } from './autosave/offer';
import { emptyMetrics, metricsCsv } from './logic';
import { checkpointFileName } from './runSetup';
import { SessionCore, type SessionHost } from './sessionCore';
import { yieldNow } from './speedProbe';

export { checkpointFileName, yieldNow, type SessionHost };

export class TrainingSession extends SessionCore {
  /** Test accuracy on the 10,000 test digits now (between steps when running). */
  evaluateNow(): Promise<void> {
    return this.guarded('The evaluation', async () => {
      const run = await this.ensureRun();
      const wasRunning = this.looping !== null;
      if (!wasRunning) this.patch({ status: 'busy', busyWhat: 'evaluating the test set' });
      const row = await run.logRow({ evaluate: true, onEvalChunk: async (done, count) => {
        await yieldNow();
        this.patch({ evalProgress: { done, count } });
      } });
      this.feed.row(run, row);
      this.feed.flush(run, true);
      const acc = row.testAccuracy;
      if (typeof acc === 'number') this.patch((t) => ({ evalProgress: null, metrics: { ...t.metrics, lastTest: { epoch: Number(row.epoch), step: run.progress.step, accuracy: acc } } }));
      if (!wasRunning) this.patch({ status: this.idleStatus(), busyWhat: null });
    });
  }

  /** Forgets the run (weights, optimizer, metrics); its autosave stays. */
  async reset(): Promise<void> {
    await this.pause();
    await this.guarded('Reset', async () => {
      this.archive();
      this.run?.destroy();
      this.run = null;
      this.keeper.forget();
      this.feed.drop();
      await this.host.engines.remove('training');
      this.state.clearSlot('training');
      this.patch({ progress: null, metrics: emptyMetrics(), eta: null, evalProgress: null, templates: null, notice: null, lastSaved: null, status: this.idleStatus(), busyWhat: null });
      this.refreshEstimate();
    });
  }

  /** Shows the run being trained in the panels above, or the other model. */
  setLiveSync(on: boolean): void {
    this.state.setTrainingSettings({ liveSync: on });
  }

  // -------------------------------------------------------------------------------------------
  // a lost device

  protected onHostEvent(e: HostEvent): void {
    if (e.kind === 'lost') {
      this.lost = { step: this.run?.progress.step ?? 0, message: e.message, wasRunning: this.looping !== null && !this.stopRequested };
      this.stopRequested = true;
      if (this.run || this.looping) this.patch({ status: 'busy', busyWhat: 'the GPU device was lost: setting up a new one' });
    } else void this.recovered();
  }

  /**
   * The host has a new device (or none): the run is rebuilt on it from the last checkpoint (the
   * one kept in memory, else the autosave, else the run's start) and a running loop goes on,
   * re-running the steps after the checkpoint. The notice says how many.
   */
  private async recovered(): Promise<void> {
    const lost = this.lost;
    if (!lost) return;
    await this.looping;
    let resumed = false;
    await this.guarded('Recovering from the lost GPU device', async () => {
      try {
        this.run?.destroy();
      } catch {
        /* objects of a lost device */
      }
      const had = this.run;
      this.run = null;
      if (!this.host.engines.device) throw new Error(`no new GPU device could be had (${this.host.engines.outcome.kind === 'cpu' ? this.host.engines.outcome.reason : 'unknown reason'})`);
      if (!had) return this.notice('warn', `The GPU device was lost (${lost.message}); a new one was set up. No run had started, so nothing was lost.`);
      let from = 'the checkpoint kept in memory';
      let bytes = this.keeper.good?.bytes ?? null;
      if (!bytes && this.host.autosaver) {
        const got = await this.host.autosaver.load(this.runId, (b) => void decodeRun(b)).catch(() => null);
        if (got) [bytes, from] = [got.bytes, 'the autosave'];
      }
      if (bytes) await this.restore(bytes, 'recovery', this.runId);
      else {
        from = 'the start of the run';
        await this.ensureRun();
      }
      const at = this.run!.progress.step;
      const rerun = Math.max(0, lost.step - at);
      const text =
        `The GPU device was lost at step ${lost.step} (${lost.message}). A new device was set up and training ${lost.wasRunning ? 'resumed' : 'was restored'} from the last checkpoint ` +
        `(step ${at}, ${from}): ${rerun} step${rerun === 1 ? '' : 's'} after it ${lost.wasRunning ? 'are' : 'will be'} re-run.`;
      this.notice('warn', text);
      this.state.reportRecovery({ topic: 'training-device', kind: 'warn', text });
      resumed = true;
    });
    this.lost = null;
    if (!resumed && lost.step > 0) this.state.reportRecovery({ topic: 'training-device', kind: 'error', text: this.t.notice?.text ?? `Training stopped: the GPU device was lost (${lost.message}).` });
    if (resumed && lost.wasRunning) this.start(true);
  }

  // -------------------------------------------------------------------------------------------
  // files and autosave

  /** Downloads the run as a model file (weights, Adam state, settings and metrics). */
  saveFile(): Promise<void> {
    return this.guarded('Saving the checkpoint', async () => {
      const run = this.run;
      if (!run) throw new Error('there is no run to save yet');
      this.feed.flush(run, true);
      const bytes = await this.keeper.keep(run);
      const p = run.progress;
      this.host.download(bytes, checkpointFileName({ preset: run.preset, mode: run.config.mode, labelled: run.config.labelled, seed: run.config.seed, epoch: p.epoch, step: p.step }), 'application/octet-stream');
      this.patch({ lastSaved: { step: p.step, epoch: p.epoch, stepInEpoch: p.stepInEpoch, at: Date.now(), where: 'file' } });
    });
  }

  /** Downloads the metrics history as CSV. */
  exportCsv(): void {
    this.feed.flush(this.run, true);
    const run = this.run;
    const name = run ? checkpointFileName({ preset: run.preset, mode: run.config.mode, labelled: run.config.labelled, seed: run.config.seed, epoch: run.progress.epoch, step: run.progress.step }).replace(/\.drmm$/, '') : 'training';
    this.host.download(metricsCsv(this.t.metrics.history), `${name}-metrics.csv`, 'text/csv');
  }

  /** Continues from a model file: a checkpoint resumes its run; a plain model file starts a run from its weights. */
  async loadFile(file: { name: string; arrayBuffer(): Promise<ArrayBuffer> }): Promise<void> {
    await this.pause();
    await this.guarded(`Loading ${file.name}`, async () => {
      const bytes = new Uint8Array(await file.arrayBuffer());
      decodeRun(bytes); // checked before anything changes, so a bad file changes nothing
      await this.restore(bytes, file.name);
      const p = this.run!.progress;
      this.notice('info', `Loaded ${file.name}: ${this.run!.config.mode}, epoch ${p.epoch}, step ${p.stepInEpoch} of the epoch (${p.step} in all). Press Resume to continue.`);
    });
  }

  /** On page load, and after a resume or discard: every autosaved run and bad record, for the resume offer. */
  checkAutosave(): Promise<void> {
    return refreshResumeOffer(this.host.store, this.host.autosaver);
  }

  /** Resumes autosaved run `runId`; a run another tab is training goes on here as a copy under a new id. */
  async resumeAutosave(runId: string): Promise<void> {
    const a = this.host.autosaver;
    if (!a) return;
    await this.pause();
    // The controls open first, so the outcome (a failure too) is seen.
    this.patch({ open: true });
    await this.guarded('Resuming the autosave', async () => {
      const got = await a.load(runId, (bytes) => void decodeRun(bytes));
      const own = await a.claim(runId);
      await this.restore(got.bytes, 'autosave', own ? runId : newRunId()).catch((e: unknown) => {
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

  /** Releases the run's GPU objects (the device is the engine host's). */
  async destroy(): Promise<void> {
    await this.pause();
    await this.exclusive(async () => {
      this.run?.destroy();
      this.run = null;
      this.unsubscribe.splice(0).forEach((u) => u());
    });
  }
}
