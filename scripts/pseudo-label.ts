/**
 * Self-training's E-step in stages: a semi-supervised teacher model labels the pool images it is
 * most sure of, and a student trained from a random start uses them beside the same N_L true
 * labels (`npm run train -- ... --pseudo FILE`). This is classification EM (Celeux & Govaert 1992)
 * run by rounds: the DRMM's own EG step already takes, for an unlabelled image, the class of
 * largest posterior (the hard E-step) and fits the rendering from it; here that choice is frozen
 * for the images where the teacher is most confident, so that they train the classifier as labels.
 *
 *   npx tsx --import ./scripts/raw-loader.mjs scripts/pseudo-label.ts --model runs/TEACHER.drmm [--model ...] --per-class K|auto [--grid 500,1000,...] --out runs/NAME.pseudo.json
 *
 * Several --model files make one teacher: the mean of their posteriors (an ensemble), allowed only
 * when every one was trained with the same labelled images and validation split.
 * With --propagate, the classes come from label propagation over a k-nearest-neighbour graph of
 * the teacher's top-level features (lib/labelPropagation.ts), seeded with the N_L labels and the
 * teacher's posteriors: a digit's neighbours vote, so the classes follow the data's clusters.
 * The images labelled: for each class c, the K pool images predicted c with the largest p(c | I)
 * (with --propagate: the largest share of F's row) (never one of the N_L labelled images, never a
 * validation image). No training label of a pool or validation image is read, except to print
 * the validation accuracy and the precision estimates: for each K of the grid, the same rule
 * applied to the validation images (per class, the same fraction of the images predicted c, most
 * confident first) estimates the pseudo-labels' precision. A K above every class's count takes
 * every pool image (what the shipped self-trained model used, chosen on the students' validation
 * accuracy: docs/TRAINING.md, "Self-training").
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { GpuEngine } from '../src/engine/gpuEngine';
import { readModelFile } from '../src/engine/modelFile';
import { parseRunConfig } from '../src/engine/train/config';
import { gather, floatSplit, scheduleFor, trainingPool, validationIndices } from '../src/engine/train/data';
import { affinity, knn, project, propagate } from './lib/labelPropagation';
import { loadSplit } from './lib/mnistNode';
import { nodeDevice } from './lib/nodeGpu';

const { values: a } = parseArgs({ options: {
  model: { type: 'string', multiple: true }, 'per-class': { type: 'string' },
  // Label propagation over the teacher's top-level features (lib/labelPropagation.ts) and its settings.
  propagate: { type: 'boolean', default: false }, knn: { type: 'string', default: '10' }, alpha: { type: 'string', default: '0.99' },
  iterations: { type: 'string', default: '100' }, dims: { type: 'string', default: '128' }, 'projection-seed': { type: 'string', default: '1' }, grid: { type: 'string', default: '500,1000,2000,3000,4000,5000' }, out: { type: 'string' } } });
const fail = (msg: string): never => {
  console.error(`pseudo-label: ${msg}`);
  process.exit(2);
};
if (!a.model?.length || !a.out) fail('usage: --model TEACHER.drmm --per-class K --out NAME.pseudo.json');
// auto: the largest K of the grid whose validation estimate is within AUTO_MARGIN of the grid's best.
const AUTO_MARGIN = 0.005;
const auto = a['per-class'] === 'auto';
let K = auto ? 0 : Number(a['per-class'] ?? NaN);
if (!auto && (!Number.isInteger(K) || K < 1)) fail(`--per-class must be a positive integer or auto, got ${a['per-class']}`);
const grid = a.grid!.split(',').map(Number);
if (grid.some((k) => !Number.isInteger(k) || k < 1)) fail(`--grid must be positive integers, got ${a.grid}`);

function readTeacher(name: string): { bytes: Buffer; file: ReturnType<typeof readModelFile> } {
  try {
    const bytes = fs.readFileSync(path.resolve(name));
    return { bytes, file: readModelFile(bytes) };
  } catch (e) {
    return fail(`${name}: ${(e as Error).message}`);
  }
}
const teachers = a.model!.map((name) => ({ name, ...readTeacher(name) }));
const configs = teachers.map(({ name, file }) => {
  const training = file.training as Record<string, unknown> | null;
  if (!training || training.mode !== 'semi-supervised') fail(`${name} is not a semi-supervised run`);
  return parseRunConfig(training!);
});
const config = configs[0];
if (!config.data.validation.count) fail(`${a.model![0]} holds no validation split out: nothing to choose K on`);

const train = loadSplit('train');
const split = floatSplit(train.images, train.labels);
const labelled = scheduleFor(config, train.labels).labelledSubset!;
// An ensemble's members must share the labelled images and the validation split (else it knows labels the student is not given).
configs.forEach((c, k) => {
  if (JSON.stringify(c.data.validation) !== JSON.stringify(config.data.validation) || JSON.stringify(Array.from(scheduleFor(c, train.labels).labelledSubset!)) !== JSON.stringify(Array.from(labelled)))
    fail(`${teachers[k].name} was trained with other labelled images or another validation split than ${teachers[0].name}`);
});
const isLabelled = new Set(labelled);
const candidates = Array.from(trainingPool(config, train.labels)).filter((i) => !isLabelled.has(i));
const validation = validationIndices(config);

const setting = (name: string, v: string | undefined, ok: (x: number) => boolean): number => {
  const x = Number(v);
  if (!ok(x)) fail(`--${name} is out of range: ${v}`);
  return x;
};
const lp = a.propagate
  ? {
      k: setting('knn', a.knn, (x) => Number.isInteger(x) && x >= 1 && x < 1000), alpha: setting('alpha', a.alpha, (x) => x > 0 && x < 1),
      iterations: setting('iterations', a.iterations, (x) => Number.isInteger(x) && x >= 1), dims: setting('dims', a.dims, (x) => Number.isInteger(x) && x >= 2),
      seed: setting('projection-seed', a['projection-seed'], Number.isInteger),
    }
  : null;
if (lp && teachers.length > 1) fail('--propagate takes one teacher (its features make the graph)');

const { device, adapter } = await nodeDevice();
const C = teachers[0].file.spec.classes;
const engines = await Promise.all(teachers.map(({ file }) => GpuEngine.create(device, file.spec, file.params, { maxBatch: 250 })));
const N = Math.min(config.data.trainCount, train.count);
/**
 * The teacher's posterior (the members' mean) for every training image, and with `withFeatures`
 * its top level's map (the first member's) as features. No label is read.
 */
async function posteriors(withFeatures: boolean): Promise<{ probs: Float32Array; features: Float32Array | null; dim: number }> {
  const probs = new Float32Array(N * C);
  let features: Float32Array | null = null;
  let dim = 0;
  const all = Uint32Array.from({ length: N }, (_, i) => i);
  for (let first = 0; first < N; first += 250) {
    const m = Math.min(250, N - first);
    const { images } = gather(split, all, first, m);
    for (const [k, engine] of engines.entries()) {
      let p: Float32Array;
      if (withFeatures && k === 0) {
        engine.core.run({ images, n: m });
        const f = await engine.core.readForward(0, m, true);
        const top = f.levels[f.levels.length - 1].x;
        if (!features) {
          dim = top.length / m;
          features = new Float32Array(N * dim);
        }
        features.set(top.subarray(0, m * dim), first * dim);
        p = f.probs;
      } else p = (await engine.classify(images, m)).probs;
      for (let j = 0; j < m * C; j++) probs[first * C + j] += p[j] / engines.length;
    }
  }
  return { probs, features, dim };
}

/** Each image's class (argmax) and its share of the row's mass. */
function decide(rows: ArrayLike<number>, n: number): { pred: Int32Array; conf: Float32Array } {
  const pred = new Int32Array(n);
  const conf = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let sum = 0;
    for (let c = 0; c < C; c++) {
      sum += rows[i * C + c];
      if (rows[i * C + c] > rows[i * C + best]) best = c;
    }
    pred[i] = best;
    conf[i] = rows[i * C + best] / (sum || 1);
  }
  return { pred, conf };
}
const pick = (d: { pred: Int32Array; conf: Float32Array }, idx: ArrayLike<number>) => ({ pred: Int32Array.from(idx, (i) => d.pred[i]), conf: Float32Array.from(idx, (i) => d.conf[i]) });
const valAccuracy = (d: { pred: Int32Array }) => Array.from(validation).filter((i) => d.pred[i] === train.labels[i]).length / validation.length;

/** Per class, the positions of the images predicted c, most confident first. */
function ranked(pred: Int32Array, conf: Float32Array, classes: number): number[][] {
  const by: number[][] = Array.from({ length: classes }, () => []);
  for (let i = 0; i < pred.length; i++) by[pred[i]].push(i);
  for (const list of by) list.sort((x, y) => conf[y] - conf[x] || x - y);
  return by;
}

const t0 = performance.now();
const post = await posteriors(!!lp);
engines.forEach((e) => e.destroy());
const byTeacher = decide(post.probs, N);
console.log(`adapter: ${adapter}; teacher ${a.model!.join(' + ')}: ${N} training images classified in ${((performance.now() - t0) / 1000).toFixed(0)} s; its validation accuracy ${(100 * valAccuracy(byTeacher)).toFixed(2)}%`);
let chosen = byTeacher;
if (lp) {
  // The seed Y: the N_L labelled images' own classes (one-hot), the teacher's posterior for every other image.
  const Y = Float64Array.from(post.probs);
  for (const i of labelled) for (let c = 0; c < C; c++) Y[i * C + c] = c === train.labels[i] ? 1 : 0;
  const t1 = performance.now();
  const z = project(post.features!, N, post.dim, lp.dims, lp.seed);
  const g = knn(z, N, lp.dims, lp.k);
  const F = propagate(affinity(g), Y, C, lp.alpha, lp.iterations);
  chosen = decide(F, N);
  console.log(`label propagation (${post.dim} features projected to ${lp.dims}, k = ${lp.k}, alpha ${lp.alpha}, ${lp.iterations} iterations) in ${((performance.now() - t1) / 1000).toFixed(0)} s: validation accuracy ${(100 * valAccuracy(chosen)).toFixed(2)}%`);
}
const pool = pick(chosen, candidates);
const val = pick(chosen, validation);
const poolRank = ranked(pool.pred, pool.conf, C);
const valRank = ranked(val.pred, val.conf, C);

/** The validation estimate of the precision of taking the top k per class of the pool. */
function estimate(k: number): { taken: number; precision: number } {
  let taken = 0;
  let right = 0;
  for (let c = 0; c < C; c++) {
    const frac = Math.min(1, k / Math.max(1, poolRank[c].length));
    const top = valRank[c].slice(0, Math.round(frac * valRank[c].length));
    taken += top.length;
    right += top.filter((i) => train.labels[validation[i]] === c).length;
  }
  return { taken, precision: taken ? right / taken : NaN };
}

console.log(`pool images predicted as each class: ${poolRank.map((l) => l.length).join(' ')}`);
console.log('validation estimate of the pseudo-labels\' precision (per class, the same fraction of the validation images predicted c, most confident first):');
const estimates = [...new Set(auto ? grid : [...grid, K])].sort((x, y) => x - y).map((k) => ({ k, ...estimate(k) }));
for (const e of estimates) console.log(`  top ${e.k} a class: ${e.taken} validation images, ${(100 * e.precision).toFixed(2)}% right`);
if (auto) {
  // A K that takes no validation image has no estimate.
  const known = estimates.filter((e) => e.taken > 0);
  if (!known.length) fail('no K of the grid takes any validation image: nothing to choose K on');
  const best = Math.max(...known.map((e) => e.precision));
  K = Math.max(...known.filter((e) => e.precision >= best - AUTO_MARGIN).map((e) => e.k));
  console.log(`auto: top ${K} a class (the largest K within ${100 * AUTO_MARGIN} points of the best estimate, ${(100 * best).toFixed(2)}%)`);
}

const indices: number[] = [];
const labels: number[] = [];
for (let c = 0; c < C; c++) {
  if (poolRank[c].length < K) console.log(`note: only ${poolRank[c].length} pool images are predicted ${c}; all are taken`);
  for (const i of poolRank[c].slice(0, K)) {
    indices.push(candidates[i]);
    labels.push(c);
  }
}
if (!indices.length) fail('no pool image was labelled');
const est = estimate(K);
const record = {
  teacher: teachers.map((t) => path.basename(t.name)).join(' + ') + (lp ? ' with label propagation' : ''),
  teacherSha256: teachers.map((t) => crypto.createHash('sha256').update(t.bytes).digest('hex')).join(' + '),
  perClass: K,
  perClassChosen: auto ? `auto: the largest K of ${grid.join(', ')} whose validation estimate is within ${100 * AUTO_MARGIN} points of the best` : 'given',
  ...(lp ? { propagation: lp } : {}),
  count: indices.length,
  labelledIndices: Array.from(labelled),
  validation: config.data.validation,
  validationPrecision: est.precision,
  validationImagesInEstimate: est.taken,
  indices,
  labels,
};
fs.writeFileSync(path.resolve(a.out!), JSON.stringify(record) + '\n');
console.log(`wrote ${a.out}: ${indices.length} pseudo-labels (top ${K} a class), validation-estimated precision ${(100 * est.precision).toFixed(2)}%`);
device.destroy();
process.exit(0);
