/**
 * Prints the tables of docs/RESULTS.md from the training runs on disk: the shipped models'
 * logs (public/models/*.log.json) and the other runs (runs/*.log.json, or the checkpoint
 * runs/*.drmm.ckpt of a run still in progress).
 *   npm run results
 */
import fs from 'node:fs';
import path from 'node:path';
import { PRESETS, type PresetName } from '../src/engine/model';
import { readModelFile } from '../src/engine/modelFile';
import { decodeRun } from '../src/engine/train/checkpoint';
import { chosenByValidation, epochsToError, errorAt, evaluationsOf, pairs, pct, shapeOf, type RunSummary } from './lib/results';

const ROOT = path.resolve(import.meta.dirname, '..');
const DIRS = ['public/models', 'runs', 'runs/pilots'];

interface RunConfig { pseudo?: { source: string; count: number } | null; klSign?: string; augment?: number; init?: string | { kind: string; name?: string }; wallSeconds?: number; weights?: { rc: number; kl: number; nn: number; bal?: number; cr?: number }; crMargin?: number; nonnegative?: string }

/** The model a run started from: a file name (an untyped config's string, or a typed config's {kind: 'file', name}). */
const initName = (init: RunConfig['init']): string | null => (typeof init === 'string' ? init : init?.kind === 'file' ? (init.name ?? null) : null);

function fromLog(file: string): RunSummary {
  const log = JSON.parse(fs.readFileSync(file, 'utf8'));
  const cfg = (log.config ?? {}) as RunConfig;
  const evals = evaluationsOf(log.metrics ?? []);
  return {
    name: path.relative(ROOT, file).replace(/\.log\.json$/, '') + (log.finished ? '' : ' (stopped)'),
    preset: log.preset, shape: shapeOfFile(file.replace(/\.log\.json$/, '.drmm')), mode: log.mode, seed: log.seed, labelled: log.labelled ?? null,
    augment: cfg.augment ?? 0, init: initName(cfg.init), finished: !!log.finished,
    epochs: log.finished ? log.epochsPlanned : (evals[evals.length - 1]?.epoch ?? 0),
    wallSeconds: log.wallSeconds ?? cfg.wallSeconds ?? 0, evaluations: evals, weights: cfg.weights, crMargin: cfg.crMargin, klSign: cfg.klSign, budget: log.epochsPlanned, nonnegative: cfg.nonnegative,
    ...(cfg.pseudo ? { pseudo: cfg.pseudo } : {}),
    ...(typeof log.lastIterateTestError === 'number'
      ? { averaged: { samples: Number(log.metrics[log.metrics.length - 1]?.averagedSamples ?? 0), lastIterateError: log.lastIterateTestError } }
      : {}),
  };
}

function fromCheckpoint(file: string): RunSummary {
  const ck = decodeRun(fs.readFileSync(file));
  const c = ck.config;
  const metrics = ck.log as unknown as { epoch: number; step: number; testAccuracy?: number }[];
  return {
    name: path.relative(ROOT, file).replace(/\.drmm\.ckpt$/, '') + (file.includes(`${path.sep}pilots${path.sep}`) ? ' (pilot, stopped)' : ' (in progress)'),
    preset: ck.preset ?? '?', shape: shapeOf(ck.spec), mode: c.mode, seed: c.seed, labelled: c.labelled,
    augment: c.augment, init: c.init.kind === 'file' ? c.init.name : null, finished: false,
    epochs: ck.progress.epoch + ck.progress.stepInEpoch / Math.max(1, stepsPerEpoch({ metrics })),
    wallSeconds: ck.progress.wallSeconds, evaluations: evaluationsOf(metrics), weights: c.weights, crMargin: c.crMargin, klSign: c.klSign, budget: c.epochs, nonnegative: c.nonnegative,
    ...(c.pseudo ? { pseudo: { source: c.pseudo.source, count: c.pseudo.indices.length } } : {}),
  };
}

// The template counts of the model file a log sits beside ('?' without one).
function shapeOfFile(model: string): string {
  return fs.existsSync(model) ? shapeOf(readModelFile(fs.readFileSync(model)).spec) : '?';
}

// Steps an epoch of a run, from its metric records (epoch = step / stepsPerEpoch).
function stepsPerEpoch(run: { metrics: { epoch: number; step: number }[] }): number {
  const m = run.metrics.find((r) => r.epoch > 0);
  return m ? Math.round(m.step / m.epoch) : 1;
}

const runs: RunSummary[] = [];
for (const dir of DIRS) {
  const abs = path.join(ROOT, dir);
  if (!fs.existsSync(abs)) continue;
  for (const f of fs.readdirSync(abs).sort()) {
    const file = path.join(abs, f);
    if (f.endsWith('.log.json')) {
      const ckpt = file.replace(/\.log\.json$/, '.drmm.ckpt');
      // A stopped run's log is older than its checkpoint; the checkpoint says more.
      if (!fs.existsSync(ckpt)) runs.push(fromLog(file));
    } else if (f.endsWith('.drmm.ckpt')) runs.push(fromCheckpoint(file));
  }
}

const hours = (s: number) => `${(s / 3600).toFixed(1)} h`;
/** Whether a run started from an initialisation file (scripts/nn-init.ts: training.mode 'init', never trained) rather than a trained model. */
const fromInitFile = (r: RunSummary): boolean => {
  const f = r.init ? path.join(ROOT, 'runs', r.init) : null;
  return !!f && fs.existsSync(f) && readModelFile(fs.readFileSync(f)).training?.mode === 'init';
};
const supervised = (r: RunSummary) => r.mode === 'supervised' || r.mode === 'convnet';
/** CR: the contrastive rendering term (the start class's rendering error below a rival's by the margin), named when its weight is not 0. */
const crTerm = (r: RunSummary) => (r.weights?.cr ? `${r.weights.cr} CR (margin ${r.crMargin ?? 0.005})` : '');
const what = (r: RunSummary) =>
  [r.mode === 'semi-supervised' ? `semi-supervised, N_L = ${r.labelled}` : r.mode, r.nonnegative && r.nonnegative !== 'none' ? `${r.nonnegative} kept ≥ 0` : '', r.weights && r.mode === 'supervised' && r.weights.nn !== 0.1 ? `NN weight ${r.weights.nn}` : '', r.weights && r.mode === 'supervised' && r.weights.rc !== 0.5 ? `RC weight ${r.weights.rc}` : '', r.mode === 'supervised' ? crTerm(r) : '', r.augment ? `shifts ≤ ${r.augment} px` : '', r.init ? (fromInitFile(r) ? `initialised by ${r.init}` : `from ${r.init}`) : '', r.averaged ? 'weights averaged' : '']
    .filter(Boolean)
    .join(', ');

console.log('### Supervised runs\n');
console.log('| run | preset (templates a level) | training | seed | epochs | last test error | best test error (epoch) | epochs to 1.5% | wall time |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of runs.filter(supervised)) {
  const ev = r.evaluations;
  const last = ev[ev.length - 1];
  const best = ev.reduce<(typeof ev)[number] | null>((b, e) => (!b || e.testAccuracy > b.testAccuracy ? e : b), null);
  console.log(
    `| ${r.name} | ${r.preset} (${r.shape}) | ${what(r)} | ${r.seed} | ${r.epochs.toFixed(2)} | ${last ? pct(1 - last.testAccuracy) : '-'}` +
      `${r.averaged ? ` (the mean of ${r.averaged.samples} samples of the weights; the last iterate ${pct(r.averaged.lastIterateError)})` : ''} | ` +
      `${best ? `${pct(1 - best.testAccuracy)} (${best.epoch.toFixed(2)})` : '-'} | ${r.init && !fromInitFile(r) ? '- (fine-tuning)' : (epochsToError(ev, 0.015)?.toFixed(2) ?? (r.finished ? 'not reached' : 'not yet'))} | ${hours(r.wallSeconds)} |`,
  );
}

const ps = pairs(runs);
if (ps.length) {
  console.log('\n### EG against the convnet baseline (same preset, seed, data order and learning-rate schedule)\n');
  console.log('| preset (templates a level) | seed | evaluations an epoch | epochs to 1.5%, EG | epochs to 1.5%, convnet | error at epoch 1, EG / convnet | at epoch 2 | at epoch 3 |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const p of ps) {
    const per = Math.round(1 / (p.eg.evaluations[1]?.epoch - p.eg.evaluations[0]?.epoch || 1));
    const at = (e: number) => `${pct(errorAt(p.eg.evaluations, e))} / ${pct(errorAt(p.convnet.evaluations, e))}`;
    // A run still in progress has not reached 1.5% *yet*: say how far it has got.
    const to15 = (r: RunSummary) => epochsToError(r.evaluations, 0.015)?.toFixed(2) ?? (r.finished ? 'not reached' : `not yet (at ${r.epochs.toFixed(2)})`);
    console.log(
      `| ${p.preset} (${p.eg.shape}) | ${p.seed} | ${per} | ${to15(p.eg)} | ${to15(p.convnet)} | ${at(1)} | ${at(2)} | ${at(3)} |`,
    );
  }
}

const ssl = runs.filter((r) => !supervised(r));
if (ssl.length) {
  // An unsupervised run has no cross-entropy term (no labels).
  // BAL: the class-balance term KL(mean unlabelled p(c|I) || uniform), named when its weight is not 0.
  const bal = (w: NonNullable<RunSummary['weights']>) => (w.bal ? `${w.bal} BAL` : '');
  const terms = (r: RunSummary) => (r.weights ? (r.weights.rc === 0 && r.weights.nn === 0 && !r.weights.cr ? `${['CE', r.weights.kl ? `${r.weights.kl} ENT` : '', bal(r.weights)].filter(Boolean).join(' + ')} (convnet)` : [r.mode === 'unsupervised' ? '' : 'CE', `${r.weights.rc} RC`, r.weights.kl ? `${r.weights.kl} KL${r.klSign === 'flatten' ? ' (flatten)' : ''}` : '', r.weights.nn ? `${r.weights.nn} NN` : '', bal(r.weights), crTerm(r)].filter(Boolean).join(' + ')) : '?');
  // A run that fine-tunes an unsupervised run's model: its budget counts the pretraining's epochs too.
  const pretraining = (r: RunSummary) => (r.init ? ssl.find((u) => u.mode === 'unsupervised' && u.finished && u.name.endsWith(`/${r.init!.replace(/\.drmm$/, '')}`)) : undefined);
  const budget = (r: RunSummary) => {
    const u = pretraining(r);
    return u ? `${r.budget ?? '?'} + ${u.budget ?? '?'} unsupervised` : String(r.budget ?? '?');
  };
  console.log('\n### Semi-supervised and unsupervised runs\n');
  console.log('The test error a run reports is the one at its best validation accuracy (1,000 training images held out), never its best test error.\n');
  console.log('| run | N_L | terms | seed | epochs (budget) | best validation accuracy (epoch) | test error there | last test error | wall time |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of ssl) {
    const ev = r.evaluations;
    const last = ev[ev.length - 1];
    const pick = chosenByValidation(ev);
    const avg = r.averaged ? `, weights averaged (the last iterate ${pct(r.averaged.lastIterateError)})` : '';
    // Every row is drmm-compact's network unless it says otherwise (a --spec run: its templates a level).
    const net = r.preset in PRESETS && r.shape !== '?' && r.shape !== shapeOf(PRESETS[r.preset as PresetName]) ? ` (network: ${r.shape} templates a level)` : '';
    // A self-trained student: its pseudo-labels beside the N_L true ones (the teacher's own budget is not in this row's).
    const st = r.pseudo ? ` (self-training: ${r.pseudo.count.toLocaleString('en')} pseudo-labels from ${r.pseudo.source})` : '';
    const head = `| ${r.name}${net}${r.init ? ` (from ${r.init})` : ''}${st} | ${r.mode === 'unsupervised' ? 'none' : String(r.labelled)} | ${terms(r)}${avg} | ${r.seed} | ${r.epochs.toFixed(2)} (${budget(r)}) | `;
    // Without labels the model's classes are unnamed clusters: its "accuracy" against the labels means nothing.
    if (r.mode === 'unsupervised') console.log(`${head}- (no labels: pretraining) | - | - | ${hours(r.wallSeconds)} |`);
    else
      console.log(
        head +
          `${pick ? `${(100 * pick.validationAccuracy!).toFixed(2)}% (${pick.epoch.toFixed(2)})` : '-'} | ${pick ? pct(1 - pick.testAccuracy) : '-'} | ${last ? pct(1 - last.testAccuracy) : '-'} | ${hours(r.wallSeconds)} |`,
      );
  }
}
