// The dashboard's accuracy overlay (src/ui/dashboard/overlay.ts) and the run history it draws
// from (src/ui/train/runs.ts): archiving a run, the cap, the series, the CSV, the CLI log reader.
import { describe, expect, it } from 'vitest';
import { CURRENT_COLOUR, RUN_COLOURS, overlaySeries, overlayTable, parseTrainingLog, type OverlayRun } from '../../src/ui/dashboard/overlay';
import { toCsv } from '../../src/ui/export/csv';
import { emptyRow, type MetricRow } from '../../src/ui/train/logic';
import { MAX_RUNS, accuracyPoints, addRun, archiveRun, runLabel, type PastRun } from '../../src/ui/train/runs';

function row(epoch: number, step: number, train: number, test = NaN): MetricRow {
  return { ...emptyRow(epoch, step), total: 1, trainAccuracy: train, testAccuracy: test };
}

describe('run history', () => {
  const history = [row(0.1, 10, 0.5), { ...emptyRow(0.2, 20), total: 1 }, row(0.3, 30, 0.7), row(0.3, 30, NaN, 0.8)];
  it('keeps the rows with an accuracy', () => {
    expect(accuracyPoints(history)).toEqual([
      { epoch: 0.1, step: 10, trainAccuracy: 0.5, testAccuracy: NaN },
      { epoch: 0.3, step: 30, trainAccuracy: 0.7, testAccuracy: NaN },
      { epoch: 0.3, step: 30, trainAccuracy: NaN, testAccuracy: 0.8 },
    ]);
  });
  it('archives a run with its label, or nothing when it never measured an accuracy', () => {
    const run = archiveRun('page-1', { preset: 'drmm-compact', mode: 'semi-supervised', labelled: 100, seed: 2 }, history)!;
    expect(run).toMatchObject({ id: 'page-1', label: 'drmm-compact semi-supervised N_L=100 seed 2', mode: 'semi-supervised', source: 'page' });
    expect(run.points).toHaveLength(3);
    expect(archiveRun('page-2', { preset: null, mode: 'convnet', labelled: null, seed: 1 }, [{ ...emptyRow(0, 1), total: 2 }])).toBeNull();
    expect(runLabel({ preset: null, mode: 'convnet', labelled: 100, seed: null })).toBe('custom model convnet');
  });
  it('adds runs last, replaces a run of the same id, drops the oldest beyond the cap', () => {
    const mk = (id: string): PastRun => ({ id, label: id, mode: 'supervised', preset: null, labelled: null, source: 'page', points: [] });
    let runs: PastRun[] = [];
    for (let i = 0; i < MAX_RUNS + 2; i++) runs = addRun(runs, mk(`r${i}`));
    expect(runs.map((r) => r.id)).toEqual(Array.from({ length: MAX_RUNS }, (_, i) => `r${i + 2}`));
    const again = addRun(runs, { ...mk('r2'), label: 'new' });
    expect(again).toHaveLength(MAX_RUNS);
    expect(again[again.length - 1]).toMatchObject({ id: 'r2', label: 'new' });
    expect(addRun(runs, null)).toEqual(runs);
  });
});

describe('overlaySeries', () => {
  const runs: OverlayRun[] = [
    { id: 'current', label: 'now', current: true, points: [{ epoch: 0.5, step: 5, trainAccuracy: 0.6, testAccuracy: NaN }] },
    { id: 'a', label: 'convnet', current: false, points: [{ epoch: 1, step: 10, trainAccuracy: 0.9, testAccuracy: 0.95 }] },
    { id: 'b', label: 'log', current: false, points: [{ epoch: 1, step: 10, trainAccuracy: NaN, testAccuracy: 0.97 }] },
  ];
  const s = overlaySeries(runs);
  it('gives each run a train (dashed) and a test (dots) series vs epoch, in its own colour', () => {
    expect(s.map((x) => `${x.runId}:${x.kind}`)).toEqual(['current:train', 'current:test', 'a:train', 'a:test', 'b:test']);
    expect(s[0]).toMatchObject({ color: CURRENT_COLOUR, dashed: true, dots: false, points: [{ x: 0.5, y: 0.6 }] });
    // The current run's empty test series stays (a stable legend); earlier runs' empty ones go.
    expect(s[1]).toMatchObject({ dashed: false, dots: true, points: [] });
    expect(s[2].color).toBe(RUN_COLOURS[0]);
    expect(s[3].color).toBe(RUN_COLOURS[0]);
    expect(s[4]).toMatchObject({ color: RUN_COLOURS[1], points: [{ x: 1, y: 0.97 }] });
    expect(new Set(RUN_COLOURS).size).toBe(RUN_COLOURS.length);
  });
  it('writes every point of every run as CSV, quoting labels with commas, never a label as a formula', () => {
    const point = { epoch: 2, step: 20, trainAccuracy: 0.5, testAccuracy: 0.25 };
    // A loaded log's label is the log's own text (its preset, its file name): it must not run in a spreadsheet.
    const extra = [{ id: 'c', label: 'a, b', current: false, points: [point] }, { id: 'd', label: '=HYPERLINK("x")', current: false, points: [point] }];
    const csv = toCsv(overlayTable([...runs, ...extra]));
    expect(csv.trimEnd().split('\r\n')).toEqual([
      'run,epoch,step,trainAccuracy,testAccuracy',
      'now,0.5,5,0.6,',
      'convnet,1,10,0.9,0.95',
      'log,1,10,,0.97',
      '"a, b",2,20,0.5,0.25',
      '"\'=HYPERLINK(""x"")",2,20,0.5,0.25',
    ]);
  });
});

describe('parseTrainingLog', () => {
  // What scripts/train.ts writes (writeLog), abridged.
  const log = {
    preset: 'drmm-compact', mode: 'convnet', seed: 1, labelled: null, batchSize: 64, epochsPlanned: 2, config: { lr: 0.001 }, adapter: 'x', stepsPerEpoch: 937,
    testImages: 10000,
    metrics: [
      { epoch: 0.25, step: 234, ce: 0.3, rc: 0, ent: 0, nn: 0, total: 0.3, trainAccuracy: 0.9, imagesPerSecond: 500, lr: 0.001, testAccuracy: 0.95 },
      { epoch: 0.5, step: 468, ce: 0.2, total: 0.2, trainAccuracy: 0.94, testAccuracy: 0.97 },
    ],
    finished: false, steps: 468, wallSeconds: 100,
  };
  it('reads a CLI log into a run for the overlay', () => {
    const run = parseTrainingLog(JSON.stringify(log), 'log-1', 'drmm-compact.log.json');
    expect(run).toMatchObject({ id: 'log-1', mode: 'convnet', preset: 'drmm-compact', source: 'log', label: 'drmm-compact convnet seed 1 (CLI log drmm-compact.log.json)' });
    expect(run.points).toEqual([
      { epoch: 0.25, step: 234, trainAccuracy: 0.9, testAccuracy: 0.95 },
      { epoch: 0.5, step: 468, trainAccuracy: 0.94, testAccuracy: 0.97 },
    ]);
  });
  it('says what is wrong with a file that is not a usable log', () => {
    const bad = (text: string, msg: string) => expect(() => parseTrainingLog(text, 'x', 'f')).toThrow(msg);
    bad('{oops', 'not JSON');
    bad('[1, 2]', 'expected a JSON object');
    bad('{"preset": "drmm-compact"}', 'no "metrics" array');
    bad('{"metrics": [3]}', 'metrics[0] is not an object');
    bad('{"metrics": [{"step": 1, "testAccuracy": 0.5}]}', 'metrics[0] has no numeric "epoch"');
    bad('{"metrics": [{"epoch": 1, "testAccuracy": 97.5}]}', 'metrics[0].testAccuracy is 97.5, not a fraction in [0, 1]');
    bad('{"metrics": [{"epoch": 1, "total": 0.5}]}', 'no accuracy to draw');
  });
});
