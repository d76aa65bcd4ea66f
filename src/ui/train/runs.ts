/**
 * Finished or earlier runs of this page session (and CLI training logs the user loaded), kept in
 * the training slice so the dashboard can overlay their accuracy curves on the current run's: a
 * convnet baseline next to a DRMM run, say. Pure (no DOM, no GPU); tested in
 * tests/unit/dashboardRuns.test.ts.
 */
import type { MetricRow } from './logic';

/** One point of a run's accuracy curve; NaN where that accuracy was not measured. */
export interface RunPoint {
  epoch: number;
  step: number;
  trainAccuracy: number;
  testAccuracy: number;
}

export interface PastRun {
  /** Unique within the page session. */
  id: string;
  /** What the legend says: architecture, mode, N_L, seed, and the file for a CLI log. */
  label: string;
  /** The training mode ('supervised', 'convnet', ...); a log may name one this page does not know. */
  mode: string;
  preset: string | null;
  labelled: number | null;
  source: 'page' | 'log';
  points: RunPoint[];
}

export interface RunMeta {
  preset: string | null;
  mode: string;
  labelled: number | null;
  seed: number | null;
}

/** At most this many earlier runs are kept; the oldest goes first. */
export const MAX_RUNS = 8;

export function runLabel(m: RunMeta): string {
  const nl = m.mode === 'semi-supervised' && m.labelled ? ` N_L=${m.labelled}` : '';
  const seed = m.seed === null ? '' : ` seed ${m.seed}`;
  return `${m.preset ?? 'custom model'} ${m.mode}${nl}${seed}`;
}

/** The accuracy points of a metrics history (rows with neither accuracy are left out). */
export function accuracyPoints(rows: readonly MetricRow[]): RunPoint[] {
  return rows
    .filter((r) => Number.isFinite(r.epoch) && (Number.isFinite(r.trainAccuracy) || Number.isFinite(r.testAccuracy)))
    .map((r) => ({ epoch: r.epoch, step: r.step, trainAccuracy: r.trainAccuracy, testAccuracy: r.testAccuracy }));
}

/** A run worth keeping for the overlay, or null when it never measured an accuracy. */
export function archiveRun(id: string, meta: RunMeta, rows: readonly MetricRow[]): PastRun | null {
  const points = accuracyPoints(rows);
  if (points.length === 0) return null;
  return { id, label: runLabel(meta), mode: meta.mode, preset: meta.preset, labelled: meta.labelled, source: 'page', points };
}

/** The list with `run` added last (a run of the same id replaces the old one), capped at `cap`. */
export function addRun(runs: readonly PastRun[], run: PastRun | null, cap = MAX_RUNS): PastRun[] {
  if (!run) return runs.slice();
  const next = runs.filter((r) => r.id !== run.id).concat(run);
  return next.slice(Math.max(0, next.length - cap));
}
