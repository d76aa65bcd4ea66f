// The shipped models' CLI logs as runs of the dashboard's accuracy overlay (src/ui/dashboard/
// shippedLogs.ts, overlay.ts): their names from index.json, their epochs over the 60,000 images,
// the series and CSV rows they give, what is drawn by default, and a malformed log's error. The
// real files of public/models/ are read, so a log the CLI rewrites is checked as it ships.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { toCsv } from '../../src/ui/export/csv';
import { parseShippedModels } from '../../src/ui/modelFiles';
import { MNIST_TRAIN_IMAGES, RUN_COLOURS, epochScale, overlaySeries, overlayTable, parseTrainingLog } from '../../src/ui/dashboard/overlay';
import { logFileOf, shippedLogRun, shippedLogShown, shippedLogs, shippedRunId, type ShippedLog } from '../../src/ui/dashboard/shippedLogs';

const MODELS = path.join(__dirname, '..', '..', 'public', 'models');
const index = parseShippedModels(JSON.parse(fs.readFileSync(path.join(MODELS, 'index.json'), 'utf8')));
const logs = shippedLogs(index);
const byModel = (file: string): ShippedLog => {
  const l = logs.find((x) => x.model === file);
  if (!l) throw new Error(`${file} is not in public/models/index.json`);
  return l;
};
const read = (l: ShippedLog) => fs.readFileSync(path.join(MODELS, l.file), 'utf8');

describe('the shipped logs', () => {
  it('are one a shipped model, named by its index.json title, each in a colour of its own', () => {
    expect(logFileOf('drmm-compact-100labels.drmm')).toBe('drmm-compact-100labels.log.json');
    expect(logs.map((l) => l.model)).toEqual(index.map((m) => m.file));
    for (const [i, l] of logs.entries()) expect(l.title).toBe(index[i].title);
    expect(new Set(logs.map((l) => l.color)).size).toBe(logs.length);
    for (const l of logs) expect(RUN_COLOURS).toContain(l.color);
    // The three the issue names are among them, each with its log beside it.
    for (const f of ['drmm-compact.drmm', 'drmm-compact-100labels.drmm', 'convnet-compact-100labels.drmm']) expect(fs.existsSync(path.join(MODELS, byModel(f).file))).toBe(true);
  });

  it('reads the 100-label DRMM log: its title, semi-supervised N_L = 100, epochs over 60,000 images', () => {
    const l = byModel('drmm-compact-100labels.drmm');
    const json = JSON.parse(read(l));
    const run = shippedLogRun(read(l), l);
    expect(run).toMatchObject({ id: shippedRunId(l.file), mode: 'semi-supervised', labelled: 100, preset: 'drmm-compact', source: 'log' });
    expect(run.label).toBe(`${l.title} (CLI log ${l.file})`);
    // The CLI held 1,000 images out: each of its epochs is 59,000 images, drawn at 59,000 / 60,000.
    expect(json.trainImages).toBe(59000);
    const last = run.points[run.points.length - 1];
    expect(last.epoch).toBeCloseTo((json.config.epochs * 59000) / MNIST_TRAIN_IMAGES, 12);
    expect(last.testAccuracy).toBeCloseTo(1 - json.finalTestError, 12);
    expect(run.points.length).toBe(json.metrics.filter((m: Record<string, unknown>) => typeof m.trainAccuracy === 'number' || typeof m.testAccuracy === 'number').length);
    for (const [i, p] of run.points.entries()) expect(p.epoch).toBeCloseTo((json.metrics[i].epoch * 59000) / 60000, 12);
  });

  it('reads the supervised drmm-compact log (60,000 images: its epochs unchanged) and the 100-label convnet log', () => {
    const sup = shippedLogRun(read(byModel('drmm-compact.drmm')), byModel('drmm-compact.drmm'));
    expect(sup.mode).toBe('supervised');
    expect(sup.points[sup.points.length - 1]).toMatchObject({ epoch: 6, testAccuracy: 0.9925 });
    const conv = shippedLogRun(read(byModel('convnet-compact-100labels.drmm')), byModel('convnet-compact-100labels.drmm'));
    expect(conv).toMatchObject({ mode: 'semi-supervised', labelled: 100 });
    // The log's last evaluation (the run went on after the evaluation whose weights it shipped).
    const convLog = JSON.parse(read(byModel('convnet-compact-100labels.drmm')));
    expect(conv.points[conv.points.length - 1].testAccuracy).toBeCloseTo(1 - convLog.finalTestError, 12);
  });

  it('give fixed-colour series beside the page run and rows of the chart CSV under their titles', () => {
    const l = byModel('convnet-compact-100labels.drmm');
    const run = shippedLogRun(read(l), l);
    const current = { id: 'current', label: 'this run', current: true, points: [{ epoch: 0.01, step: 10, trainAccuracy: 0.3, testAccuracy: 0.2 }] };
    const page = { id: 'run-1', label: 'earlier', current: false, points: [{ epoch: 0.02, step: 20, trainAccuracy: 0.4, testAccuracy: NaN }] };
    const series = overlaySeries([current, page, { id: run.id, label: run.label, points: run.points, current: false, color: l.color }]);
    expect(series.map((s) => [s.runId, s.kind])).toEqual([['current', 'train'], ['current', 'test'], ['run-1', 'train'], [run.id, 'train'], [run.id, 'test']]);
    expect(series[2].color).toBe(RUN_COLOURS[0]); // the page's runs take the palette from the start
    expect(series[3]).toMatchObject({ color: l.color, name: `${run.label} · train`, dashed: true });
    expect(series[4]).toMatchObject({ color: l.color, name: `${run.label} · test`, dots: true });
    const json = JSON.parse(read(l));
    const tests = series[4].points;
    expect(tests.length).toBe(8 * json.config.epochs); // 8 evaluations an epoch
    expect(tests[tests.length - 1].x).toBeCloseTo((json.config.epochs * 59000) / 60000, 12);
    const csv = toCsv(overlayTable([{ id: run.id, label: run.label, points: run.points, current: false }])).trimEnd().split('\r\n');
    expect(csv).toHaveLength(run.points.length + 1);
    // The title has commas: the run cell is quoted.
    const end = run.points[run.points.length - 1];
    expect(csv[csv.length - 1].startsWith(`"${run.label}",${Number(end.epoch.toPrecision(7))},${end.step},1,${Number(end.testAccuracy!.toPrecision(7))}`)).toBe(true);
    expect(end.step).toBe(json.stepsPerEpoch * json.config.epochs);
  });

  it('are drawn by default only while the page trains semi-supervised, and then the semi-supervised ones; a choice wins', () => {
    const semi = { kind: 'ready' as const, run: shippedLogRun(read(byModel('drmm-compact-100labels.drmm')), byModel('drmm-compact-100labels.drmm')) };
    const sup = { kind: 'ready' as const, run: shippedLogRun(read(byModel('drmm-compact.drmm')), byModel('drmm-compact.drmm')) };
    expect(shippedLogShown(undefined, semi, 'semi-supervised')).toBe(true);
    expect(shippedLogShown(undefined, sup, 'semi-supervised')).toBe(false);
    expect(shippedLogShown(undefined, semi, 'supervised')).toBe(false);
    expect(shippedLogShown(undefined, { kind: 'loading' }, 'semi-supervised')).toBe(false);
    expect(shippedLogShown(undefined, undefined, 'semi-supervised')).toBe(false);
    expect(shippedLogShown(false, semi, 'semi-supervised')).toBe(false);
    expect(shippedLogShown(true, sup, 'supervised')).toBe(true);
  });
});

describe('a malformed or foreign log', () => {
  const l: ShippedLog = { file: 'x.log.json', model: 'x.drmm', title: 'X', color: '#000' };
  it('throws what is wrong (the list then shows it as a note; nothing is drawn)', () => {
    const bad = (text: string, msg: string) => expect(() => shippedLogRun(text, l)).toThrow(msg);
    bad('<!doctype html><title>404</title>', 'not JSON');
    bad('{"metrics": {}}', 'no "metrics" array');
    bad('{"trainImages": 59000, "metrics": [{"epoch": 1, "testAccuracy": 88}]}', 'metrics[0].testAccuracy is 88, not a fraction in [0, 1]');
    bad('{"trainImages": "59000", "metrics": [{"epoch": 1, "testAccuracy": 0.8}]}', '"trainImages" is "59000", not a count of training images in 1..60000');
    bad('{"trainImages": 70000, "metrics": [{"epoch": 1, "testAccuracy": 0.8}]}', 'not a count of training images');
    bad('{"trainImages": 0, "metrics": [{"epoch": 1, "testAccuracy": 0.8}]}', 'not a count of training images');
  });
  it('a log without trainImages keeps its epochs (they were already over the whole set)', () => {
    expect(epochScale({})).toBe(1);
    expect(epochScale({ trainImages: 1000 })).toBeCloseTo(1 / 60, 15);
    const run = parseTrainingLog('{"metrics": [{"epoch": 0.5, "step": 3, "testAccuracy": 0.5}]}', 'a', 'a.log.json');
    expect(run.points).toEqual([{ epoch: 0.5, step: 3, trainAccuracy: NaN, testAccuracy: 0.5 }]);
  });
});
