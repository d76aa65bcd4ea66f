/**
 * What keeps a page run from being lost: the last checkpoint known to be finite, in memory (what a
 * non-finite loss rolls back to and a lost device restarts from), taken at least every
 * MEMORY_CHECKPOINT_MS, and the IndexedDB autosave under the run's own id (autosave.ts) at the
 * run's checkpoint points and on pause. A full storage keeps the run in memory and says so.
 */
import type { TrainRun } from '../../engine/train';
import { firstNonFinite } from './logic';
import { paramList } from '../../engine';
import { StorageFullError } from '../storage/quota';
import type { Autosaver, AutosaveMeta } from './autosave';
import { AUTOSAVE_EVERY } from './runSetup';
import { NonFiniteError } from '../../engine/train';

/** An in-memory checkpoint at least this often (ms) between autosaves: what a lost device rolls back to. */
export const MEMORY_CHECKPOINT_MS = 20_000;

export interface GoodCheckpoint {
  bytes: Uint8Array;
  epoch: number;
  stepInEpoch: number;
  step: number;
}

export type KeeperNotice = (kind: 'info' | 'warn' | 'error', text: string) => void;

export class RunKeeper {
  /** The last checkpoint known to be finite. */
  good: GoodCheckpoint | null = null;
  private goodAt = 0;
  /** The step of the last autosave. */
  savedStep = 0;

  constructor(
    private readonly autosaver: Autosaver | null,
    private readonly now: () => number,
    private readonly notice: KeeperNotice,
  ) {}

  /** A checkpoint of the run whose parameters are all finite (else NonFiniteError): kept as the last good one. */
  async keep(run: TrainRun): Promise<Uint8Array> {
    const params = await run.params();
    const bad = firstNonFinite(paramList(params));
    if (bad) throw new NonFiniteError(`a weight became non-finite (tensor ${bad.tensor}, entry ${bad.index})`);
    const bytes = await run.checkpoint();
    const p = run.progress;
    this.good = { bytes, epoch: p.epoch, stepInEpoch: p.stepInEpoch, step: p.step };
    this.goodAt = this.now();
    return bytes;
  }

  /** Whether the in-memory checkpoint is older than MEMORY_CHECKPOINT_MS. */
  get stale(): boolean {
    return this.now() - this.goodAt >= MEMORY_CHECKPOINT_MS;
  }

  /**
   * Keeps a checkpoint, then writes it to IndexedDB under `runId`. Returns where it went
   * ('autosave', or 'memory' when there is no storage or it failed: training goes on either way).
   */
  async autosave(run: TrainRun, runId: string): Promise<'autosave' | 'memory'> {
    const bytes = await this.keep(run);
    this.savedStep = run.progress.step;
    if (!this.autosaver) return 'memory';
    try {
      await this.autosaver.save(runId, bytes, metaOf(run));
      return 'autosave';
    } catch (e) {
      const step = run.progress.step;
      if (e instanceof StorageFullError)
        this.notice('warn', `The autosave at step ${step} failed. ${e.message} The run is kept in this page: training goes on, and the next autosave (at the next pause, or every ${AUTOSAVE_EVERY} steps) tries again once there is space; meanwhile, save a checkpoint file to keep the work.`);
      else this.notice('warn', `The autosave to this browser's storage failed (${e instanceof Error ? e.message : String(e)}); training goes on. Save a checkpoint file to keep the work.`);
      return 'memory';
    }
  }

  forget(): void {
    this.good = null;
    this.goodAt = 0;
    this.savedStep = 0;
  }
}

/** What the resume offer shows of a run. */
export function metaOf(run: TrainRun): AutosaveMeta {
  const c = run.config;
  const p = run.progress;
  return { preset: run.preset, mode: c.mode, labelled: c.labelled, seed: c.seed, batchSize: c.batchSize, epoch: p.epoch, stepInEpoch: p.stepInEpoch, step: p.step, savedAt: Date.now() };
}
