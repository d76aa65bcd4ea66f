/**
 * The confusion matrix of the test set, from the installed model's predictions and the labels:
 * counts, row-normalised fractions, the test digits in one cell, and its table for CSV. Pure (no DOM, no
 * React); tested in tests/unit/dashboardConfusion.test.ts.
 */
import type { CsvCell, CsvTable } from '../export/csv';

export interface Confusion {
  classes: number;
  /** counts[t * classes + p]: test digits of label t predicted as p. */
  counts: Int32Array;
  /** Classified digits of each label (the row sums). */
  rowTotals: Int32Array;
  /** Classified digits (predictions of -1, not classified yet, are left out). */
  total: number;
  /** Digits on the diagonal. */
  correct: number;
}

/**
 * Counts (label, prediction) pairs. A prediction of -1 means "not classified yet" and is skipped;
 * anything else outside 0..classes-1, in either array, is an error (it would be a bug upstream).
 */
export function confusionCounts(pred: ArrayLike<number>, labels: ArrayLike<number>, classes: number): Confusion {
  if (!Number.isInteger(classes) || classes < 1) throw new Error(`confusion matrix: ${classes} classes`);
  if (pred.length > labels.length) throw new Error(`confusion matrix: ${pred.length} predictions but only ${labels.length} labels`);
  const counts = new Int32Array(classes * classes);
  const rowTotals = new Int32Array(classes);
  let total = 0;
  let correct = 0;
  for (let i = 0; i < pred.length; i++) {
    const p = pred[i];
    if (p === -1) continue;
    const t = labels[i];
    if (!(Number.isInteger(p) && p >= 0 && p < classes)) throw new Error(`confusion matrix: prediction ${p} of digit ${i} is not a class 0..${classes - 1}`);
    if (!(Number.isInteger(t) && t >= 0 && t < classes)) throw new Error(`confusion matrix: label ${t} of digit ${i} is not a class 0..${classes - 1}`);
    counts[t * classes + p]++;
    rowTotals[t]++;
    total++;
    if (t === p) correct++;
  }
  return { classes, counts, rowTotals, total, correct };
}

/** The fraction of label-t digits predicted as p; NaN for a label with no classified digit. */
export function rowFraction(c: Confusion, t: number, p: number): number {
  const row = c.rowTotals[t];
  return row > 0 ? c.counts[t * c.classes + p] / row : NaN;
}

/** Indices of the test digits of label t predicted as p, in test-set order (at most `limit`). */
export function cellIndices(pred: ArrayLike<number>, labels: ArrayLike<number>, t: number, p: number, limit = Infinity): number[] {
  const out: number[] = [];
  for (let i = 0; i < pred.length && out.length < limit; i++) if (pred[i] === p && labels[i] === t) out.push(i);
  return out;
}

/** "98.4%", "0.12%", "—" for NaN: enough digits to tell small confusions apart. */
export function fmtPercent(f: number): string {
  if (!Number.isFinite(f)) return '—';
  const v = 100 * f;
  if (v === 0) return '0%';
  if (v < 1) return `${v.toFixed(2)}%`;
  if (v < 10) return `${v.toFixed(1)}%`;
  return `${v.toFixed(v >= 99.95 ? 0 : 1)}%`;
}

/**
 * The matrix as a table (export/csv.ts writes it), one row a cell: true class, predicted class,
 * count, and the count as a percentage of its row (empty for an empty row).
 */
export function confusionTable(c: Confusion): CsvTable {
  const rows: CsvCell[][] = [];
  for (let t = 0; t < c.classes; t++) {
    for (let p = 0; p < c.classes; p++) {
      const f = rowFraction(c, t, p);
      rows.push([t, p, c.counts[t * c.classes + p], Number.isFinite(f) ? Number((100 * f).toPrecision(6)) : null]);
    }
  }
  return { columns: ['trueClass', 'predictedClass', 'count', 'rowPercent'], rows };
}
