/**
 * Command-line EG training on real MNIST through the same training core (src/engine/train/run.ts)
 * and WGSL kernels as the page, in Node (Dawn). Resumable: it checkpoints at the run's cadence
 * (atomically), and `--resume` continues exactly from the last checkpoint, with every setting the
 * checkpoint holds, so a long run can span several sessions (and move between the page and here).
 *
 *   npm run train -- --preset drmm-compact --mode supervised --epochs 3 --seed 1 --out public/models/drmm-compact.drmm
 *
 * Writes the model file (`--out`), its checkpoint (`<out>.ckpt`, until the run completes) and a
 * JSON training log (`<out minus .drmm>.log.json`). On a resume, a flag that would change a stored
 * setting is refused unless `--change-settings` is given (the change is then recorded in the run).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PRESETS, validateSpec, type ModelSpec, type PresetName } from '../src/engine/model';
import { readModelFile } from '../src/engine/modelFile';
import { checkRunConfig, configChanges, defaultRunConfig, type Ramp, type RunConfig } from '../src/engine/train/config';
import { decodeRun } from '../src/engine/train/checkpoint';
import { floatSplit, scheduleFor, type RunData } from '../src/engine/train/data';
import { GpuTrainRun } from '../src/engine/train/gpuRun';
import { NonFiniteError } from '../src/engine/train/run';
import { TRAIN_MODES, type TrainMode } from '../src/engine/train/schedule';
import { loadSplit } from './lib/mnistNode';
import { nodeDevice } from './lib/nodeGpu';
import { cliKernelTuner, kernelLogEntry, loggedKernels } from './lib/kernelCache';

const { values: a } = parseArgs({
  options: {
    preset: { type: 'string', default: 'drmm-compact' },
    spec: { type: 'string' },
    out: { type: 'string' },
    resume: { type: 'boolean', default: false },
    'change-settings': { type: 'boolean', default: false },
    'max-steps': { type: 'string' },
    'test-count': { type: 'string', default: '10000' },
    // Settings of the run (stored in it; defaults in src/engine/train/config.ts):
    mode: { type: 'string' }, epochs: { type: 'string' }, seed: { type: 'string' }, batch: { type: 'string' },
    labelled: { type: 'string' }, 'labelled-per-batch': { type: 'string' }, lr: { type: 'string' }, 'lr-decay': { type: 'string' }, 'decay-from': { type: 'string' },
    rc: { type: 'string' }, kl: { type: 'string' }, nn: { type: 'string' }, 'kl-sign': { type: 'string' },
    // The class-balance weight (config weights.bal): KL(mean unlabelled p(c|I) || uniform), 0 unless given.
    balance: { type: 'string' },
    // The contrastive rendering weight (config weights.cr) and its margin (crMargin): the start class's
    // rendering error below a rival class's by the margin, 0 unless given.
    cr: { type: 'string' }, 'cr-margin': { type: 'string' },
    'ramp-rc': { type: 'string' }, 'ramp-kl': { type: 'string' }, 'ramp-nn': { type: 'string' }, 'ramp-balance': { type: 'string' }, 'ramp-cr': { type: 'string' },
    variant: { type: 'string' }, nonnegative: { type: 'string' }, init: { type: 'string' }, augment: { type: 'string' }, 'average-from': { type: 'string' },
    'train-count': { type: 'string' }, validation: { type: 'string' },
    'log-every': { type: 'string' }, 'evals-per-epoch': { type: 'string' }, 'checkpoint-every': { type: 'string' },
    // Kernel variants (scripts/lib/kernelCache.ts): a log's kernels.choice, and the tuner's cache.
    kernels: { type: 'string' }, 'kernel-cache': { type: 'string' },
    // Keep the weights of the best validation accuracy so far in NAME.best.drmm (the checkpoint a
    // careful researcher ships: chosen on the validation split, never on the test set).
    'keep-best': { type: 'boolean' },
    // Self-training: a teacher's pseudo-labels (scripts/pseudo-label.ts) used as labels beside the N_L true ones.
    pseudo: { type: 'string' },
  },
});

const fail = (msg: string): never => {
  console.error(`train: ${msg}`);
  process.exit(2);
};
const num = (name: string, v: string | undefined): number => {
  const x = Number(v);
  if (v === undefined || !Number.isFinite(x)) fail(`--${name} must be a number, got ${v}`);
  return x;
};
const ramp = (name: string, v: string): Ramp => {
  const m = /^([\d.]+):([\d.]+)$/.exec(v);
  if (!m) fail(`--${name} must be FROM:TO in epochs (e.g. 0:1), got ${v}`);
  return { from: Number(m![1]), to: Number(m![2]) };
};

if (!a.out) fail('--out FILE is required (e.g. public/models/drmm-compact.drmm)');
const out = path.resolve(a.out!);
const ckptPath = `${out}.ckpt`;
const logPath = out.replace(/\.drmm$/, '') + '.log.json';
const bestPath = out.replace(/\.drmm$/, '') + '.best.drmm';
if (!(a.preset! in PRESETS)) fail(`--preset must be one of ${Object.keys(PRESETS).join(', ')}`);
if (a.mode !== undefined && !TRAIN_MODES.includes(a.mode as TrainMode)) fail(`--mode must be one of ${TRAIN_MODES.join(', ')}`);
// --spec FILE: another architecture (a JSON ModelSpec, checked like a model file's) under the preset's
// name, for trying other template counts or depths without editing the presets.
function specFromFile(file: string): ModelSpec {
  try {
    const s = JSON.parse(fs.readFileSync(path.resolve(file), 'utf8')) as ModelSpec;
    validateSpec(s);
    return s;
  } catch (e) {
    return fail(`--spec ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
const presetSpec = PRESETS[a.preset as PresetName];
const specArg = a.spec ? specFromFile(a.spec) : presetSpec;

/** The settings given on the command line, over `base` (a new run's defaults, or the checkpoint's). */
function withFlags(base: RunConfig): RunConfig {
  const c: RunConfig = structuredClone(base);
  if (a.mode !== undefined && a.mode !== c.mode) {
    const fresh = defaultRunConfig(a.mode as TrainMode);
    c.mode = fresh.mode;
    c.labelled = fresh.labelled;
    c.weights = fresh.weights;
  }
  if (a.seed !== undefined) c.seed = num('seed', a.seed);
  if (a.batch !== undefined) c.batchSize = num('batch', a.batch);
  if (a.epochs !== undefined) c.epochs = num('epochs', a.epochs);
  if (a.labelled !== undefined && c.mode === 'semi-supervised') c.labelled = num('labelled', a.labelled);
  if (a['labelled-per-batch'] !== undefined) c.labelledPerBatch = num('labelled-per-batch', a['labelled-per-batch']);
  if (a.lr !== undefined) c.lr = num('lr', a.lr);
  if (a['lr-decay'] !== undefined) c.lrDecay = num('lr-decay', a['lr-decay']);
  if (a['decay-from'] !== undefined) c.decayFrom = num('decay-from', a['decay-from']);
  // The flag of each loss weight: its own name, but --balance for bal.
  const flags = { rc: 'rc', kl: 'kl', nn: 'nn', bal: 'balance', cr: 'cr' } as const;
  for (const [k, flag] of Object.entries(flags) as [keyof typeof flags, (typeof flags)[keyof typeof flags]][]) {
    if (a[flag] !== undefined) c.weights[k] = num(flag, a[flag]);
    const r = a[`ramp-${flag}`];
    if (r !== undefined) c.ramps[k] = ramp(`ramp-${flag}`, r);
  }
  if (a['cr-margin'] !== undefined) c.crMargin = num('cr-margin', a['cr-margin']);
  if (a['kl-sign'] !== undefined) c.klSign = a['kl-sign'] as RunConfig['klSign'];
  if (a.variant !== undefined) c.variant = a.variant as RunConfig['variant'];
  if (a.nonnegative !== undefined) c.nonnegative = a.nonnegative as RunConfig['nonnegative'];
  if (a.augment !== undefined) c.augment = num('augment', a.augment);
  if (a['average-from'] !== undefined) c.average = { from: num('average-from', a['average-from']) };
  if (a['train-count'] !== undefined) c.data.trainCount = num('train-count', a['train-count']);
  if (a.validation !== undefined) c.data.validation = { ...c.data.validation, count: num('validation', a.validation) };
  if (a['log-every'] !== undefined) c.cadence.logEvery = num('log-every', a['log-every']);
  if (a['evals-per-epoch'] !== undefined) c.cadence.evalsPerEpoch = num('evals-per-epoch', a['evals-per-epoch']);
  if (a['checkpoint-every'] !== undefined) c.cadence.checkpointEvery = num('checkpoint-every', a['checkpoint-every']);
  return c;
}

/**
 * A new run's pseudo-labels from a scripts/pseudo-label.ts file: refused unless its teacher used the
 * run's own labelled images and validation split (else the student would learn from labels it was
 * not given, or from a teacher that saw its validation images' labels).
 */
function withPseudo(config: RunConfig, file: string, labels: ArrayLike<number>): void {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(fs.readFileSync(path.resolve(file), 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`--pseudo ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (config.mode !== 'semi-supervised') throw new Error('--pseudo is for a semi-supervised run');
  if (JSON.stringify(rec.validation) !== JSON.stringify(config.data.validation)) throw new Error(`--pseudo ${file}: its teacher had another validation split (${JSON.stringify(rec.validation)}) than this run`);
  const own = Array.from(scheduleFor(config, labels).labelledSubset ?? []);
  if (JSON.stringify(rec.labelledIndices) !== JSON.stringify(own)) throw new Error(`--pseudo ${file}: its teacher had other labelled images than this run (seed ${config.seed}, N_L ${config.labelled})`);
  config.pseudo = { source: `${String(rec.teacher)} (sha256 ${String(rec.teacherSha256).split(' + ').map((h) => h.slice(0, 12)).join(', ')}), top ${String(rec.perClass)} a class`, indices: rec.indices as number[], labels: rec.labels as number[] };
  // The schedule checks that every pseudo-labelled image is a pool image outside the labelled subset.
  scheduleFor(checkRunConfig(config), labels);
  console.log(`self-training: ${config.pseudo.indices.length} pseudo-labels from ${config.pseudo.source}`);
}

const { device, adapter } = await nodeDevice();
console.log(`adapter: ${adapter}`);
// A resumed run keeps its kernels (bit for bit on the adapter): its log's, or the direct kernels
// where no log names any (a checkpoint from the page, which does not tune, or from before the tuner).
cliKernelTuner(device, adapter, { kernels: a.kernels ?? (a.resume ? (loggedKernels(logPath) ?? 'direct') : undefined), cacheDir: a['kernel-cache'] });
const trainSet = loadSplit('train');
const testSet = loadSplit('test');
const testCount = Math.min(testSet.count, num('test-count', a['test-count']));
const data: RunData = {
  train: floatSplit(trainSet.images, trainSet.labels),
  test: floatSplit(testSet.images.subarray(0, testCount * 784), testSet.labels.subarray(0, testCount)),
};

let run: GpuTrainRun;
// A finished run can be extended: with no checkpoint left, --resume continues from the model file.
const resumeFrom = fs.existsSync(ckptPath) ? ckptPath : out;
const guard = <T>(fn: () => T): T => {
  try {
    return fn();
  } catch (e) {
    return fail(e instanceof Error ? e.message : String(e));
  }
};
if (a.resume && fs.existsSync(resumeFrom)) {
  const bytes = fs.readFileSync(resumeFrom);
  const s = guard(() => decodeRun(bytes));
  if (!s.hasRun) fail(`${resumeFrom} is a model file without a training run to resume`);
  if (s.preset !== a.preset) fail(`${resumeFrom} is a run of preset ${s.preset}, not ${a.preset}`);
  if (a.spec && JSON.stringify(s.spec) !== JSON.stringify(specArg)) fail(`${resumeFrom} has another architecture than --spec ${a.spec}`);
  if (a.init !== undefined) fail('--init starts a new run; a resume continues from its checkpoint');
  if (a.pseudo !== undefined) fail('--pseudo starts a new run; a resume keeps the pseudo-labels its checkpoint holds');
  const wanted = guard(() => withFlags(s.config));
  // Raising the planned epochs extends a run; every other difference changes what it computes.
  const changes = configChanges({ ...s.config, epochs: 0 }, { ...wanted, epochs: 0 });
  if (changes.length && !a['change-settings'])
    fail(`the flags change settings of ${resumeFrom} (${changes.join('; ')}); a resume keeps the run's settings unless --change-settings is given`);
  run = await GpuTrainRun.restore(device, bytes, data, { label: 'drmm' });
  guard(() => run.update({ epochs: wanted.epochs }));
  if (changes.length) {
    // Settings a run can take between steps go through update() (and are recorded there); the rest
    // (batch, mode, data) would be another run.
    const { lr, lrDecay, decayFrom, weights, ramps, crMargin, cadence, klSign } = wanted;
    guard(() => run.update({ lr, lrDecay, decayFrom, weights, ramps, crMargin, cadence, klSign }));
    const left = configChanges({ ...run.config }, wanted);
    if (left.length) fail(`these settings cannot change during a run: ${left.join('; ')}`);
    console.log(`changed settings: ${changes.join('; ')}`);
  }
  console.log(`resuming ${resumeFrom}: epoch ${run.progress.epoch}, step ${run.progress.stepInEpoch} of ${run.stepsPerEpoch}`);
} else {
  const base = defaultRunConfig((a.mode ?? 'supervised') as TrainMode);
  const config = guard(() => withFlags(base));
  let params;
  if (a.init) {
    const f = guard(() => readModelFile(fs.readFileSync(path.resolve(a.init!))));
    if (JSON.stringify(f.spec) !== JSON.stringify(specArg)) fail(`--init ${a.init} has another architecture than ${a.spec ?? a.preset}`);
    params = f.params;
    config.init = { kind: 'file', name: path.basename(a.init) };
    console.log(`starting from ${a.init}`);
  }
  if (a.pseudo !== undefined) guard(() => withPseudo(config, a.pseudo!, trainSet.labels));
  run = await GpuTrainRun.create(device, specArg, a.preset!, guard(() => defaultRunConfig(config.mode, config)), data, { label: 'drmm', params });
}

const c = run.config;
if (a['keep-best'] && !c.data.validation.count) fail('--keep-best needs a validation split (--validation N)');
// The best so far is read from the run's own log, so a resumed run goes on comparing against it
// (a row after the checkpoint it resumed from was never part of this run and does not count).
const bestRow = (): Record<string, number> | undefined =>
  run.log.reduce<Record<string, number> | undefined>((b, m) => (typeof m.validationAccuracy === 'number' && (!b || m.validationAccuracy > b.validationAccuracy) ? (m as Record<string, number>) : b), undefined);
if (a['keep-best'] && bestRow() && !fs.existsSync(bestPath))
  console.log(`the run's best validation evaluation so far (epoch ${bestRow()!.epoch.toFixed(3)}) was not kept; ${bestPath} will hold the first one better than it`);
const maxSteps = a['max-steps'] !== undefined ? num('max-steps', a['max-steps']) : Infinity;
const t0 = performance.now();
let stepsThisSession = 0;

function writeAtomic(file: string, bytes: Uint8Array | string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(`${file}.tmp`, bytes);
  fs.renameSync(`${file}.tmp`, file);
}

/**
 * The log's `best`: the run's best validation evaluation, named only when NAME.best.drmm holds its
 * weights (a best reached before --keep-best was given, or in the run a copy was resumed from, has none).
 */
function keptBest(): { best?: Record<string, unknown> } {
  const b = bestRow();
  if (!a['keep-best'] || !b || !fs.existsSync(bestPath)) return {};
  if (guard(() => readModelFile(fs.readFileSync(bestPath))).training?.step !== b.step) return {};
  return { best: { file: path.basename(bestPath), epoch: b.epoch, step: b.step, validationAccuracy: b.validationAccuracy, testAccuracy: b.testAccuracy } };
}

function writeLog(final: Record<string, unknown>): void {
  const log = {
    // The architecture is written out when it is not the preset's (a --spec run, resumed with or without --spec).
    preset: a.preset, ...(JSON.stringify(run.spec) !== JSON.stringify(presetSpec) ? { spec: run.spec } : {}),
    mode: c.mode, seed: c.seed, labelled: c.labelled, batchSize: c.batchSize, epochsPlanned: c.epochs,
    // The pseudo-labels themselves are in the model file; the log names their teacher and count.
    config: c.pseudo ? { ...c, pseudo: { source: c.pseudo.source, count: c.pseudo.indices.length } } : c, changes: run.progress.changes, adapter, kernels: kernelLogEntry(device), stepsPerEpoch: run.stepsPerEpoch, trainImages: c.data.trainCount - c.data.validation.count,
    validationImages: c.data.validation.count, testImages: testCount,
    ...keptBest(),
    ...(run.labelledIndices ? { labelledIndices: Array.from(run.labelledIndices) } : {}), metrics: run.log, ...final,
  };
  writeAtomic(logPath, JSON.stringify(log, null, 2) + '\n');
}

const pct = (x: unknown) => (typeof x === 'number' ? `${(100 * x).toFixed(2)}%` : '-');
const terms = Object.entries(c.weights).map(([k, w]) => `${k} ${w}${c.ramps[k as 'rc'] ? ` (ramp ${c.ramps[k as 'rc']!.from}-${c.ramps[k as 'rc']!.to})` : ''}`).join(', ');
console.log(
  `${a.preset}, ${c.mode}${c.labelled ? ` (N_L = ${c.labelled}${c.labelledPerBatch ? `, ${c.labelledPerBatch} labelled a batch` : ''})` : ''}, batch ${c.batchSize}, ${run.stepsPerEpoch} steps an epoch, loss weights ${terms}` +
    `${c.weights.kl ? `, KL ${c.klSign}` : ''}${c.weights.cr ? `, contrastive margin ${c.crMargin}` : ''}${c.nonnegative !== 'none' ? `, nonnegative ${c.nonnegative} templates (projected)` : ''}${c.augment ? `, shifts of up to ${c.augment} px` : ''}${c.data.validation.count ? `, ${c.data.validation.count} validation images held out` : ''}`,
);

// The class-balance term is measured on the unlabelled images (whatever its weight): shown where there are some.
const hasUnlabelled = c.mode === 'semi-supervised' || c.mode === 'unsupervised';
let finished = run.progress.epoch >= c.epochs;
try {
  while (!finished && stepsThisSession < maxSteps) {
    const r = await run.step();
    stepsThisSession++;
    finished = r.finished;
    if (r.row) {
      const m = r.row as Record<string, number>;
      const rate = (stepsThisSession * c.batchSize) / ((performance.now() - t0) / 1000);
      const left = ((c.epochs - run.progress.epoch) * run.stepsPerEpoch - run.progress.stepInEpoch) * c.batchSize / rate;
      console.log(
        `epoch ${m.epoch.toFixed(3)} step ${m.step}: loss ${m.total.toFixed(4)} (ce ${m.ce.toFixed(4)} rc ${m.rc.toFixed(4)} ent ${m.ent.toFixed(3)} nn ${m.nn.toExponential(2)}${hasUnlabelled ? ` bal ${m.bal.toFixed(4)}` : ''}${typeof m.cr === 'number' ? ` cr ${m.cr.toFixed(5)}` : ''}) ` +
          `train acc ${pct(m.trainAccuracy)}` + (r.evaluated ? ` test acc ${pct(m.testAccuracy)}${m.validationAccuracy !== undefined ? ` validation acc ${pct(m.validationAccuracy)}` : ''}` : '') +
          `, ${rate.toFixed(0)} img/s, ETA ${(left / 60).toFixed(1)} min`,
      );
    }
    if (a['keep-best'] && r.evaluated && r.row && bestRow() === r.row) {
      // Strictly better than every earlier evaluation (ties keep the earlier weights).
      writeAtomic(bestPath, await run.checkpoint());
      console.log(`  best validation accuracy so far: wrote ${bestPath}`);
    }
    if (r.checkpointDue && !finished) writeAtomic(ckptPath, await run.checkpoint());
  }
} catch (e) {
  if (e instanceof NonFiniteError) {
    console.error(`${e.message} at step ${run.progress.step}: stopping; the last checkpoint (${ckptPath}) is intact.`);
    process.exit(3);
  }
  throw e;
}

if (finished) {
  const lastRow = run.log[run.log.length - 1];
  const lastAcc = lastRow && lastRow.step === run.progress.step && typeof lastRow.testAccuracy === 'number' ? lastRow.testAccuracy : (await run.evaluate('test')).accuracy;
  let acc = lastAcc;
  const mean = run.averaged();
  if (mean) {
    // The model is the average; the last iterate is kept beside it (opt.last.*) to train on from.
    acc = (await run.evaluate('test', { params: mean })).accuracy;
    const rec: Record<string, number> = { epoch: run.progress.epoch, step: run.progress.step, testAccuracy: acc, averagedSamples: run.progress.averageCount, lastIterateTestAccuracy: lastAcc };
    if (c.data.validation.count) rec.validationAccuracy = (await run.evaluate('validation', { params: mean })).accuracy;
    run.log.push(rec);
    console.log(`the average of ${run.progress.averageCount} samples from epoch ${c.average!.from}: test error ${pct(1 - acc)} (the last iterate: ${pct(1 - lastAcc)})`);
  }
  writeAtomic(out, await run.checkpoint({ final: true }));
  fs.rmSync(ckptPath, { force: true });
  writeLog({ finished: true, steps: run.progress.step, finalTestError: 1 - acc, ...(mean ? { lastIterateTestError: 1 - lastAcc } : {}), wallSeconds: run.progress.wallSeconds });
  console.log(`done: test error ${pct(1 - acc)} on ${testCount} images; wrote ${out} and ${logPath}`);
} else {
  writeAtomic(ckptPath, await run.checkpoint());
  writeLog({ finished: false, steps: run.progress.step, wallSeconds: run.progress.wallSeconds });
  console.log(`stopped at epoch ${run.progress.epoch}, step ${run.progress.stepInEpoch}; resume with --resume (checkpoint ${ckptPath})`);
}
run.destroy();
device.destroy();
process.exit(0);
