/**
 * Command-line EG training on real MNIST with the same engine and WGSL kernels as the page, in
 * Node (Dawn). Resumable: it checkpoints every few hundred steps (atomically) and `--resume`
 * continues exactly from the last checkpoint, so a long run can span several sessions.
 *
 *   npm run train -- --preset drmm-compact --mode supervised --epochs 3 --seed 1 --out public/models/drmm-compact.drmm
 *
 * Writes the model file (`--out`), its checkpoint (`<out>.ckpt`, until the run completes) and a
 * JSON training log (`<out minus .drmm>.log.json`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DrmmGpuEngine } from '../src/engine/gpu/engine';
import { GpuTrainer, type TrainConfig } from '../src/engine/gpu/trainer';
import { PRESETS, initParams, validateSpec, type ModelSpec, type PresetName } from '../src/engine/model';
import { loadCheckpoint, saveCheckpoint, type RunState } from '../src/engine/train/checkpoint';
import { Schedule, TRAIN_MODES, type TrainMode } from '../src/engine/train/schedule';
import { shiftImage, shiftOf } from '../src/engine/train/augment';
import { ParamAverage } from '../src/engine/train/average';
import { paramList, paramShapes, paramsFromList, type ModelParams } from '../src/engine/model';
import type { ExtraTensor } from '../src/engine/modelFile';
import { loadSplit } from './lib/mnistNode';
import { nodeDevice } from './lib/nodeGpu';

const { values: a } = parseArgs({
  options: {
    preset: { type: 'string', default: 'drmm-compact' },
    spec: { type: 'string' },
    mode: { type: 'string', default: 'supervised' },
    epochs: { type: 'string', default: '1' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string' },
    batch: { type: 'string', default: '64' },
    labelled: { type: 'string', default: '100' },
    lr: { type: 'string', default: '0.001' },
    'lr-decay': { type: 'string' },
    'decay-from': { type: 'string' },
    rc: { type: 'string' },
    kl: { type: 'string' },
    nn: { type: 'string' },
    variant: { type: 'string', default: 'rendering' },
    init: { type: 'string' },
    resume: { type: 'boolean', default: false },
    'checkpoint-every': { type: 'string', default: '200' },
    'evals-per-epoch': { type: 'string', default: '4' },
    'log-every': { type: 'string', default: '50' },
    'max-steps': { type: 'string' },
    'test-count': { type: 'string', default: '10000' },
    'train-count': { type: 'string', default: '60000' },
    augment: { type: 'string' },
    'average-from': { type: 'string' },
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

if (!a.out) fail('--out FILE is required (e.g. public/models/drmm-compact.drmm)');
const out = path.resolve(a.out!);
const ckptPath = `${out}.ckpt`;
const logPath = out.replace(/\.drmm$/, '') + '.log.json';
const mode = a.mode as TrainMode;
if (!TRAIN_MODES.includes(mode)) fail(`--mode must be one of ${TRAIN_MODES.join(', ')}`);
if (!(a.preset! in PRESETS)) fail(`--preset must be one of ${Object.keys(PRESETS).join(', ')}`);
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
if (a.variant !== 'rendering' && a.variant !== 'gradient') fail('--variant must be rendering or gradient');
const epochs = num('epochs', a.epochs);
const seed = num('seed', a.seed);
const batch = num('batch', a.batch);
const labelledCount = mode === 'semi-supervised' ? num('labelled', a.labelled) : null;
// Defaults per mode: the convnet baseline is cross-entropy only; the DRMM adds the generative terms.
const defaults = mode === 'convnet' ? { rc: 0, kl: 0, nn: 0 } : { rc: 0.5, kl: mode === 'supervised' ? 0 : 0.1, nn: 0.1 };
const config: Partial<TrainConfig> = {
  weights: { rc: a.rc !== undefined ? num('rc', a.rc) : defaults.rc, kl: a.kl !== undefined ? num('kl', a.kl) : defaults.kl, nn: a.nn !== undefined ? num('nn', a.nn) : defaults.nn },
  variant: a.variant as 'rendering' | 'gradient',
  lr: num('lr', a.lr),
};

// Step decay, per epoch: lr(e) = lr * decay^max(0, e - decayFrom + 1), so epochs before `decayFrom`
// run at the base rate. Stored in the run's config so a resumed run keeps the same schedule.
interface LrSchedule { lr: number; lrDecay: number; decayFrom: number }

const { device, adapter } = await nodeDevice();
console.log(`adapter: ${adapter}`);
const train = loadSplit('train');
const test = loadSplit('test');
const testCount = Math.min(test.count, num('test-count', a['test-count']));
// --train-count N trains on the first N training images only (quick trials and the CLI's tests).
const trainCount = Math.min(train.labels.length, num('train-count', a['train-count']));
const schedule = new Schedule({ mode, seed, batchSize: batch, labelledCount: labelledCount ?? undefined }, train.labels.subarray(0, trainCount));

let spec = specArg;
let params = initParams(spec, seed);
let run: RunState = {
  mode, seed, labelled: labelledCount, batchSize: batch, epoch: 0, stepInEpoch: 0, step: 0,
  config: { ...config, weights: { ...config.weights! }, wallSeconds: 0 } as never, metrics: [],
};
let adamState: ReturnType<typeof loadCheckpoint>['adam'] = null;
let resumedExtra: ExtraTensor[] = [];
// A finished run with averaged parameters keeps its last iterate as opt.last.* tensors.
const LAST_PREFIX = 'opt.last.';
// A finished run can be extended: with no checkpoint left, --resume continues from the model file.
const resumeFrom = fs.existsSync(ckptPath) ? ckptPath : out;
if (a.resume && fs.existsSync(resumeFrom)) {
  const ck = loadCheckpoint(fs.readFileSync(resumeFrom));
  if (!ck.run || ck.run.mode !== mode || ck.run.seed !== seed || ck.run.batchSize !== batch || ck.preset !== a.preset)
    fail(`${resumeFrom} is from a different run (preset ${ck.preset}, mode ${ck.run?.mode}, seed ${ck.run?.seed}, batch ${ck.run?.batchSize})`);
  if (a.spec && JSON.stringify(ck.spec) !== JSON.stringify(spec)) fail(`${resumeFrom} has another architecture than --spec ${a.spec}`);
  ({ spec, params } = ck);
  run = ck.run!;
  resumedExtra = ck.extra;
  const last = paramShapes(spec).map((sh) => ck.extra.find((e) => e.name === LAST_PREFIX + sh.name)?.data);
  if (last.every(Boolean)) params = paramsFromList(spec, last as Float32Array[]);
  // The base rate is the run's; a decay given now is recorded with the epoch it starts from.
  const rc = run.config as unknown as Partial<LrSchedule>;
  if (a['lr-decay'] !== undefined) {
    rc.lrDecay = num('lr-decay', a['lr-decay']);
    rc.decayFrom = a['decay-from'] !== undefined ? num('decay-from', a['decay-from']) : run.epoch;
  }
  adamState = ck.adam;
  console.log(`resuming ${resumeFrom}: epoch ${run.epoch}, step ${run.stepInEpoch} of ${schedule.stepsPerEpoch}`);
} else if (a.init) {
  const ck = loadCheckpoint(fs.readFileSync(path.resolve(a.init)));
  if (JSON.stringify(ck.spec) !== JSON.stringify(spec)) fail(`--init ${a.init} has another architecture than ${a.spec ?? a.preset}`);
  params = ck.params;
  run.config = { ...(run.config as object), init: path.basename(a.init) } as never;
  console.log(`starting from ${a.init}`);
}

{
  const rc = run.config as unknown as Partial<LrSchedule> & { augment?: number };
  rc.lr ??= config.lr;
  // --augment N: each training image shifted by up to N px (src/engine/train/augment.ts); part of
  // the run, so a resumed run keeps it, and a resume may not change it.
  if (a.augment !== undefined) {
    const n = num('augment', a.augment);
    if (!Number.isInteger(n) || n < 0 || n > 4) fail('--augment must be an integer shift from 0 to 4 px');
    if (rc.augment !== undefined && rc.augment !== n) fail(`this run was trained with --augment ${rc.augment}; a resume cannot change it`);
    rc.augment = n;
  }
  // --average-from E: from epoch E on, the running mean of the parameters, sampled at every
  // checkpoint (src/engine/train/average.ts); the finished model is that mean.
  const ra = run.config as unknown as { average?: { from: number; count: number } };
  if (a['average-from'] !== undefined) {
    const from = num('average-from', a['average-from']);
    if (ra.average && ra.average.from !== from) fail(`this run averages from epoch ${ra.average.from}; a resume cannot change it`);
    ra.average ??= { from, count: 0 };
  }
  if (rc.lrDecay === undefined && a['lr-decay'] !== undefined) {
    rc.lrDecay = num('lr-decay', a['lr-decay']);
    rc.decayFrom = a['decay-from'] !== undefined ? num('decay-from', a['decay-from']) : 0;
  }
}
function lrAt(epoch: number): number {
  const { lr, lrDecay = 1, decayFrom = 0 } = run.config as unknown as LrSchedule;
  return lr * lrDecay ** Math.max(0, epoch - decayFrom + 1);
}
config.lr = lrAt(run.epoch);

const engine = await DrmmGpuEngine.create(device, spec, params, { maxBatch: batch, label: 'drmm' });
const trainer = new GpuTrainer(engine, config);
if (adamState) trainer.writeAdamState(adamState);

const avgConfig = (run.config as unknown as { average?: { from: number; count: number } }).average ?? null;
const average = avgConfig ? ParamAverage.fromExtra(spec, resumedExtra, avgConfig.count) : null;
const per = 784;
const augment = Number((run.config as { augment?: number }).augment ?? 0);
const images = new Float32Array(batch * per);
const labels = new Int32Array(batch);
const spe = schedule.stepsPerEpoch;
const maxSteps = a['max-steps'] !== undefined ? num('max-steps', a['max-steps']) : Infinity;
const logEvery = num('log-every', a['log-every']);
const ckEvery = Math.max(logEvery, Math.round(num('checkpoint-every', a['checkpoint-every']) / logEvery) * logEvery);
const evalEvery = Math.max(1, Math.floor(spe / num('evals-per-epoch', a['evals-per-epoch'])));
const wallAtStart = Number((run.config as { wallSeconds?: number }).wallSeconds ?? 0);
const t0 = performance.now();
let stepsThisSession = 0;

function wall(): number {
  return wallAtStart + (performance.now() - t0) / 1000;
}

async function writeAtomic(file: string, data: Uint8Array | string): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(`${file}.tmp`, data);
  fs.renameSync(`${file}.tmp`, file);
}

async function checkpoint(): Promise<void> {
  (run.config as { wallSeconds?: number }).wallSeconds = wall();
  await writeAtomic(ckptPath, await saveCheckpoint(trainer, spec, a.preset!, run, { more: average?.toExtra() ?? [] }));
}

async function evaluate(): Promise<number> {
  const r = await trainer.evaluate(test.images, test.labels, testCount);
  return r.accuracy;
}

/** Test accuracy of other parameters (the average), on an engine of their own. */
async function evaluateParams(p: ModelParams): Promise<number> {
  const e = await DrmmGpuEngine.create(device, spec, p, { maxBatch: 250, label: 'drmm.average' });
  const t = new GpuTrainer(e);
  try {
    return (await t.evaluate(test.images, test.labels, testCount)).accuracy;
  } finally {
    t.destroy();
    e.destroy();
  }
}

function writeLog(final: Record<string, unknown>): Promise<void> {
  const log = {
    // The architecture is written out when it is not the preset's (a --spec run, resumed with or without --spec).
    preset: a.preset, ...(JSON.stringify(spec) !== JSON.stringify(presetSpec) ? { spec } : {}), mode, seed, labelled: labelledCount, batchSize: batch, epochsPlanned: epochs,
    config: run.config, adapter, stepsPerEpoch: spe, trainImages: trainCount, testImages: testCount, metrics: run.metrics, ...final,
  };
  return writeAtomic(logPath, JSON.stringify(log, null, 2) + '\n');
}

console.log(`${a.preset}, ${mode}${labelledCount ? ` (N_L = ${labelledCount})` : ''}, batch ${batch}, ${spe} steps an epoch, loss weights ${JSON.stringify(config.weights)}${augment ? `, shifts of up to ${augment} px` : ''}`);
let pendingEvalAt = -1;
outer: while (run.epoch < epochs) {
  while (run.stepInEpoch < spe) {
    if (stepsThisSession >= maxSteps) break outer;
    trainer.config.lr = lrAt(run.epoch);
    const b = schedule.batch(run.epoch, run.stepInEpoch);
    b.indices.forEach((idx, i) => {
      const src = train.images.subarray(idx * per, (idx + 1) * per);
      if (augment > 0) {
        const { dx, dy } = shiftOf(seed, run.epoch, run.stepInEpoch, i, augment);
        shiftImage(src, images.subarray(i * per, (i + 1) * per), 28, 28, dx, dy);
      } else images.set(src, i * per);
      labels[i] = b.labelled[i] ? train.labels[idx] : -1;
    });
    trainer.setBatch(images, labels, batch);
    trainer.step();
    run.step++;
    run.stepInEpoch++;
    stepsThisSession++;
    // Evaluate evalsPerEpoch times an epoch, the last at its end (not also a step before it).
    const atEval = run.stepInEpoch === spe || (run.stepInEpoch % evalEvery === 0 && spe - run.stepInEpoch >= evalEvery / 2);
    if (run.stepInEpoch % logEvery === 0 || atEval) {
      const m = await trainer.readMetrics();
      if (!Number.isFinite(m.total)) {
        console.error(`non-finite loss at step ${run.step}: stopping; the last checkpoint (${ckptPath}) is intact.`);
        process.exit(3);
      }
      const rate = (stepsThisSession * batch) / ((performance.now() - t0) / 1000);
      const left = ((epochs - run.epoch) * spe - run.stepInEpoch) * batch / rate;
      const record: Record<string, number> = {
        epoch: run.epoch + run.stepInEpoch / spe, step: run.step, ce: m.ce, rc: m.rc, ent: m.ent, nn: m.nn, total: m.total,
        trainAccuracy: m.trainAccuracy, imagesPerSecond: rate, lr: trainer.config.lr,
      };
      if (atEval) {
        record.testAccuracy = await evaluate();
        pendingEvalAt = run.step;
      }
      console.log(
        `epoch ${record.epoch.toFixed(3)} step ${run.step}: loss ${m.total.toFixed(4)} (ce ${m.ce.toFixed(4)} rc ${m.rc.toFixed(4)} ent ${m.ent.toFixed(3)} nn ${m.nn.toExponential(2)}) ` +
          `train acc ${(100 * m.trainAccuracy).toFixed(2)}%` + (atEval ? ` test acc ${(100 * record.testAccuracy).toFixed(2)}%` : '') +
          `, ${rate.toFixed(0)} img/s, ETA ${(left / 60).toFixed(1)} min`,
      );
      if (atEval || run.stepInEpoch % ckEvery === 0) {
        if (atEval) run.metrics.push(record);
        if (average && avgConfig && record.epoch >= avgConfig.from) {
          average.add(await trainer.readParams());
          avgConfig.count = average.count;
        }
        const epochDone = run.stepInEpoch === spe;
        if (epochDone) {
          run.epoch++;
          run.stepInEpoch = 0;
        }
        await checkpoint();
        // The inner loop would go on into the next epoch (stepInEpoch is 0 again): leave it, so
        // the outer loop stops after the last planned epoch.
        if (epochDone) break;
      }
    }
  }
}

const finished = run.epoch >= epochs;
await checkpoint();
if (finished) {
  const lastAcc = pendingEvalAt === run.step && run.metrics.length ? Number(run.metrics[run.metrics.length - 1].testAccuracy) : await evaluate();
  let acc = lastAcc;
  const averaged = !!average && average.count > 0;
  if (averaged) {
    // The model is the average; the last iterate is kept beside it (opt.last.*) to train on from.
    const last = await trainer.readParams();
    const mean = average!.mean();
    acc = await evaluateParams(mean);
    run.metrics.push({ epoch: run.epoch, step: run.step, testAccuracy: acc, averagedSamples: average.count, lastIterateTestAccuracy: lastAcc });
    const names = paramShapes(spec);
    const lastExtra = paramList(last).map((data, i) => ({ name: LAST_PREFIX + names[i].name, shape: names[i].shape, data }));
    await writeAtomic(out, await saveCheckpoint(trainer, spec, a.preset!, run, { params: mean, more: [...average.toExtra(), ...lastExtra] }));
    console.log(`the average of ${average.count} samples from epoch ${avgConfig!.from}: test error ${(100 * (1 - acc)).toFixed(2)}% (the last iterate: ${(100 * (1 - lastAcc)).toFixed(2)}%)`);
  } else {
    await writeAtomic(out, await saveCheckpoint(trainer, spec, a.preset!, run));
  }
  fs.rmSync(ckptPath, { force: true });
  await writeLog({ finished: true, steps: run.step, finalTestError: 1 - acc, ...(averaged ? { lastIterateTestError: 1 - lastAcc } : {}), wallSeconds: wall() });
  console.log(`done: test error ${(100 * (1 - acc)).toFixed(2)}% on ${testCount} images; wrote ${out} and ${logPath}`);
} else {
  await writeLog({ finished: false, steps: run.step, wallSeconds: wall() });
  console.log(`stopped at epoch ${run.epoch}, step ${run.stepInEpoch}; resume with --resume (checkpoint ${ckptPath})`);
}
trainer.destroy();
engine.destroy();
device.destroy();
process.exit(0);
