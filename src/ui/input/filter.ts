/**
 * The test-set browser's filters and paging, kept pure (no DOM, no React) so they can be tested:
 * which test digits match (by label, by "misclassified", by the confidence p of the predicted
 * class) and which of them one page shows. Filters on predictions apply only when the
 * predictions are complete and belong to the installed model.
 */
import type { TestPredictions } from '../store';

export interface TestFilter {
  /** Keep only this label; null: every label. */
  label: number | null;
  /** Keep only digits whose prediction differs from their label. */
  misclassified: boolean;
  /** Keep only digits with confMin <= p(predicted class) <= confMax. */
  confMin: number;
  confMax: number;
}

export const ALL_DIGITS: TestFilter = { label: null, misclassified: false, confMin: 0, confMax: 1 };

/** Whether the filter asks anything of the predictions. */
export function needsPredictions(f: TestFilter): boolean {
  return f.misclassified || f.confMin > 0 || f.confMax < 1;
}

export type PredictionState =
  | { kind: 'none' }
  | { kind: 'running'; done: number; count: number }
  | { kind: 'stale' }
  | { kind: 'ready'; predictions: TestPredictions };

/** Whether the predictions can serve the filters now, and if not why not. */
export function predictionState(p: TestPredictions | null, modelVersion: number, testCount: number): PredictionState {
  if (!p) return { kind: 'none' };
  if (p.modelVersion !== modelVersion || p.count !== testCount) return { kind: 'stale' };
  if (p.done < p.count) return { kind: 'running', done: p.done, count: p.count };
  return { kind: 'ready', predictions: p };
}

/** What to tell the user about the prediction filters, or null when they can be used. */
export function predictionNote(s: PredictionState): string | null {
  switch (s.kind) {
    case 'none':
      return 'The filters by misclassification and confidence need the model’s predictions: classify the test set first.';
    case 'running':
      return `Classifying the test set (${s.done.toLocaleString('en-US')} of ${s.count.toLocaleString('en-US')}); the prediction filters open when it is done.`;
    case 'stale':
      return 'The predictions belong to an earlier model: classify the test set again to filter by the current model’s predictions.';
    case 'ready':
      return null;
  }
}

/** p(predicted class) of digit i. */
export function confidence(p: TestPredictions, i: number): number {
  return p.probs[i * p.classes + p.pred[i]];
}

/**
 * Indices (ascending) of the test digits that pass the filter. Prediction filters are ignored
 * when `predictions` is null (the caller passes it only when it is ready).
 */
export function filterTestSet(labels: ArrayLike<number>, f: TestFilter, predictions: TestPredictions | null): Int32Array {
  const usePred = predictions !== null && needsPredictions(f);
  const lo = Math.min(f.confMin, f.confMax);
  const hi = Math.max(f.confMin, f.confMax);
  const out = new Int32Array(labels.length);
  let n = 0;
  for (let i = 0; i < labels.length; i++) {
    if (f.label !== null && labels[i] !== f.label) continue;
    if (usePred) {
      const pred = predictions.pred[i];
      if (pred < 0) continue;
      if (f.misclassified && pred === labels[i]) continue;
      const p = confidence(predictions, i);
      // p is stored in float32: a slider's 0.8 must take the stored 0.800000011.
      if (p < lo - 1e-6 || p > hi + 1e-6) continue;
    }
    out[n++] = i;
  }
  return out.slice(0, n);
}

export interface BrowserPage {
  /** The page shown (clamped into range). */
  page: number;
  pages: number;
  /** The indices on it. */
  items: Int32Array;
}

/** One page of `size` matches; an empty list has one empty page. */
export function pageOf(matches: Int32Array, page: number, size: number): BrowserPage {
  const pages = Math.max(1, Math.ceil(matches.length / size));
  const p = Math.min(pages - 1, Math.max(0, Number.isFinite(page) ? Math.trunc(page) : 0));
  return { page: p, pages, items: matches.subarray(p * size, (p + 1) * size) };
}

/** The page that holds digit `index`, or -1 when it does not pass the filter. */
export function pageHolding(matches: Int32Array, index: number, size: number): number {
  // matches is ascending: binary search.
  let a = 0;
  let b = matches.length;
  while (a < b) {
    const m = (a + b) >> 1;
    if (matches[m] < index) a = m + 1;
    else b = m;
  }
  return a < matches.length && matches[a] === index ? Math.floor(a / size) : -1;
}
