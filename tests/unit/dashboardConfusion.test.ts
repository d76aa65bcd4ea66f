// The dashboard's confusion matrix logic (src/ui/dashboard/confusion.ts): counts from predictions
// and labels, row fractions, the digits of a cell, the CSV.
import { describe, expect, it } from 'vitest';
import { cellIndices, confusionCounts, confusionTable, fmtPercent, rowFraction } from '../../src/ui/dashboard/confusion';
import { toCsv } from '../../src/ui/export/csv';

// 3 classes; digit 5 is not classified yet (-1).
const labels = new Uint8Array([0, 0, 0, 1, 1, 2, 2, 2]);
const pred = new Int32Array([0, 0, 1, 1, 2, -1, 2, 0]);

describe('confusionCounts', () => {
  const c = confusionCounts(pred, labels, 3);
  it('counts (label, prediction) pairs, rows by label, skipping unclassified digits', () => {
    expect(Array.from(c.counts)).toEqual([
      2, 1, 0, // label 0
      0, 1, 1, // label 1
      1, 0, 1, // label 2 (digit 5 skipped)
    ]);
    expect(Array.from(c.rowTotals)).toEqual([3, 2, 2]);
    expect(c.total).toBe(7);
    expect(c.correct).toBe(4);
  });
  it('normalises by row; an empty row is NaN, not 0', () => {
    expect(rowFraction(c, 0, 0)).toBeCloseTo(2 / 3, 12);
    expect(rowFraction(c, 2, 0)).toBe(0.5);
    const empty = confusionCounts(new Int32Array([0]), new Uint8Array([0]), 3);
    expect(rowFraction(empty, 1, 1)).toBeNaN();
  });
  it('accepts predictions for a prefix of the labels (a classification in progress)', () => {
    expect(confusionCounts(pred.subarray(0, 3), labels, 3).total).toBe(3);
  });
  it('refuses predictions or labels outside the classes, and more predictions than labels, with a message', () => {
    expect(() => confusionCounts(new Int32Array([3]), new Uint8Array([0]), 3)).toThrow('prediction 3 of digit 0 is not a class 0..2');
    expect(() => confusionCounts(new Int32Array([1]), new Uint8Array([7]), 3)).toThrow('label 7 of digit 0 is not a class 0..2');
    expect(() => confusionCounts(new Int32Array(3), new Uint8Array(2), 3)).toThrow('3 predictions but only 2 labels');
    expect(() => confusionCounts(new Int32Array(0), new Uint8Array(0), 0)).toThrow('0 classes');
  });
});

describe('cellIndices', () => {
  it('lists the digits of one cell in test-set order, up to a limit', () => {
    expect(cellIndices(pred, labels, 0, 0)).toEqual([0, 1]);
    expect(cellIndices(pred, labels, 2, 0)).toEqual([7]);
    expect(cellIndices(pred, labels, 1, 0)).toEqual([]);
    expect(cellIndices(pred, labels, 0, 0, 1)).toEqual([0]);
    // The unclassified digit belongs to no cell.
    expect([0, 1, 2].flatMap((p) => cellIndices(pred, labels, 2, p))).not.toContain(5);
  });
});

describe('confusionTable', () => {
  it('has one line a cell: true, predicted, count, percent of the row', () => {
    const lines = toCsv(confusionTable(confusionCounts(pred, labels, 3))).trimEnd().split('\r\n');
    expect(lines[0]).toBe('trueClass,predictedClass,count,rowPercent');
    expect(lines).toHaveLength(1 + 9);
    expect(lines[1]).toBe('0,0,2,66.6667');
    expect(lines[2]).toBe('0,1,1,33.3333');
    expect(lines[7]).toBe('2,0,1,50');
    const empty = toCsv(confusionTable(confusionCounts(new Int32Array([0]), new Uint8Array([0]), 2))).trimEnd().split('\r\n');
    expect(empty[3]).toBe('1,0,0,');
  });
});

describe('fmtPercent', () => {
  it('keeps enough digits to tell small confusions apart', () => {
    expect(fmtPercent(0.98412)).toBe('98.4%');
    expect(fmtPercent(0.0512)).toBe('5.1%');
    expect(fmtPercent(0.0012)).toBe('0.12%');
    expect(fmtPercent(0)).toBe('0%');
    expect(fmtPercent(1)).toBe('100%');
    expect(fmtPercent(NaN)).toBe('—');
  });
});
