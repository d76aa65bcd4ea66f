/**
 * `TrainRun`: one training run, the same for the page, the CLI and the CPU fallback, and the
 * interface every model kind's trainer implements (so no later model needs a loop of its own).
 *
 * A step is: the schedule's batch for (epoch, step), the learning rate and loss weights of that
 * point of the run (config.ts), one EG step on the backend (the hard E-step, the gradient with its
 * switches fixed, Adam), then the bookkeeping the run's cadence asks for at that step — a read of
 * the loss terms (a log row), an evaluation, a sample of the running average, the epoch's end. The
 * drivers (scripts/train.ts, src/ui/train/) only decide where checkpoints go and what is shown.
 *
 * `RunBase` holds that bookkeeping once; a backend (gpuRun.ts, cpuRun.ts) supplies the few
 * operations that touch parameters.
 */
import type { ModelParams, ModelSpec } from '../model';
import type { AdamState } from './adam';
import { ParamAverage, AVERAGE_PREFIX } from './average';
import { LAST_PREFIX, emptyProgress, encodeRun, paramsAsExtra, type LogRecord, type RunProgress, type RunSnapshot } from './checkpoint';
import { checkRunConfig, configChanges, lrAt, weightsAt, type ModelKind, type RunConfig } from './config';
import { LOG_CAP, thinRows } from './log';
import { fillBatch, gather, pseudoLabelMap, scheduleFor, validationIndices, type DataSplit, type RunData } from './data';
import type { Schedule } from './schedule';
import type { LossWeights, RivalBatch } from '../reference/train';
import { rivalOffsets } from './rivals';
import type { ExtraTensor } from '../modelFile';

/** Means of the loss terms over the steps since the last read. */
export interface TrainMetrics {
  steps: number;
  ce: number;
  rc: number;
  ent: number;
  nn: number;
  /** The class-balance term KL(pbar || uniform), a mean over the steps. */
  bal: number;
  /** The contrastive rendering term, mean_n relu(m + e_n(y) - e_n(r)), a mean over the steps (0 where its weight is 0). */
  cr: number;
  /** The objective with the weights of the last step. */
  total: number;
  /** Accuracy on the labelled images of the training batches (NaN without labels). */
  trainAccuracy: number;
  labelledSeen: number;
}

export interface EvalResult {
  correct: number;
  count: number;
  accuracy: number;
}

/** Records the phases of a step into compute passes and submits them (the page splits a slow step). */
export type Submit = (phases: ((pass: GPUComputePassEncoder) => void)[]) => Promise<void>;

export interface StepOptions {
  /** GPU only: how the step's phases are submitted (default: one submit). */
  submit?: Submit;
  /** Read the loss terms after this step whatever the cadence (a single step from the page). */
  forceLog?: boolean;
  /** Called after each evaluated chunk (the page yields and shows progress). */
  onEvalChunk?: (done: number, count: number) => Promise<void> | void;
}

export interface StepReport {
  /** The log row of this step, when one was read (loss terms; accuracies when evaluated). */
  row: LogRecord | null;
  evaluated: boolean;
  /** The cadence's checkpoint point (evaluations included). */
  checkpointDue: boolean;
  epochEnd: boolean;
  /** The planned epochs are done. */
  finished: boolean;
}

/** Thrown when the loss or a weight stops being finite: the run's state is not to be kept. */
export class NonFiniteError extends Error {}

/** What a driver may change between steps (recorded in progress.changes). */
export type RunUpdate = Partial<Pick<RunConfig, 'lr' | 'lrDecay' | 'decayFrom' | 'weights' | 'ramps' | 'crMargin' | 'epochs' | 'cadence' | 'klSign'>>;

export interface TrainRun {
  readonly kind: ModelKind;
  readonly backend: 'webgpu' | 'cpu';
  readonly spec: ModelSpec;
  readonly preset: string | null;
  readonly config: Readonly<RunConfig>;
  readonly progress: Readonly<RunProgress>;
  readonly log: readonly LogRecord[];
  readonly stepsPerEpoch: number;
  readonly labelledIndices: Uint32Array | null;
  step(opts?: StepOptions): Promise<StepReport>;
  /** The loss terms since the last read (one read-back on the GPU). */
  metrics(): Promise<TrainMetrics>;
  evaluate(split: 'test' | 'validation', opts?: { params?: ModelParams; onChunk?: (done: number, count: number) => Promise<void> | void }): Promise<EvalResult>;
  params(): Promise<ModelParams>;
  update(u: RunUpdate): void;
  /** The whole run as a model file; `final`: the model a finished run ships (the average, if any). */
  checkpoint(opts?: { final?: boolean }): Promise<Uint8Array>;
  destroy(): void;
}

/** The parameter-touching operations a backend supplies to RunBase. */
export interface RunBackend {
  readonly backend: 'webgpu' | 'cpu';
  /** Runs one EG step on images/labels (n images; label -1: unlabelled); `rivals` with the contrastive term (weights.cr > 0). */
  trainStep(images: Float32Array, labels: Int32Array, n: number, lr: number, weights: LossWeights, submit?: Submit, rivals?: RivalBatch): Promise<void>;
  readMetrics(weights: LossWeights): Promise<TrainMetrics>;
  evaluate(images: Float32Array, labels: ArrayLike<number>, count: number, params: ModelParams | null, onChunk?: (done: number) => Promise<void> | void): Promise<EvalResult>;
  readParams(): Promise<ModelParams>;
  readAdam(): Promise<AdamState>;
  /** A new batch size (the parameters and moments kept). */
  resize(batch: number): Promise<void>;
  destroy(): void;
}

export interface RunInit {
  spec: ModelSpec;
  preset: string | null;
  config: RunConfig;
  data: RunData;
  progress?: RunProgress;
  log?: LogRecord[];
  /** Extra tensors of a restored run (the average, a last iterate, others: kept). */
  extra?: ExtraTensor[];
}

const finite = (x: number) => (Number.isFinite(x) ? x : null);

export class RunBase implements TrainRun {
  readonly kind: ModelKind;
  readonly spec: ModelSpec;
  readonly preset: string | null;
  readonly config: RunConfig;
  readonly progress: RunProgress;
  /** Every row read (loss terms at the cadence's log steps, accuracies at its evaluations), thinned past LOG_CAP. */
  readonly log: LogRecord[];
  readonly labelledIndices: Uint32Array | null;
  private schedule: Schedule;
  /** Self-training's labels of pool images (empty without). */
  private readonly pseudo: Map<number, number>;
  private readonly data: RunData;
  private readonly average: ParamAverage | null;
  private readonly otherExtra: ExtraTensor[];
  private images: Float32Array;
  private labels: Int32Array;
  private evalSets: Partial<Record<'test' | 'validation', { images: Float32Array; labels: Int32Array }>> = {};
  /** Time and images inside step() since the last log row (for images/s). */
  private since = { seconds: 0, images: 0 };

  constructor(protected readonly b: RunBackend, init: RunInit) {
    this.kind = init.config.kind;
    this.spec = init.spec;
    this.preset = init.preset;
    this.config = checkRunConfig(structuredClone(init.config));
    this.progress = init.progress ? structuredClone(init.progress) : emptyProgress();
    this.log = init.log ? structuredClone(init.log) : [];
    this.data = init.data;
    this.schedule = scheduleFor(this.config, this.data.train.labels);
    this.labelledIndices = this.schedule.labelledSubset;
    this.pseudo = pseudoLabelMap(this.config);
    const extra = init.extra ?? [];
    this.average = this.config.average ? ParamAverage.fromExtra(this.spec, extra, this.progress.averageCount) : null;
    this.otherExtra = extra.filter((e) => !e.name.startsWith(AVERAGE_PREFIX) && !e.name.startsWith(LAST_PREFIX));
    const per = this.data.train.per;
    this.images = new Float32Array(this.config.batchSize * per);
    this.labels = new Int32Array(this.config.batchSize);
  }

  get backend(): 'webgpu' | 'cpu' {
    return this.b.backend;
  }

  get stepsPerEpoch(): number {
    return this.schedule.stepsPerEpoch;
  }

  /** The fractional epoch the run has reached. */
  get epochs(): number {
    return this.progress.epoch + this.progress.stepInEpoch / this.stepsPerEpoch;
  }

  private dueAt(stepInEpoch: number): { log: boolean; evaluate: boolean; checkpoint: boolean } {
    const spe = this.stepsPerEpoch;
    const { logEvery, evalsPerEpoch, checkpointEvery } = this.config.cadence;
    const evalEvery = Math.max(1, Math.floor(spe / evalsPerEpoch));
    // Evaluate evalsPerEpoch times an epoch, the last at its end (not also a step before it).
    const evaluate = stepInEpoch === spe || (stepInEpoch % evalEvery === 0 && spe - stepInEpoch >= evalEvery / 2);
    const log = stepInEpoch % logEvery === 0 || evaluate;
    const ckEvery = Math.max(logEvery, Math.round(checkpointEvery / logEvery) * logEvery);
    return { log, evaluate, checkpoint: evaluate || (log && stepInEpoch % ckEvery === 0) };
  }

  async step(opts: StepOptions = {}): Promise<StepReport> {
    const t0 = performance.now();
    const p = this.progress;
    const c = this.config;
    if (p.stepInEpoch >= this.stepsPerEpoch) throw new Error(`step ${p.stepInEpoch} is past the end of epoch ${p.epoch}`);
    const n = fillBatch(c, this.schedule, this.data.train, p.epoch, p.stepInEpoch, this.images, this.labels, this.pseudo);
    const weights = weightsAt(c, this.epochs);
    // The contrastive term's rivals, drawn only when it is on (rivals.ts: a function of the step, not a stream).
    const rivals = (weights.cr ?? 0) > 0 ? { offsets: rivalOffsets(c.seed, p.epoch, p.stepInEpoch, n, this.spec.classes), margin: c.crMargin } : undefined;
    await this.b.trainStep(this.images, this.labels, n, lrAt(c, p.epoch), weights, opts.submit, rivals);
    p.step++;
    p.stepInEpoch++;
    this.since.images += n;
    const due = this.dueAt(p.stepInEpoch);
    const epoch = this.epochs;
    this.since.seconds += (performance.now() - t0) / 1000;
    const row = due.log || opts.forceLog ? await this.logRow({ evaluate: due.evaluate, onEvalChunk: opts.onEvalChunk }) : null;
    if (due.checkpoint && this.average && epoch >= c.average!.from) {
      this.average.add(await this.b.readParams());
      p.averageCount = this.average.count;
    }
    const epochEnd = p.stepInEpoch === this.stepsPerEpoch;
    if (epochEnd) {
      p.epoch++;
      p.stepInEpoch = 0;
    }
    p.wallSeconds += (performance.now() - t0) / 1000;
    if (row) row.wallSeconds = p.wallSeconds;
    return { row, evaluated: !!row && due.evaluate, checkpointDue: due.checkpoint, epochEnd, finished: p.epoch >= c.epochs };
  }

  /**
   * A log row now: the loss terms since the last row (one read-back; a non-finite loss throws
   * NonFiniteError), the accuracies when `evaluate`; pushed to the log. step() writes one at the
   * cadence's log steps; a driver may write one when it pauses or evaluates on demand.
   */
  async logRow(opts: { evaluate?: boolean; onEvalChunk?: StepOptions['onEvalChunk'] } = {}): Promise<LogRecord> {
    const p = this.progress;
    const c = this.config;
    const weights = weightsAt(c, this.epochs);
    // The read-back waits for the steps still running on the GPU (a step only submits them): its
    // time counts towards the images/s of the steps since the last row.
    const t0 = performance.now();
    const m = await this.b.readMetrics(weights);
    this.since.seconds += (performance.now() - t0) / 1000;
    if (!Number.isFinite(m.total)) throw new NonFiniteError(`the loss became ${m.total} (ce ${m.ce}, rc ${m.rc}, ent ${m.ent}, nn ${m.nn}, bal ${m.bal}, cr ${m.cr})`);
    const trained = m.steps > 0;
    const row: LogRecord = { epoch: this.epochs, step: p.step, wallSeconds: p.wallSeconds };
    if (trained) {
      Object.assign(row, {
        ce: m.ce, rc: m.rc, ent: m.ent, nn: m.nn, bal: m.bal, total: m.total, trainAccuracy: finite(m.trainAccuracy),
        // The contrastive term's value, in the rows of a run that has it (older runs' rows stay as they were).
        ...(c.weights.cr ? { cr: m.cr } : {}),
        imagesPerSecond: this.since.seconds > 0 ? this.since.images / this.since.seconds : null, lr: lrAt(c, p.epoch),
      });
      this.since = { seconds: 0, images: 0 };
    }
    if (opts.evaluate) await this.evaluateInto(row, opts.onEvalChunk);
    if (!trained && !opts.evaluate) return row;
    this.log.push(row);
    if (this.log.length > LOG_CAP) this.log.splice(0, this.log.length, ...thinRows(this.log, LOG_CAP, (r) => typeof r.testAccuracy === 'number'));
    return row;
  }

  /** The test accuracy (and the validation accuracy, when the run holds some images out) into a row. */
  private async evaluateInto(row: LogRecord, onChunk?: StepOptions['onEvalChunk']): Promise<void> {
    if (this.data.test) row.testAccuracy = (await this.evaluate('test', { onChunk })).accuracy;
    if (this.config.data.validation.count > 0) row.validationAccuracy = (await this.evaluate('validation', { onChunk })).accuracy;
  }

  private evalSet(split: 'test' | 'validation'): { images: Float32Array; labels: Int32Array } {
    const have = this.evalSets[split];
    if (have) return have;
    let set: { images: Float32Array; labels: Int32Array };
    if (split === 'test') {
      const test = this.data.test;
      if (!test) throw new Error('this run has no test set');
      set = gather(test, Uint32Array.from({ length: test.count }, (_, i) => i));
    } else {
      const idx = validationIndices(this.config);
      if (idx.length === 0) throw new Error('this run holds no validation images out');
      set = gather(this.data.train, idx);
    }
    this.evalSets[split] = set;
    return set;
  }

  async evaluate(split: 'test' | 'validation', opts: { params?: ModelParams; onChunk?: (done: number, count: number) => Promise<void> | void } = {}): Promise<EvalResult> {
    const set = this.evalSet(split);
    const count = set.labels.length;
    return this.b.evaluate(set.images, set.labels, count, opts.params ?? null, opts.onChunk && ((done) => opts.onChunk!(done, count)));
  }

  metrics(): Promise<TrainMetrics> {
    return this.b.readMetrics(weightsAt(this.config, this.epochs));
  }

  params(): Promise<ModelParams> {
    return this.b.readParams();
  }

  update(u: RunUpdate): void {
    const next = checkRunConfig({ ...structuredClone(this.config), ...structuredClone(u) });
    const changes = configChanges(this.config, next);
    if (changes.length === 0) return;
    Object.assign(this.config, next);
    this.progress.changes.push({ step: this.progress.step, changes });
  }

  /**
   * A new batch size between steps: the same parameters and moments, the position in the epoch
   * kept in images (the schedule of the new size starts from there).
   */
  async setBatchSize(batch: number): Promise<void> {
    const c = this.config;
    if (batch === c.batchSize) return;
    const fromAll = (b: number) => (c.mode !== 'semi-supervised' ? b : c.labelledPerBatch !== null ? b - c.labelledPerBatch : Math.floor(b / 2));
    const seen = this.progress.stepInEpoch * fromAll(c.batchSize);
    const next = checkRunConfig({ ...structuredClone(c), batchSize: batch });
    await this.b.resize(batch);
    this.progress.changes.push({ step: this.progress.step, changes: configChanges(c, next) });
    Object.assign(c, next);
    this.schedule = scheduleFor(c, this.data.train.labels);
    this.progress.stepInEpoch = Math.min(this.stepsPerEpoch - 1, Math.floor(seen / fromAll(batch)));
    this.images = new Float32Array(batch * this.data.train.per);
    this.labels = new Int32Array(batch);
  }

  async snapshot(): Promise<RunSnapshot> {
    return {
      spec: this.spec, preset: this.preset, config: structuredClone(this.config), progress: structuredClone(this.progress), log: structuredClone(this.log),
      params: await this.b.readParams(), adam: await this.b.readAdam(),
      labelledIndices: this.labelledIndices ? Array.from(this.labelledIndices) : null,
      extra: [...this.otherExtra, ...(this.average?.toExtra() ?? [])],
    };
  }

  /**
   * The run as a model file. `final` on an averaged run: the model is the mean of the samples,
   * with the last iterate kept beside it (opt.last.*) so that training can go on from it.
   */
  async checkpoint(opts: { final?: boolean } = {}): Promise<Uint8Array> {
    const s = await this.snapshot();
    if (opts.final && this.average && this.average.count > 0) {
      s.extra.push(...paramsAsExtra(this.spec, s.params, LAST_PREFIX));
      s.params = this.average.mean();
    }
    return encodeRun(s);
  }

  /** The averaged parameters (null without averaging or before the first sample). */
  averaged(): ModelParams | null {
    return this.average && this.average.count > 0 ? this.average.mean() : null;
  }

  destroy(): void {
    this.b.destroy();
  }
}

export type { DataSplit, RunData };
