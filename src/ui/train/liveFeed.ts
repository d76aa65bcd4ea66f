/**
 * What a page run shows while it trains, kept off the training loop's critical path: its log rows
 * go to the store at most every FLUSH_MS (with the step counter every PROGRESS_MS and the time
 * left), its parameters are copied on the GPU into the engine host's 'training' slot every LIVE_MS
 * (EngineHost.publish: no read-back), and every TEMPLATES_MS one read-back of the parameters draws
 * every level's templates and gives the store the slot's weights (for saving, exports, the CPU).
 */
import { shapesOf, type ModelParams } from '../../engine';
import type { EngineHost } from '../../engine/host/engineHost';
import type { GpuTrainRun } from '../../engine/train';
import type { LogRecord } from '../../engine/train';
import type { TrainRun } from '../../engine/train';
import type { AppStore, InstalledModel } from '../store';
import { presetOf } from '../modelFiles';
import { reduceSnapshots, rowFromJson, type MetricRow } from './logic';
import type { TrainingState } from './slice';

export const FLUSH_MS = 400;
export const LIVE_MS = 2000;
export const TEMPLATES_MS = 5000;
const PROGRESS_MS = 200;

export class LiveFeed {
  private pending: MetricRow[] = [];
  private lastFlush = 0;
  private lastProgress = 0;
  private lastPublish = -Infinity;
  private lastTemplates = -Infinity;
  private lastRow: { at: number; step: number } | null = null;

  constructor(private readonly store: AppStore, private readonly engines: EngineHost, private readonly now: () => number) {}

  private patch(p: Partial<TrainingState> | ((t: TrainingState) => Partial<TrainingState>)): void {
    this.store.getState().patchTraining(p);
  }

  /** A row the run logged: queued for the store, with the time left and the observed step time. */
  row(run: TrainRun, r: LogRecord): void {
    this.pending.push(rowFromJson(r));
    const p = run.progress;
    const now = this.now();
    if (this.lastRow && p.step > this.lastRow.step) {
      const observed = (now - this.lastRow.at) / (p.step - this.lastRow.step);
      this.patch((t) => (t.speed ? { speed: { ...t.speed, observedStepMs: observed, observedBatch: run.config.batchSize } } : {}));
    }
    this.lastRow = { at: now, step: p.step };
    const rate = typeof r.imagesPerSecond === 'number' ? r.imagesPerSecond : NaN;
    if (Number.isFinite(rate) && rate > 0) {
      const spe = run.stepsPerEpoch;
      const b = run.config.batchSize;
      const target = Math.max(run.config.epochs, p.epoch + 1);
      this.patch({ eta: { epochSeconds: ((spe - p.stepInEpoch) * b) / rate, runSeconds: (((target - p.epoch) * spe - p.stepInEpoch) * b) / rate } });
    }
  }

  /** Forgets the observed timing (after a pause, the first row would count the pause). */
  resetClock(): void {
    this.lastRow = null;
  }

  /** Moves queued rows and the step counter into the store (throttled unless forced). */
  flush(run: TrainRun | null, force: boolean): void {
    const now = this.now();
    if (this.pending.length && (force || now - this.lastFlush >= FLUSH_MS)) {
      const rows = this.pending;
      this.pending = [];
      this.lastFlush = now;
      this.lastProgress = now;
      this.patch((t) => ({ metrics: reduceSnapshots(t.metrics, rows), progress: progressOf(run) }));
    } else if (force || now - this.lastProgress >= PROGRESS_MS) {
      this.lastProgress = now;
      this.patch({ progress: progressOf(run) });
    }
  }

  drop(): void {
    this.pending = [];
  }

  /** Due work after a step: the GPU copy into the 'training' slot every LIVE_MS, the templates every TEMPLATES_MS. */
  async tick(run: TrainRun, force = false): Promise<void> {
    const now = this.now();
    if (force || now - this.lastPublish >= LIVE_MS) await this.publish(run);
    if (force || now - this.lastTemplates >= TEMPLATES_MS) await this.templates(run);
  }

  /** The run's parameters into the 'training' slot (a GPU copy when the run is on the host's device). */
  async publish(run: TrainRun, params?: ModelParams): Promise<void> {
    this.lastPublish = this.now();
    const gpu = run.backend === 'webgpu' ? (run as GpuTrainRun) : null;
    const info = await this.engines.publish('training', gpu, () => (params ? Promise.resolve(params) : run.params()), run.spec);
    const s = this.store.getState();
    const before = s.slots.training;
    const m: InstalledModel = {
      presetName: presetOf(run.spec, run.preset),
      spec: run.spec,
      // The weights the store keeps come from the last templates read (at most TEMPLATES_MS old).
      params: params ?? before?.params ?? (await run.params()),
      source: { kind: 'training', on: run.backend, summary: summaryOf(run) },
      modelVersion: info.version,
      engineBackend: info.backend,
      engineNote: info.note,
    };
    s.installModel(m, 'training');
    this.patch((t) => ({ liveVersion: t.liveVersion + 1 }));
  }

  /** One read-back of the parameters: every level's templates, and the store's copy of the slot's weights. */
  async templates(run: TrainRun): Promise<ModelParams> {
    this.lastTemplates = this.now();
    const params = await run.params();
    const levels = shapesOf(run.spec).levels.map((l, i) => ({ data: params.weights[i], channels: l.c, cin: l.cin, k: l.k }));
    this.patch({ templates: { ...levels[0], levels, step: run.progress.step } });
    const s = this.store.getState();
    const slot = s.slots.training;
    if (slot) s.installModel({ ...slot, params }, 'training');
    return params;
  }
}

/** The run's place, as the progress line shows it. */
export function progressOf(run: TrainRun | null): TrainingState['progress'] {
  if (!run) return null;
  const p = run.progress;
  return { epoch: p.epoch, stepInEpoch: p.stepInEpoch, step: p.step, stepsPerEpoch: run.stepsPerEpoch, batch: run.config.batchSize };
}

/** "semi-supervised (N_L = 100), epoch 0.25, step 120". */
export function summaryOf(run: TrainRun): string {
  const c = run.config;
  const p = run.progress;
  return `${c.mode}${c.labelled ? ` (N_L = ${c.labelled})` : ''}, epoch ${(p.epoch + p.stepInEpoch / run.stepsPerEpoch).toFixed(2)}, step ${p.step}`;
}
