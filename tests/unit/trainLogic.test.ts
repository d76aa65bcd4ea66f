// Pure logic of in-page training (src/ui/train/logic.ts, slice.ts): CSV, batch size from a
// measured step, the metric snapshot reducers and the history cap, the store slice (every loss
// weight, a_bal and a_cr included).
import { defaultWeights } from '../../src/engine/train';
import { describe, expect, it } from 'vitest';
import { Schedule, TRAIN_MODES } from '../../src/engine/train/schedule';
import {
  BATCH_MAX,
  BATCH_MIN,
  LOSS_TERMS,
  LOSS_TERM_INFO,
  METRIC_COLUMNS,
  capHistory,
  chooseBatchSize,
  chooseEvalChunk,
  emptyMetrics,
  emptyRow,
  epochSeconds,
  firstNonFinite,
  fitLine,
  fitSpeed,
  formatDuration,
  metricsCsv,
  metricsFromHistory,
  reduceSnapshots,
  reduceTest,
  rowFromJson,
  rowToJson,
  shouldSplitPhases,
  stepMsAt,
  stepsPerEpochFor,
  type MetricRow,
} from '../../src/ui/train/logic';
import { nextSettings, DEFAULT_TRAINING_SETTINGS } from '../../src/ui/train/slice';
import { createAppStore } from '../../src/ui/store';

function row(step: number, total = 1 / (step + 1), extra: Partial<MetricRow> = {}): MetricRow {
  return { epoch: step / 100, step, ce: total / 2, rc: 0.1, ent: -0.5, nn: 1e-5, bal: 0.02, cr: NaN, total, trainAccuracy: 0.5, testAccuracy: NaN, imagesPerSecond: 40, wallSeconds: step / 4, ...extra };
}

describe('metricsCsv', () => {
  it('writes a header and one line per row; NaN is an empty field, numbers have 7 significant digits', () => {
    const csv = metricsCsv([row(10, 2.302585093), { ...row(20, 1.5), testAccuracy: 0.9123456789, ce: Infinity, cr: 0.0043210004 }]);
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe(METRIC_COLUMNS.join(','));
    expect(lines[0]).toBe('epoch,step,ce,rc,ent,nn,bal,cr,total,trainAccuracy,testAccuracy,imagesPerSecond,wallSeconds');
    expect(lines).toHaveLength(3);
    const first = lines[1].split(',');
    expect(first).toHaveLength(METRIC_COLUMNS.length);
    expect(first[1]).toBe('10');
    expect(first[8]).toBe('2.302585');
    expect(first[10]).toBe(''); // no test accuracy at this row
    expect(first[5]).toBe('0.00001');
    expect(first[6]).toBe('0.02'); // bal
    expect(first[7]).toBe(''); // cr not measured (a_cr = 0)
    const second = lines[2].split(',');
    expect(second[10]).toBe('0.9123457');
    expect(second[2]).toBe('Infinity');
    expect(second[7]).toBe('0.004321'); // cr measured
    expect(csv.endsWith('\r\n')).toBe(true);
  });
  it('is only the header for an empty history', () => {
    expect(metricsCsv([])).toBe(METRIC_COLUMNS.join(',') + '\r\n');
  });
});

describe('rows as checkpoint JSON', () => {
  it('round-trips, leaving out what was not measured', () => {
    const r = { ...row(30), testAccuracy: 0.97 };
    const j = rowToJson({ ...r, imagesPerSecond: NaN });
    expect('imagesPerSecond' in j).toBe(false);
    const back = rowFromJson(j);
    expect(back.step).toBe(30);
    expect(back.testAccuracy).toBe(0.97);
    expect(back.imagesPerSecond).toBeNaN();
    expect(back.total).toBeCloseTo(r.total, 6);
  });
  it('reads rows written by the CLI (no wallSeconds, extra keys ignored)', () => {
    const r = rowFromJson({ epoch: 0.25, step: 234, ce: 0.3, rc: 0.05, ent: 0, nn: 0, total: 0.33, trainAccuracy: 0.9, testAccuracy: 0.91, imagesPerSecond: 300, foo: 'x' });
    expect(r.testAccuracy).toBe(0.91);
    expect(r.wallSeconds).toBeNaN();
  });
});

describe('batch size from the measured speed', () => {
  it('fits ms = overhead + perImage * batch through two sizes', () => {
    const f = fitLine([
      { x: 8, y: 40 },
      { x: 32, y: 88 },
    ]);
    expect(f.overhead).toBeCloseTo(24, 9);
    expect(f.perImage).toBeCloseTo(2, 9);
  });
  it('goes through the origin with one size, or when noise gives a negative intercept', () => {
    expect(fitLine([{ x: 8, y: 40 }])).toEqual({ overhead: 0, perImage: 5 });
    const noisy = fitLine([
      { x: 8, y: 10 },
      { x: 32, y: 100 },
    ]);
    expect(noisy.overhead).toBe(0);
    expect(noisy.perImage).toBeGreaterThan(0);
    expect(() => fitLine([])).toThrow(/no usable/);
  });
  it('picks the largest multiple of 4 whose slowest phase stays within 100 ms', () => {
    // slowest phase: 30 ms at 8, 120 ms at 32 -> 3.75 ms an image, no overhead -> 26.7 -> 24
    const fit = fitSpeed([
      { batch: 8, phaseMs: [20, 30, 25, 10] },
      { batch: 32, phaseMs: [80, 120, 100, 40] },
    ]);
    expect(chooseBatchSize(fit)).toBe(24);
    // The evaluation is the forward phase alone: 20 ms at 8, 80 ms at 32 -> 2.5 ms an image -> 40.
    expect(chooseEvalChunk(fit)).toBe(40);
    expect(fit.phase.overhead + fit.phase.perImage * 24).toBeLessThanOrEqual(100);
    expect(stepMsAt(fit, 8)).toBeCloseTo(85, 6);
    expect(stepMsAt(fit, 32)).toBeCloseTo(340, 6);
    // with a fixed overhead
    const over = fitSpeed([
      { batch: 8, phaseMs: [40] },
      { batch: 32, phaseMs: [88] },
    ]);
    expect(chooseBatchSize(over)).toBe(36);
  });
  it('clamps to 8..128', () => {
    const slow = fitSpeed([{ batch: 8, phaseMs: [400, 900] }]);
    expect(chooseBatchSize(slow)).toBe(BATCH_MIN);
    const fast = fitSpeed([
      { batch: 8, phaseMs: [0.2, 0.3] },
      { batch: 32, phaseMs: [0.5, 0.9] },
    ]);
    expect(chooseBatchSize(fast)).toBe(BATCH_MAX);
  });
  it('splits a step into one submit a phase only when the step is slow', () => {
    const fit = fitSpeed([
      { batch: 8, phaseMs: [5, 5, 5, 5] },
      { batch: 32, phaseMs: [20, 20, 20, 20] },
    ]);
    expect(shouldSplitPhases(fit, 32)).toBe(false); // 80 ms a step
    expect(shouldSplitPhases(fit, 64)).toBe(true); // 160 ms a step
  });
  it('counts steps per epoch as Schedule does, and estimates an epoch', () => {
    const labels = Uint8Array.from({ length: 6000 }, (_, i) => i % 10);
    for (const mode of TRAIN_MODES) {
      for (const b of [8, 24, 50]) {
        const s = new Schedule({ mode, seed: 1, batchSize: b, labelledCount: 100 }, labels);
        expect(stepsPerEpochFor(mode, b, labels.length), `${mode} ${b}`).toBe(s.stepsPerEpoch);
      }
    }
    expect(epochSeconds(7500, 98, 2)).toBeCloseTo(750, 9);
    expect(formatDuration(42)).toBe('42 s');
    expect(formatDuration(750)).toBe('12.5 min');
    expect(formatDuration(3 * 3600)).toBe('3.0 h');
    expect(formatDuration(NaN)).toBe('—');
  });
});

describe('metric snapshot reducers', () => {
  it('appends snapshots, keeps the latest and counts reports', () => {
    let s = emptyMetrics();
    expect(reduceSnapshots(s, [])).toBe(s);
    s = reduceSnapshots(s, [row(10), row(20)]);
    expect(s.reports).toBe(2);
    expect(s.latest?.step).toBe(20);
    s = reduceSnapshots(s, [row(30)]);
    expect(s.history.map((r) => r.step)).toEqual([10, 20, 30]);
    expect(s.latest?.step).toBe(30);
  });
  it('merges a test evaluation into the row of its step, or adds a row', () => {
    let s = reduceSnapshots(emptyMetrics(), [row(10)]);
    s = reduceTest(s, { epoch: 0.1, step: 10, accuracy: 0.8 });
    expect(s.history).toHaveLength(1);
    expect(s.history[0].testAccuracy).toBe(0.8);
    expect(s.history[0].total).toBeCloseTo(row(10).total);
    s = reduceTest(s, { epoch: 0.12, step: 12, accuracy: 0.82 });
    expect(s.history).toHaveLength(2);
    expect(s.history[1].total).toBeNaN();
    expect(s.lastTest).toEqual({ epoch: 0.12, step: 12, accuracy: 0.82 });
    expect(s.latest?.step).toBe(10); // training metrics unchanged
  });
  it('caps the history by thinning the older half, keeping evaluations and the newest rows', () => {
    const rows = Array.from({ length: 50 }, (_, i) => row(i + 1, 1, i === 3 ? { testAccuracy: 0.5 } : {}));
    const capped = capHistory(rows, 30);
    expect(capped.length).toBeLessThanOrEqual(30);
    expect(capped[capped.length - 1].step).toBe(50);
    expect(capped[0].step).toBe(1);
    expect(capped.some((r) => r.testAccuracy === 0.5)).toBe(true);
    const steps = capped.map((r) => r.step);
    expect([...steps].sort((a, b) => a - b)).toEqual(steps);
    expect(steps.slice(-15)).toEqual(Array.from({ length: 15 }, (_, i) => 36 + i));
    expect(capHistory(rows, 100)).toBe(rows);
    let s = emptyMetrics();
    for (let i = 0; i < 40; i++) s = reduceSnapshots(s, [row(i)], 16);
    expect(s.history.length).toBeLessThanOrEqual(16);
    expect(s.reports).toBe(40);
  });
  it('rebuilds the state from a checkpoint history', () => {
    const rows = [row(10), { ...row(20), testAccuracy: 0.7 }, { ...emptyRow(0.3, 30), testAccuracy: 0.75 }];
    const s = metricsFromHistory(rows);
    expect(s.latest?.step).toBe(20);
    expect(s.reports).toBe(2);
    expect(s.lastTest?.accuracy).toBe(0.75);
  });
});

describe('rows of runs from before the class-balance and contrastive terms', () => {
  it('read bal and cr as NaN (not measured), and the CSV leaves them empty', () => {
    // A log row as a checkpoint or CLI log written before the terms holds it.
    const old = rowFromJson({ epoch: 0.5, step: 50, ce: 0.4, rc: 0.03, ent: -1.2, nn: 0.001, total: 0.42, trainAccuracy: 0.8, imagesPerSecond: 120, wallSeconds: 9 });
    expect(old.bal).toBeNaN();
    expect(old.cr).toBeNaN();
    expect(old.total).toBe(0.42);
    expect('bal' in rowToJson(old) || 'cr' in rowToJson(old)).toBe(false);
    const [, line] = metricsCsv([old]).trimEnd().split('\r\n');
    const f = line.split(',');
    expect(f[METRIC_COLUMNS.indexOf('bal')]).toBe('');
    expect(f[METRIC_COLUMNS.indexOf('cr')]).toBe('');
    expect(f[METRIC_COLUMNS.indexOf('total')]).toBe('0.42');
    // A row of a run with both terms: the fields kept.
    const both = rowFromJson({ epoch: 1, step: 100, ce: 0.3, rc: 0.02, ent: -1, nn: 0, bal: 0.015, cr: 0.0021, total: 0.35 });
    expect(both.bal).toBe(0.015);
    expect(both.cr).toBe(0.0021);
    // A field that is not a number (a damaged record) is not measured, never a wrong number.
    expect(rowFromJson({ step: 1, bal: 'x', cr: null }).bal).toBeNaN();
  });
  it('charts and describes both terms', () => {
    expect(LOSS_TERMS).toEqual(['total', 'ce', 'rc', 'ent', 'nn', 'bal', 'cr']);
    for (const k of LOSS_TERMS) expect(LOSS_TERM_INFO[k].length, k).toBeGreaterThan(10);
    expect(LOSS_TERM_INFO.bal).toContain('KL');
    expect(LOSS_TERM_INFO.cr).toContain('contrastive');
    expect(emptyRow(0, 0).bal).toBeNaN();
    expect(emptyRow(0, 0).cr).toBeNaN();
  });
});

describe('settings and finiteness', () => {
  it('gives each mode the CLI default weights when the mode changes', () => {
    expect(defaultWeights('convnet')).toEqual({ rc: 0, kl: 0, nn: 0 });
    expect(defaultWeights('supervised')).toEqual({ rc: 0.5, kl: 0, nn: 0.1 });
    expect(defaultWeights('semi-supervised')).toEqual({ rc: 0.5, kl: 0.1, nn: 0.1 });
    const s = nextSettings(DEFAULT_TRAINING_SETTINGS, { mode: 'convnet' });
    expect(s.weights).toEqual({ rc: 0, kl: 0, nn: 0, bal: 0, cr: 0 });
    const t = nextSettings(s, { weights: { rc: 0.2, kl: 0, nn: 0, bal: 0, cr: 0 } });
    expect(t.weights.rc).toBe(0.2);
    expect(nextSettings(t, { lr: 0.01 }).weights.rc).toBe(0.2);
    expect(DEFAULT_TRAINING_SETTINGS.weights).toEqual({ rc: 0.5, kl: 0, nn: 0.1, bal: 0, cr: 0 });
    expect(DEFAULT_TRAINING_SETTINGS.crMargin).toBe(0.005);
  });
  it('keeps a_bal, a_cr and the margin across other changes; a new mode brings its defaults (both terms off)', () => {
    const s = nextSettings(DEFAULT_TRAINING_SETTINGS, { mode: 'semi-supervised' });
    expect(s.weights).toEqual({ ...defaultWeights('semi-supervised'), bal: 0, cr: 0 });
    const t = nextSettings(s, { weights: { ...s.weights, bal: 0.3, cr: 0.5 }, crMargin: 0.01 });
    expect(nextSettings(t, { lr: 0.01, labelled: 600 })).toMatchObject({ weights: { rc: 0.5, kl: 0.1, nn: 0.1, bal: 0.3, cr: 0.5 }, crMargin: 0.01 });
    expect(nextSettings(t, { mode: 'unsupervised' }).weights).toEqual({ ...defaultWeights('unsupervised'), bal: 0, cr: 0 });
  });
  it('finds the first non-finite entry', () => {
    expect(firstNonFinite([new Float32Array([1, 2]), new Float32Array([3])])).toBeNull();
    expect(firstNonFinite([new Float32Array([1, 2]), new Float32Array([3, NaN])])).toEqual({ tensor: 1, index: 1 });
    expect(firstNonFinite([[Infinity]])).toEqual({ tensor: 0, index: 0 });
  });
  it('lives in the app store as one `training` slice', () => {
    const store = createAppStore();
    const t = store.getState().training;
    expect(t.status).toBe('idle');
    expect(t.progress).toBeNull();
    store.getState().setTrainingSettings({ batch: 8, mode: 'unsupervised' });
    expect(store.getState().training.settings.batch).toBe(8);
    expect(store.getState().training.settings.weights).toEqual({ ...defaultWeights('unsupervised'), bal: 0, cr: 0 });
    store.getState().patchTraining((x) => ({ metrics: reduceSnapshots(x.metrics, [row(1)]) }));
    expect(store.getState().training.metrics.reports).toBe(1);
    expect(store.getState().digitIndex).toBe(0); // the other slices are untouched
  });
});
