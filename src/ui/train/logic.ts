/**
 * Pure pieces of in-page training (no DOM, no GPU, no React), unit-tested in
 * tests/unit/trainLogic.test.ts: the metric rows and their CSV, the batch size chosen from a
 * measured step, the epoch estimate, the metric snapshot reducer and the history cap.
 */
import type { TrainMode } from '../../engine/train';
import { toCsv, type CsvTable } from '../export/csv';
import { thinRows } from '../../engine/train';

/** One line of the metrics history. NaN: not measured at that row (e.g. test accuracy between evaluations). */
export interface MetricRow {
  /** Fractional epochs completed (epoch + stepInEpoch / stepsPerEpoch). */
  epoch: number;
  /** Steps completed since the start of the run. */
  step: number;
  ce: number;
  rc: number;
  ent: number;
  nn: number;
  /** The class-balance term KL(pbar || uniform) (NaN in rows of runs from before the term). */
  bal: number;
  /** The contrastive rendering term (NaN where it was not measured: a_cr = 0, or a run from before it). */
  cr: number;
  total: number;
  trainAccuracy: number;
  testAccuracy: number;
  imagesPerSecond: number;
  /** Seconds of training in this run (summed over sessions). */
  wallSeconds: number;
}

export const METRIC_COLUMNS: (keyof MetricRow)[] = ['epoch', 'step', 'ce', 'rc', 'ent', 'nn', 'bal', 'cr', 'total', 'trainAccuracy', 'testAccuracy', 'imagesPerSecond', 'wallSeconds'];

/** The loss terms, in the order they are charted. */
export const LOSS_TERMS = ['total', 'ce', 'rc', 'ent', 'nn', 'bal', 'cr'] as const;
export type LossTerm = (typeof LOSS_TERMS)[number];

export const LOSS_TERM_INFO: Record<LossTerm, string> = {
  total: 'objective with the current weights',
  ce: 'cross-entropy (labelled images)',
  rc: 'reconstruction ||I - Î||² (mean per pixel)',
  ent: 'entropy H(p) - log C (unlabelled images)',
  nn: 'nonnegativity ||relu(-z)||² (mean per unit)',
  bal: 'class balance KL(p̄ || uniform) (unlabelled images)',
  cr: 'contrastive rendering relu(m + e(y) - e(rival))',
};

export function emptyRow(epoch: number, step: number): MetricRow {
  return { epoch, step, ce: NaN, rc: NaN, ent: NaN, nn: NaN, bal: NaN, cr: NaN, total: NaN, trainAccuracy: NaN, testAccuracy: NaN, imagesPerSecond: NaN, wallSeconds: NaN };
}

// ---------------------------------------------------------------------------------------------
// CSV

/** A metric for the CSV: 7 significant digits (integers whole), NaN (not measured) empty, infinities kept. */
function csvNumber(v: number): number | null {
  if (Number.isNaN(v)) return null;
  return !Number.isFinite(v) || Number.isInteger(v) ? v : Number(v.toPrecision(7));
}

/** The history as a table of the columns (all by default), one row per row of the history. */
export function metricsTable(rows: readonly MetricRow[], columns: readonly (keyof MetricRow)[] = METRIC_COLUMNS): CsvTable {
  return { columns: [...columns], rows: rows.map((r) => columns.map((c) => csvNumber(r[c]))) };
}

/** The history as CSV (export/csv.ts: RFC 4180, CRLF line ends); NaN is an empty field. */
export function metricsCsv(rows: readonly MetricRow[], columns: readonly (keyof MetricRow)[] = METRIC_COLUMNS): string {
  return toCsv(metricsTable(rows, columns));
}

/** A row from a checkpoint's metrics record (JSON: missing or null fields are NaN). */
export function rowFromJson(o: { [key: string]: unknown }): MetricRow {
  const row = emptyRow(NaN, NaN);
  for (const c of METRIC_COLUMNS) {
    const v = o[c];
    row[c] = typeof v === 'number' ? v : NaN;
  }
  return row;
}

/** A row as JSON for a checkpoint: non-finite fields are left out, numbers rounded to 7 digits. */
export function rowToJson(r: MetricRow): { [key: string]: number } {
  const o: { [key: string]: number } = {};
  for (const c of METRIC_COLUMNS) if (Number.isFinite(r[c])) o[c] = Number.isInteger(r[c]) ? r[c] : Number(r[c].toPrecision(7));
  return o;
}

// ---------------------------------------------------------------------------------------------
// batch size from a measured step

/** One measured step: its batch, and how long each phase's submit took (ms), in phase order. */
export interface StepSample {
  batch: number;
  phaseMs: number[];
}

export interface SpeedFit {
  /** ms = overhead + perImage * batch, for the slowest phase, the whole step and the forward phase (the first). */
  phase: { overhead: number; perImage: number };
  step: { overhead: number; perImage: number };
  forward: { overhead: number; perImage: number };
}

/** Least-squares line through (x, y), with a nonnegative intercept and a positive slope. One point: through the origin. */
export function fitLine(points: { x: number; y: number }[]): { overhead: number; perImage: number } {
  const pts = points.filter((p) => p.x > 0 && Number.isFinite(p.y) && p.y >= 0);
  if (pts.length === 0) throw new Error('no usable timing samples');
  const xs = new Set(pts.map((p) => p.x));
  const origin = () => {
    const sx = pts.reduce((s, p) => s + p.x * p.x, 0);
    const sxy = pts.reduce((s, p) => s + p.x * p.y, 0);
    return { overhead: 0, perImage: Math.max(sxy / sx, 1e-6) };
  };
  if (xs.size < 2) return origin();
  const n = pts.length;
  const mx = pts.reduce((s, p) => s + p.x, 0) / n;
  const my = pts.reduce((s, p) => s + p.y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (const p of pts) {
    sxx += (p.x - mx) ** 2;
    sxy += (p.x - mx) * (p.y - my);
  }
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  // Noise can give a negative slope or intercept: fall back to a line through the origin.
  if (!(slope > 0) || intercept < 0) return origin();
  return { overhead: intercept, perImage: slope };
}

export function fitSpeed(samples: StepSample[]): SpeedFit {
  return {
    phase: fitLine(samples.map((s) => ({ x: s.batch, y: Math.max(...s.phaseMs) }))),
    step: fitLine(samples.map((s) => ({ x: s.batch, y: s.phaseMs.reduce((a, b) => a + b, 0) }))),
    forward: fitLine(samples.map((s) => ({ x: s.batch, y: s.phaseMs[0] }))),
  };
}

export const BATCH_MIN = 8;
export const BATCH_MAX = 128;
export const PHASE_TARGET_MS = 100;

/**
 * The largest batch (a multiple of 4 in BATCH_MIN..BATCH_MAX) whose slowest phase is predicted to
 * take at most targetMs; BATCH_MIN when even that is slower.
 */
export function chooseBatchSize(fit: SpeedFit, targetMs = PHASE_TARGET_MS, min = BATCH_MIN, max = BATCH_MAX): number {
  const { overhead, perImage } = fit.phase;
  const raw = (targetMs - overhead) / perImage;
  if (!Number.isFinite(raw)) return max;
  const b = Math.floor(raw / 4) * 4;
  return Math.min(max, Math.max(min, b));
}

/** The evaluation engine carries a trainer's buffers too: kept at the training maximum. */
export const EVAL_CHUNK_MAX = 128;

/**
 * Images per submit when evaluating the test set: the largest multiple of 4 whose forward pass
 * is predicted within targetMs (the evaluation is the forward phase alone), in BATCH_MIN..EVAL_CHUNK_MAX.
 */
export function chooseEvalChunk(fit: SpeedFit, targetMs = PHASE_TARGET_MS): number {
  return chooseBatchSize({ ...fit, phase: fit.forward }, targetMs, BATCH_MIN, EVAL_CHUNK_MAX);
}

/** Predicted ms of one step at this batch (the sum of its phases). */
export function stepMsAt(fit: SpeedFit, batch: number): number {
  return fit.step.overhead + fit.step.perImage * batch;
}

/** Whether to submit each phase on its own (and wait for it) rather than a whole step at once. */
export function shouldSplitPhases(fit: SpeedFit, batch: number, targetMs = PHASE_TARGET_MS): boolean {
  return stepMsAt(fit, batch) > targetMs;
}

/** Steps in one epoch, as Schedule counts them (semi-supervised: half of each batch is from the whole set). */
export function stepsPerEpochFor(mode: TrainMode, batch: number, trainCount: number): number {
  const fromAll = mode === 'semi-supervised' ? Math.floor(batch / 2) : batch;
  return Math.floor(trainCount / fromAll);
}

/** Seconds for one epoch at `stepMs` a step (plus a per-step overhead for the submits and yields). */
export function epochSeconds(stepsPerEpoch: number, stepMs: number, perStepOverheadMs = 2): number {
  return (stepsPerEpoch * (stepMs + perStepOverheadMs)) / 1000;
}

/** "42 s", "3.5 min", "2.1 h". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds < 90) return `${seconds.toFixed(0)} s`;
  if (seconds < 90 * 60) return `${(seconds / 60).toFixed(1)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

export const LABELLED_CHOICES = [100, 600, 1000, 3000] as const;

// ---------------------------------------------------------------------------------------------
// metric snapshots

export interface MetricsState {
  /** The last training metrics read (null before the first). */
  latest: MetricRow | null;
  history: MetricRow[];
  /** How many times metrics were read in this run. */
  reports: number;
  /** The last test evaluation. */
  lastTest: { epoch: number; step: number; accuracy: number } | null;
}

export const HISTORY_CAP = 1200;

export function emptyMetrics(): MetricsState {
  return { latest: null, history: [], reports: 0, lastTest: null };
}

/**
 * Keeps at most `cap` rows: when over, every second row of the older half is dropped (rows with a
 * test accuracy and the newest half are kept), so the chart keeps its whole span at a coarser grain.
 */
export function capHistory(rows: MetricRow[], cap = HISTORY_CAP): MetricRow[] {
  return thinRows(rows, cap, (r) => Number.isFinite(r.testAccuracy));
}

/** The reducer for a batch of training snapshots (read by readMetrics, pushed in one store update). */
export function reduceSnapshots(state: MetricsState, rows: MetricRow[], cap = HISTORY_CAP): MetricsState {
  if (rows.length === 0) return state;
  return {
    ...state,
    latest: rows[rows.length - 1],
    history: capHistory(state.history.concat(rows), cap),
    reports: state.reports + rows.length,
  };
}

/** The reducer for a test evaluation: merged into the row of the same step, or a row of its own. */
export function reduceTest(state: MetricsState, test: { epoch: number; step: number; accuracy: number; wallSeconds?: number }, cap = HISTORY_CAP): MetricsState {
  const history = state.history.slice();
  const last = history[history.length - 1];
  if (last && last.step === test.step) history[history.length - 1] = { ...last, testAccuracy: test.accuracy };
  else history.push({ ...emptyRow(test.epoch, test.step), testAccuracy: test.accuracy, wallSeconds: test.wallSeconds ?? NaN });
  return { ...state, history: capHistory(history, cap), lastTest: { epoch: test.epoch, step: test.step, accuracy: test.accuracy } };
}

/** The metrics state of a loaded checkpoint's history. */
export function metricsFromHistory(rows: MetricRow[]): MetricsState {
  const withTest = rows.filter((r) => Number.isFinite(r.testAccuracy));
  const t = withTest[withTest.length - 1];
  const trained = rows.filter((r) => Number.isFinite(r.total));
  return {
    latest: trained[trained.length - 1] ?? null,
    history: capHistory(rows),
    reports: trained.length,
    lastTest: t ? { epoch: t.epoch, step: t.step, accuracy: t.testAccuracy } : null,
  };
}

// ---------------------------------------------------------------------------------------------
// finiteness

export function firstNonFinite(arrays: readonly ArrayLike<number>[]): { tensor: number; index: number } | null {
  for (let t = 0; t < arrays.length; t++) {
    const a = arrays[t];
    for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return { tensor: t, index: i };
  }
  return null;
}
