/**
 * The training CLI end to end (scripts/train.ts, in a child process on Dawn): a run stops after
 * the planned epochs and writes the model and its log; `--resume` on a finished run continues from
 * the model file for more epochs; `--augment` and `--average-from` are kept across a resume, and a
 * run with averaging writes the average as its model; `--spec` trains another architecture;
 * `--cr`/`--cr-margin` (the contrastive rendering term) are logged and kept on a resume;
 * `--keep-best` keeps the weights of the best validation accuracy, also across a resume;
 * `--pseudo` trains a student on a teacher's pseudo-labels (scripts/pseudo-label.ts), refused
 * where the teacher had other labelled images or another validation split. A tiny
 * run: 128 training images (2 steps an epoch), 200 test images.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { paramList, paramShapes } from '../../src/engine/model';
import { readModelFile } from '../../src/engine/modelFile';
import { ROOT } from '../helpers/server';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drmm-train-cli-'));
const out = path.join(dir, 'tiny.drmm');
const logFile = path.join(dir, 'tiny.log.json');

function train(...extra: string[]) {
  return trainTo(out, ...extra);
}

function trainTo(file: string, ...extra: string[]) {
  const args = ['--import', './scripts/raw-loader.mjs', 'scripts/train.ts', '--preset', 'rmm-shallow', '--mode', 'supervised', '--seed', '3',
    '--batch', '64', '--train-count', '128', '--test-count', '200', '--evals-per-epoch', '1', '--log-every', '1', '--checkpoint-every', '1', '--out', file, ...extra];
  const r = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'tsx'), args, { cwd: ROOT, encoding: 'utf8', timeout: 240_000, env: process.env });
  return { status: r.status, output: `${r.stdout}\n${r.stderr}` };
}

interface Log { finished: boolean; steps: number; trainImages: number; testImages: number; finalTestError: number; metrics: { epoch: number; step: number; testAccuracy?: number }[] }
const readLog = () => JSON.parse(fs.readFileSync(logFile, 'utf8')) as Log;

describe('npm run train (the CLI)', () => {
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('stops after the planned epochs, writes the model and a finished log, and removes its checkpoint', () => {
    const r = train('--epochs', '2');
    expect(r.status, r.output).toBe(0);
    expect(r.output).toMatch(/done: test error [\d.]+% on 200 images/);
    const log = readLog();
    expect(log.finished).toBe(true);
    expect(log.steps).toBe(4);
    expect(log.trainImages).toBe(128);
    expect(log.metrics.filter((m) => m.testAccuracy !== undefined).map((m) => m.epoch)).toEqual([1, 2]);
    expect(1 - log.metrics[log.metrics.length - 1].testAccuracy!).toBeCloseTo(log.finalTestError, 12);
    expect(fs.existsSync(`${out}.ckpt`)).toBe(false);
    const file = readModelFile(fs.readFileSync(out));
    expect(file.training?.epoch).toBe(2);
    expect(file.training?.step).toBe(4);
  }, 300_000);

  it('--resume on a finished run trains the further epochs from the model file, and stops again', () => {
    const r = train('--epochs', '3', '--resume');
    expect(r.status, r.output).toBe(0);
    expect(r.output).toContain(`resuming ${out}: epoch 2, step 0`);
    const log = readLog();
    expect(log.finished).toBe(true);
    expect(log.steps).toBe(6);
    expect(log.metrics.filter((m) => m.testAccuracy !== undefined).map((m) => m.epoch)).toEqual([1, 2, 3]);
  }, 300_000);

  it('a resume takes the loss weights from the checkpoint; other weights are refused unless --change-settings, then recorded', () => {
    const wOut = path.join(dir, 'weights.drmm');
    const first = trainTo(wOut, '--epochs', '2', '--rc', '0.3', '--max-steps', '1');
    expect(first.status, first.output).toBe(0);
    const again = trainTo(wOut, '--epochs', '2', '--resume', '--max-steps', '1');
    expect(again.status, again.output).toBe(0);
    expect(again.output).toContain('loss weights rc 0.3, kl 0, nn 0.1');
    const other = trainTo(wOut, '--epochs', '2', '--resume', '--rc', '0.5');
    expect(other.status).toBe(2);
    expect(other.output).toContain('weights.rc: 0.3 -> 0.5');
    const asked = trainTo(wOut, '--epochs', '2', '--resume', '--rc', '0.5', '--change-settings');
    expect(asked.status, asked.output).toBe(0);
    const file = readModelFile(fs.readFileSync(wOut));
    expect((file.training?.config as { weights: { rc: number } }).weights.rc).toBe(0.5);
    expect((file.training?.progress as { changes: { step: number; changes: string[] }[] }).changes).toEqual([{ step: 2, changes: ['weights.rc: 0.3 -> 0.5'] }]);
  }, 300_000);

  it('--cr and --cr-margin: the contrastive term is logged; a resume refuses another weight or margin unless --change-settings', () => {
    const cOut = path.join(dir, 'contrastive.drmm');
    const first = trainTo(cOut, '--epochs', '2', '--cr', '1', '--cr-margin', '0.01', '--max-steps', '1');
    expect(first.status, first.output).toBe(0);
    expect(first.output).toContain('bal 0, cr 1, contrastive margin 0.01');
    expect(first.output).toMatch(/nn [\d.e+-]+ cr [\d.]+\) train acc/);
    const log = JSON.parse(fs.readFileSync(path.join(dir, 'contrastive.log.json'), 'utf8')) as { config: { weights: { cr: number }; crMargin: number }; metrics: { cr?: number }[] };
    expect([log.config.weights.cr, log.config.crMargin]).toEqual([1, 0.01]);
    expect(typeof log.metrics[0].cr).toBe('number');
    const weight = trainTo(cOut, '--epochs', '2', '--resume', '--cr', '2');
    expect(weight.status).toBe(2);
    expect(weight.output).toContain('weights.cr: 1 -> 2');
    const margin = trainTo(cOut, '--epochs', '2', '--resume', '--cr-margin', '0.02');
    expect(margin.status).toBe(2);
    expect(margin.output).toContain('crMargin: 0.01 -> 0.02');
    const negative = trainTo(path.join(dir, 'negative.drmm'), '--epochs', '1', '--cr=-1');
    expect(negative.status).toBe(2);
    expect(negative.output).toContain('the cr weight must be a number >= 0, got -1');
    const asked = trainTo(cOut, '--epochs', '2', '--resume', '--cr', '2', '--cr-margin', '0.02', '--change-settings', '--max-steps', '1');
    expect(asked.status, asked.output).toBe(0);
    const file = readModelFile(fs.readFileSync(`${cOut}.ckpt`));
    expect((file.training?.progress as { changes: { step: number; changes: string[] }[] }).changes).toEqual([{ step: 1, changes: ['weights.cr: 1 -> 2', 'crMargin: 0.01 -> 0.02'] }]);
  }, 600_000);

  it('--spec FILE trains another architecture, which the model file and log carry; a bad spec or another one on resume is refused', () => {
    const spec = { input: { channels: 1, height: 28, width: 28 }, levels: [{ kernel: 3, channels: 4, pad: 1, pool: true }], readout: 'dense', classes: 10 };
    const specFile = path.join(dir, 'narrow.json');
    fs.writeFileSync(specFile, JSON.stringify(spec));
    const specOut = path.join(dir, 'narrow.drmm');
    const r = trainTo(specOut, '--epochs', '1', '--spec', specFile);
    expect(r.status, r.output).toBe(0);
    expect(readModelFile(fs.readFileSync(specOut)).spec).toEqual(spec);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'narrow.log.json'), 'utf8')).spec).toEqual(spec);

    const other = path.join(dir, 'other.json');
    fs.writeFileSync(other, JSON.stringify({ ...spec, levels: [{ ...spec.levels[0], channels: 5 }] }));
    const resumed = trainTo(specOut, '--epochs', '2', '--resume', '--spec', other);
    expect(resumed.status).toBe(2);
    expect(resumed.output).toContain(`has another architecture than --spec ${other}`);

    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, JSON.stringify({ ...spec, levels: [{ kernel: 3, channels: 4, pad: 3, pool: true }] }));
    const refused = trainTo(path.join(dir, 'bad.drmm'), '--epochs', '1', '--spec', bad);
    expect(refused.status).toBe(2);
    expect(refused.output).toContain(`--spec ${bad}: Invalid model architecture: level 1 pad must be an integer in 0..kernel-1`);
  }, 300_000);

  it('--augment and --average-from: kept across a resume; the model is the mean of the samples, the last iterate kept beside it', () => {
    const avgOut = path.join(dir, 'avg.drmm');
    const avgLog = path.join(dir, 'avg.log.json');
    const first = trainTo(avgOut, '--epochs', '2', '--augment', '1', '--average-from', '0.5', '--max-steps', '3');
    expect(first.status, first.output).toBe(0);
    expect(first.output).toContain('shifts of up to 1 px');
    const ck = readModelFile(fs.readFileSync(`${avgOut}.ckpt`));
    const cfg = ck.training?.config as { version: number; augment: number; average: { from: number } };
    expect(cfg.version).toBe(1);
    expect(cfg.augment).toBe(1);
    expect(cfg.average).toEqual({ from: 0.5 });
    // Samples at every checkpoint from epoch 0.5: steps 1, 2 and 3.
    expect((ck.training?.progress as { averageCount: number }).averageCount).toBe(3);
    expect(ck.extra.filter((e) => e.name.startsWith('opt.avg.')).map((e) => e.name)).toEqual(paramShapes(ck.spec).map((p) => `opt.avg.${p.name}`));

    // The resume takes both settings from the checkpoint (neither is given again).
    const rest = trainTo(avgOut, '--epochs', '2', '--resume');
    expect(rest.status, rest.output).toBe(0);
    expect(rest.output).toContain('shifts of up to 1 px');
    expect(rest.output).toMatch(/the average of 4 samples from epoch 0\.5: test error [\d.]+% \(the last iterate: [\d.]+%\)/);
    const log = JSON.parse(fs.readFileSync(avgLog, 'utf8')) as Log & { lastIterateTestError: number };
    expect(log.finished).toBe(true);
    expect(log.steps).toBe(4);
    const final = log.metrics[log.metrics.length - 1] as unknown as { testAccuracy: number; averagedSamples: number; lastIterateTestAccuracy: number };
    expect(final.averagedSamples).toBe(4);
    expect(1 - final.testAccuracy).toBeCloseTo(log.finalTestError, 12);
    expect(1 - final.lastIterateTestAccuracy).toBeCloseTo(log.lastIterateTestError, 12);

    const file = readModelFile(fs.readFileSync(avgOut));
    const byName = new Map(file.extra.map((e) => [e.name, e.data]));
    const names = paramShapes(file.spec).map((p) => p.name);
    const params = paramList(file.params);
    names.forEach((name, i) => {
      expect(byName.get(`opt.avg.${name}`)).toEqual(params[i]);
      expect(byName.get(`opt.last.${name}`)).toHaveLength(params[i].length);
    });
    // The mean of four different iterates is none of them: the last iterate differs from it.
    expect(names.some((name, i) => byName.get(`opt.last.${name}`)!.some((v, j) => v !== params[i][j]))).toBe(true);
    const changed = trainTo(avgOut, '--epochs', '3', '--resume', '--augment', '2');
    expect(changed.status).toBe(2);
    expect(changed.output).toContain('(augment: 1 -> 2); a resume keeps the run\'s settings unless --change-settings is given');
    // Even when asked: the augmentation is part of what the run is, not a setting it can change.
    const forced = trainTo(avgOut, '--epochs', '3', '--resume', '--augment', '2', '--change-settings');
    expect(forced.status).toBe(2);
    expect(forced.output).toContain('these settings cannot change during a run: augment: 1 -> 2');
  }, 400_000);

  it('--keep-best writes the weights of the first best validation accuracy to NAME.best.drmm, and goes on comparing after a resume', () => {
    const bestOut = path.join(dir, 'best.drmm');
    const bestFile = path.join(dir, 'best.best.drmm');
    const bestLog = path.join(dir, 'best.log.json');
    const noSplit = trainTo(bestOut, '--epochs', '1', '--keep-best');
    expect(noSplit.status).toBe(2);
    expect(noSplit.output).toContain('--keep-best needs a validation split (--validation N)');

    // 192 images, 64 of them held out: 2 steps an epoch, an evaluation at each.
    const args = ['--train-count', '192', '--validation', '64', '--evals-per-epoch', '2', '--keep-best', '--lr', '0.01'];
    const first = trainTo(bestOut, '--epochs', '2', '--max-steps', '2', ...args);
    expect(first.status, first.output).toBe(0);
    expect(fs.existsSync(bestFile)).toBe(true);
    const rest = trainTo(bestOut, '--epochs', '2', '--resume', ...args);
    expect(rest.status, rest.output).toBe(0);
    type Row = { epoch: number; step: number; validationAccuracy?: number; testAccuracy?: number };
    const log = JSON.parse(fs.readFileSync(bestLog, 'utf8')) as { metrics: Row[]; best: Row & { file: string } };
    const evals = log.metrics.filter((m) => m.validationAccuracy !== undefined);
    expect(evals).toHaveLength(4);
    const top = Math.max(...evals.map((m) => m.validationAccuracy!));
    const first1 = evals.find((m) => m.validationAccuracy === top)!;
    expect(log.best).toEqual({ file: 'best.best.drmm', epoch: first1.epoch, step: first1.step, validationAccuracy: top, testAccuracy: first1.testAccuracy });
    // The file holds the weights of that step (the model's own record of where it stopped).
    const kept = readModelFile(fs.readFileSync(bestFile));
    expect(kept.training?.step).toBe(first1.step);
    // Lines printed each time a better evaluation was written: one for each strict improvement.
    const improvements = evals.filter((m, i) => evals.slice(0, i).every((e) => e.validationAccuracy! < m.validationAccuracy!)).length;
    expect((first.output + rest.output).match(/best validation accuracy so far/g)).toHaveLength(improvements);

    // A run that had no --keep-best until its resume: its earlier best has no weights, so the log
    // names a best only once a later evaluation beats it (and then the file holds that one).
    const lateOut = path.join(dir, 'late.drmm');
    const plain = ['--train-count', '192', '--validation', '64', '--evals-per-epoch', '2', '--lr', '0.01'];
    expect(trainTo(lateOut, '--epochs', '1', ...plain).status).toBe(0);
    const late = trainTo(lateOut, '--epochs', '3', '--resume', '--keep-best', ...plain);
    expect(late.status, late.output).toBe(0);
    expect(late.output).toMatch(/the run's best validation evaluation so far \(epoch [\d.]+\) was not kept/);
    const lateLog = JSON.parse(fs.readFileSync(path.join(dir, 'late.log.json'), 'utf8')) as { metrics: Row[]; best?: Row };
    const lateEvals = lateLog.metrics.filter((m) => m.validationAccuracy !== undefined);
    const early = Math.max(...lateEvals.filter((m) => m.epoch <= 1).map((m) => m.validationAccuracy!));
    const beaten = lateEvals.find((m) => m.epoch > 1 && m.validationAccuracy! > early);
    if (!beaten) expect(lateLog.best).toBeUndefined();
    else {
      expect(lateLog.best!.step).toBeGreaterThan(2);
      expect(readModelFile(fs.readFileSync(path.join(dir, 'late.best.drmm'))).training?.step).toBe(lateLog.best!.step);
    }
  }, 400_000);

  it('--pseudo: a student trains on the teacher\'s pseudo-labels, which its model file carries; another seed, split or a resume is refused', () => {
    const semi = ['--mode', 'semi-supervised', '--labelled', '10', '--train-count', '300', '--validation', '60', '--evals-per-epoch', '1'];
    const teacher = path.join(dir, 'teacher.drmm');
    expect(trainTo(teacher, '--epochs', '1', ...semi).status).toBe(0);
    const labelsFile = path.join(dir, 'teacher.pseudo.json');
    const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
    const label = (model: string, ...more: string[]) =>
      spawnSync(tsx, ['--import', './scripts/raw-loader.mjs', 'scripts/pseudo-label.ts', '--model', model, '--per-class', '3', '--grid', '1,3', '--out', labelsFile, ...more], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
    const missing = label(path.join(dir, 'none.drmm'));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/pseudo-label: .*none\.drmm: /);
    const supervised = path.join(dir, 'supervised.drmm');
    expect(trainTo(supervised, '--epochs', '1').status).toBe(0);
    const notSemi = label(supervised);
    expect(notSemi.status).toBe(2); // a supervised model has no labelled subset to keep
    expect(notSemi.stderr).toContain('is not a semi-supervised run');
    // Label propagation over the teacher's features: the same record, its settings named; one teacher only.
    const both = label(teacher, '--model', teacher, '--propagate');
    expect(both.status).toBe(2);
    expect(both.stderr).toContain('--propagate takes one teacher');
    const propagated = label(teacher, '--propagate', '--knn', '5', '--dims', '16', '--per-class', 'auto');
    expect(propagated.status, propagated.stderr).toBe(0);
    expect(propagated.stdout).toMatch(/auto: top [13] a class \(the largest K within 0.5 points of the best estimate/);
    expect(propagated.stdout).toMatch(/label propagation \(\d+ features projected to 16, k = 5, alpha 0.99, 100 iterations\) in \d+ s: validation accuracy [\d.]+%/);
    expect(JSON.parse(fs.readFileSync(labelsFile, 'utf8')).propagation).toEqual({ k: 5, alpha: 0.99, iterations: 100, dims: 16, seed: 1 });
    const r = label(teacher);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/validation estimate/);
    const rec = JSON.parse(fs.readFileSync(labelsFile, 'utf8')) as { indices: number[]; labels: number[]; labelledIndices: number[] };
    expect(rec.indices.length).toBe(rec.labels.length);
    expect(rec.indices.length).toBeGreaterThan(0);
    expect(rec.indices.some((i) => rec.labelledIndices.includes(i))).toBe(false);

    const student = path.join(dir, 'student.drmm');
    const s = trainTo(student, '--epochs', '1', '--pseudo', labelsFile, ...semi);
    expect(s.status, s.output).toBe(0);
    expect(s.output).toContain(`self-training: ${rec.indices.length} pseudo-labels from teacher.drmm`);
    const cfg = (readModelFile(fs.readFileSync(student)).training as { config: { pseudo: { indices: number[]; labels: number[] } } }).config;
    expect(cfg.pseudo.indices).toEqual(rec.indices);
    expect(cfg.pseudo.labels).toEqual(rec.labels);
    const slog = JSON.parse(fs.readFileSync(path.join(dir, 'student.log.json'), 'utf8')) as { config: { pseudo: { count: number } } };
    expect(slog.config.pseudo.count).toBe(rec.indices.length);

    const otherSeed = trainTo(path.join(dir, 'other.drmm'), '--epochs', '1', '--pseudo', labelsFile, ...semi, '--seed', '4');
    expect(otherSeed.status).toBe(2);
    expect(otherSeed.output).toContain('its teacher had other labelled images than this run');
    const otherSplit = trainTo(path.join(dir, 'other.drmm'), '--epochs', '1', '--pseudo', labelsFile, ...semi, '--validation', '30');
    expect(otherSplit.status).toBe(2);
    expect(otherSplit.output).toContain('its teacher had another validation split');
    const resumed = trainTo(student, '--epochs', '2', '--resume', '--pseudo', labelsFile, ...semi);
    expect(resumed.status).toBe(2);
    expect(resumed.output).toContain('--pseudo starts a new run');
  }, 400_000);
});
