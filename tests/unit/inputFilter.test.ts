// The test-set browser's filters and paging (src/ui/input/filter.ts), on small synthetic sets.
import { describe, expect, it } from 'vitest';
import { ALL_DIGITS, confidence, filterTestSet, needsPredictions, pageHolding, pageOf, predictionNote, predictionState, type TestFilter } from '../../src/ui/input/filter';
import type { TestPredictions } from '../../src/ui/store';

const labels = Uint8Array.from([7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
// Predictions: digits 2 (1 -> 7), 6 (4 -> 9) and 8 (5 -> 6) are wrong; confidences below.
const predClass = [7, 2, 7, 0, 4, 1, 9, 9, 6, 9];
const predP = [0.99, 0.6, 0.55, 0.97, 0.8, 0.3, 0.45, 0.91, 0.5, 1.0];

function predictions(over: Partial<TestPredictions> = {}): TestPredictions {
  const C = 10;
  const probs = new Float32Array(labels.length * C);
  predClass.forEach((c, i) => {
    // The rest of the mass spread evenly, so the predicted class is the argmax.
    for (let k = 0; k < C; k++) probs[i * C + k] = (1 - predP[i]) / (C - 1);
    probs[i * C + c] = predP[i];
  });
  return { modelVersion: 3, done: labels.length, count: labels.length, pred: Int32Array.from(predClass), probs, classes: C, ...over };
}

const f = (over: Partial<TestFilter>): TestFilter => ({ ...ALL_DIGITS, ...over });
const list = (a: Int32Array) => Array.from(a);

describe('filterTestSet', () => {
  const p = predictions();

  it('with no filter keeps every digit, in order', () => {
    expect(list(filterTestSet(labels, ALL_DIGITS, p))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(list(filterTestSet(labels, ALL_DIGITS, null))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('filters by label', () => {
    expect(list(filterTestSet(labels, f({ label: 4 }), null))).toEqual([4, 6]);
    expect(list(filterTestSet(labels, f({ label: 9 }), p))).toEqual([7, 9]);
    expect(list(filterTestSet(labels, f({ label: 3 }), p))).toEqual([]);
  });

  it('filters the misclassified, alone and with a label', () => {
    expect(list(filterTestSet(labels, f({ misclassified: true }), p))).toEqual([2, 6, 8]);
    expect(list(filterTestSet(labels, f({ misclassified: true, label: 4 }), p))).toEqual([6]);
    expect(list(filterTestSet(labels, f({ misclassified: true, label: 0 }), p))).toEqual([]);
  });

  it('filters by the confidence of the predicted class, ends included, in either order', () => {
    expect(confidence(p, 5)).toBeCloseTo(0.3, 6);
    expect(list(filterTestSet(labels, f({ confMin: 0.5, confMax: 0.8 }), p))).toEqual([1, 2, 4, 8]);
    expect(list(filterTestSet(labels, f({ confMin: 0.8, confMax: 0.5 }), p))).toEqual([1, 2, 4, 8]);
    expect(list(filterTestSet(labels, f({ confMin: 0.95 }), p))).toEqual([0, 3, 9]);
    expect(list(filterTestSet(labels, f({ confMax: 0.5 }), p))).toEqual([5, 6, 8]);
    expect(list(filterTestSet(labels, f({ misclassified: true, confMax: 0.5 }), p))).toEqual([6, 8]);
  });

  it('ignores the prediction filters without predictions, and skips digits not yet classified', () => {
    expect(list(filterTestSet(labels, f({ misclassified: true, confMin: 0.9, label: 1 }), null))).toEqual([2, 5]);
    const partial = predictions({ pred: Int32Array.from(predClass.map((c, i) => (i < 5 ? c : -1))) });
    expect(list(filterTestSet(labels, f({ misclassified: true }), partial))).toEqual([2]);
  });

  it('knows which filters need predictions', () => {
    expect(needsPredictions(ALL_DIGITS)).toBe(false);
    expect(needsPredictions(f({ label: 3 }))).toBe(false);
    expect(needsPredictions(f({ misclassified: true }))).toBe(true);
    expect(needsPredictions(f({ confMin: 0.1 }))).toBe(true);
    expect(needsPredictions(f({ confMax: 0.9 }))).toBe(true);
  });
});

describe('predictionState and its note', () => {
  it('is none, running, stale or ready, and explains each but ready', () => {
    expect(predictionState(null, 3, 10)).toEqual({ kind: 'none' });
    expect(predictionNote({ kind: 'none' })).toMatch(/classify the test set first/);
    const running = predictionState(predictions({ done: 4 }), 3, 10);
    expect(running).toEqual({ kind: 'running', done: 4, count: 10 });
    expect(predictionNote(running)).toMatch(/4 of 10/);
    expect(predictionState(predictions(), 4, 10)).toEqual({ kind: 'stale' });
    expect(predictionState(predictions(), 3, 11)).toEqual({ kind: 'stale' });
    expect(predictionNote({ kind: 'stale' })).toMatch(/earlier model/);
    const ready = predictionState(predictions(), 3, 10);
    expect(ready.kind).toBe('ready');
    expect(predictionNote(ready)).toBeNull();
  });
});

describe('paging', () => {
  const matches = Int32Array.from({ length: 95 }, (_, i) => i * 3);

  it('cuts the matches into pages and clamps the page number', () => {
    const p0 = pageOf(matches, 0, 40);
    expect([p0.page, p0.pages, p0.items.length, p0.items[0]]).toEqual([0, 3, 40, 0]);
    const p2 = pageOf(matches, 2, 40);
    expect([p2.page, p2.items.length, p2.items[0], p2.items[14]]).toEqual([2, 15, 240, 282]);
    expect(pageOf(matches, 99, 40).page).toBe(2);
    expect(pageOf(matches, -3, 40).page).toBe(0);
    expect(pageOf(matches, NaN, 40).page).toBe(0);
    const empty = pageOf(new Int32Array(0), 5, 40);
    expect([empty.page, empty.pages, empty.items.length]).toEqual([0, 1, 0]);
  });

  it('finds the page holding a digit, or -1 when the filter drops it', () => {
    expect(pageHolding(matches, 0, 40)).toBe(0);
    expect(pageHolding(matches, 117, 40)).toBe(0); // the 40th match
    expect(pageHolding(matches, 120, 40)).toBe(1);
    expect(pageHolding(matches, 282, 40)).toBe(2);
    expect(pageHolding(matches, 4, 40)).toBe(-1);
    expect(pageHolding(matches, 999, 40)).toBe(-1);
  });
});
