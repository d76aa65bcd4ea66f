/**
 * Self-training's E-step in stages: a semi-supervised teacher model labels the pool images it is
 * most sure of, and a student trained from a random start uses them beside the same N_L true
 * labels (`npm run train -- ... --pseudo FILE`). This is classification EM (Celeux & Govaert 1992)
 * run by rounds: the DRMM's own EG step already takes, for an unlabelled image, the class of
 * largest posterior (the hard E-step) and fits the rendering from it; here that choice is frozen
 * for the images where the teacher is most confident, so that they train the classifier as labels.
 *
 *   npx tsx --import ./scripts/raw-loader.mjs scripts/pseudo-label.ts --model runs/TEACHER.drmm --per-class K [--grid 500,1000,...] --out runs/NAME.pseudo.json
 *
 * The images labelled: for each class c, the K pool images predicted c with the largest p(c | I)
 * (never one of the N_L labelled images, never a validation image). No training label of a pool
 * image is read. How many to take is chosen on the validation split only: for each K of the grid,
 * the same rule applied to the validation images (per class, the same fraction of the images
 * predicted c, most confident first) estimates the precision of the pseudo-labels.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { GpuEngine } from '../src/engine/gpuEngine';
import { readModelFile } from '../src/engine/modelFile';
import { parseRunConfig } from '../src/engine/train/config';
import { gather, floatSplit, scheduleFor, trainingPool, validationIndices } from '../src/engine/train/data';
import { loadSplit } from './lib/mnistNode';
import { nodeDevice } from './lib/nodeGpu';

const { values: a } = parseArgs({ options: { model: { type: 'string' }, 'per-class': { type: 'string' }, grid: { type: 'string', default: '500,1000,2000,3000,4000,5000' }, out: { type: 'string' } } });
const fail = (msg: string): never => {
  console.error(`pseudo-label: ${msg}`);
  process.exit(2);
};
if (!a.model || !a.out) fail('usage: --model TEACHER.drmm --per-class K --out NAME.pseudo.json');
const K = Number(a['per-class'] ?? NaN);
if (!Number.isInteger(K) || K < 1) fail(`--per-class must be a positive integer, got ${a['per-class']}`);
const grid = a.grid!.split(',').map(Number);
if (grid.some((k) => !Number.isInteger(k) || k < 1)) fail(`--grid must be positive integers, got ${a.grid}`);

function readTeacher(): { bytes: Buffer; file: ReturnType<typeof readModelFile> } {
  try {
    const bytes = fs.readFileSync(path.resolve(a.model!));
    return { bytes, file: readModelFile(bytes) };
  } catch (e) {
    return fail(`${a.model}: ${(e as Error).message}`);
  }
}
const { bytes, file } = readTeacher();
const training = file.training as Record<string, unknown> | null;
if (!training || training.mode !== 'semi-supervised') fail(`${a.model} is not a semi-supervised run`);
const config = parseRunConfig(training!);
if (!config.data.validation.count) fail(`${a.model} holds no validation split out: nothing to choose K on`);

const train = loadSplit('train');
const split = floatSplit(train.images, train.labels);
const labelled = scheduleFor(config, train.labels).labelledSubset!;
const isLabelled = new Set(labelled);
const candidates = Array.from(trainingPool(config, train.labels)).filter((i) => !isLabelled.has(i));
const validation = validationIndices(config);

const { device, adapter } = await nodeDevice();
const engine = await GpuEngine.create(device, file.spec, file.params, { maxBatch: 250 });
/** The teacher's class and its posterior for each of `indices` (no label is read). */
async function classify(indices: ArrayLike<number>): Promise<{ pred: Int32Array; conf: Float32Array }> {
  const n = indices.length;
  const pred = new Int32Array(n);
  const conf = new Float32Array(n);
  const C = file.spec.classes;
  for (let first = 0; first < n; first += 250) {
    const m = Math.min(250, n - first);
    const { images } = gather(split, indices, first, m);
    const r = await engine.classify(images, m);
    for (let i = 0; i < m; i++) {
      pred[first + i] = r.pred[i];
      conf[first + i] = r.probs[i * C + r.pred[i]];
    }
  }
  return { pred, conf };
}

/** Per class, the positions of the images predicted c, most confident first. */
function ranked(pred: Int32Array, conf: Float32Array, classes: number): number[][] {
  const by: number[][] = Array.from({ length: classes }, () => []);
  for (let i = 0; i < pred.length; i++) by[pred[i]].push(i);
  for (const list of by) list.sort((x, y) => conf[y] - conf[x] || x - y);
  return by;
}

const t0 = performance.now();
const pool = await classify(candidates);
const val = await classify(validation);
engine.destroy();
const C = file.spec.classes;
const poolRank = ranked(pool.pred, pool.conf, C);
const valRank = ranked(val.pred, val.conf, C);

/** The validation estimate of the precision of taking the top k per class of the pool. */
function estimate(k: number): { taken: number; precision: number; predicted: number[] } {
  let taken = 0;
  let right = 0;
  for (let c = 0; c < C; c++) {
    const frac = Math.min(1, k / Math.max(1, poolRank[c].length));
    const top = valRank[c].slice(0, Math.round(frac * valRank[c].length));
    taken += top.length;
    right += top.filter((i) => train.labels[validation[i]] === c).length;
  }
  return { taken, precision: taken ? right / taken : NaN, predicted: poolRank.map((l) => l.length) };
}

console.log(`adapter: ${adapter}; teacher ${a.model}: ${candidates.length} pool images without labels and ${validation.length} validation images classified in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
console.log(`pool images predicted as each class: ${poolRank.map((l) => l.length).join(' ')}`);
console.log('validation estimate of the pseudo-labels\' precision (per class, the same fraction of the validation images predicted c, most confident first):');
for (const k of [...new Set([...grid, K])].sort((x, y) => x - y)) {
  const e = estimate(k);
  console.log(`  top ${k} a class: ${e.taken} validation images, ${(100 * e.precision).toFixed(2)}% right`);
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
const est = estimate(K);
const record = {
  teacher: path.basename(a.model!),
  teacherSha256: crypto.createHash('sha256').update(bytes).digest('hex'),
  perClass: K,
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
