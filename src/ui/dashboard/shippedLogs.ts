/**
 * The shipped models' CLI training logs as runs of the accuracy overlay: scripts/train.ts wrote
 * `<model>.log.json` beside each model in public/models/, and the dashboard draws them under the
 * titles models/index.json gives the models (the 100-label DRMM and convnet, the supervised
 * drmm-compact, ...), so a run trained in the page can be compared with them on the same epochs
 * over the 60,000 images (overlay.ts, epochScale). Pure (no DOM, no fetch); tested in
 * tests/unit/dashboardOverlaysShipped.test.ts.
 */
import type { PastRun } from '../train/runs';
import type { ShippedModel } from '../store';
import { RUN_COLOURS, parseTrainingLog } from './overlay';

export interface ShippedLog {
  /** The log's file name in models/ (the model's, .drmm made .log.json). */
  file: string;
  /** The model file it was written for. */
  model: string;
  /** index.json's title of the model: what the legend calls the run. */
  title: string;
  /** Its colour on the chart, fixed by its place in the index (RUN_COLOURS from the end, so the page's runs, taken from the start, rarely share it). */
  color: string;
}

/** `x.drmm` -> `x.log.json`. */
export function logFileOf(modelFile: string): string {
  return modelFile.replace(/\.drmm$/, '') + '.log.json';
}

/** One log a shipped model (index.json's order). */
export function shippedLogs(models: readonly ShippedModel[]): ShippedLog[] {
  return models.map((m, i) => ({ file: logFileOf(m.file), model: m.file, title: m.title, color: RUN_COLOURS[RUN_COLOURS.length - 1 - (i % RUN_COLOURS.length)] }));
}

/** The overlay id of a shipped log (never one of the page's runs, 'current' or 'log-N'). */
export function shippedRunId(file: string): string {
  return `shipped:${file}`;
}

/**
 * A shipped log's text as a run of the overlay, named by its model's title; throws (with what is
 * wrong, as parseTrainingLog says it) when the text is not a usable log.
 */
export function shippedLogRun(text: string, log: ShippedLog): PastRun {
  const run = parseTrainingLog(text, shippedRunId(log.file), log.file);
  return { ...run, label: `${log.title} (CLI log ${log.file})` };
}

/** Where a shipped log is: not asked for yet, being fetched, read, or unusable (with why). */
export type ShippedLogState = { kind: 'loading' } | { kind: 'ready'; run: PastRun } | { kind: 'error'; message: string };

/**
 * Whether a shipped log is drawn: the user's choice when they made one; else, while the page trains
 * semi-supervised, the logs of the shipped semi-supervised runs (those to compare with) once read.
 */
export function shippedLogShown(choice: boolean | undefined, state: ShippedLogState | undefined, pageMode: string): boolean {
  if (choice !== undefined) return choice;
  return pageMode === 'semi-supervised' && state?.kind === 'ready' && state.run.mode === 'semi-supervised';
}
