/**
 * A data-dependent initialisation for the NN-DRMM (`--nonnegative top-down`), written as a model
 * file for `npm run train -- --init FILE`:
 *
 *   npx tsx --import ./scripts/raw-loader.mjs scripts/nn-init.ts --seed 1 --out runs/nn-init-s1.drmm
 *
 * Why: the NN-DRMM keeps the templates of levels 2..L and the class templates >= 0, so that the
 * rendering's top-down signal is nonnegative at every level. Clipping He-normal templates at 0
 * (what projection at the start does) leaves half of them with a positive mean: every input of a
 * level above the first is a ReLU output (>= 0), so its pre-activation u = W x + b has a large
 * positive mean, nearly every switch is ON (the network above level 1 is then linear, and the
 * rendering is the same for every class but its template), and the scores start huge (the pilot
 * runs/nndrmm-pilot-s1 began at a cross-entropy of 7.5 and reached only 16.43% test error in an
 * epoch). Here, level by level from the bottom (as in Mishkin & Matas's LSUV, 2016):
 *
 *   W(l) <- |W(l)| (levels 2..L; level 1 paints the pixels and stays signed),
 *   then, over a batch of unlabelled training images, per channel c with pre-activation u_c:
 *   W(l)_c <- W(l)_c / std(u_c),   b(l)_c <- -mean(u_c - b_c) / std(u_c)
 *
 * so each channel's pre-activation starts with mean 0 and standard deviation 1 (about half of its
 * switches ON). The class templates get mu <- |mu| / std(score) and class biases that centre each
 * class's score. The batch comes from the training pool of a run with 1,000 validation images
 * held out (the same split as the semi-supervised runs), and no label is read.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PRESETS, initParams, shapesOf, type ModelParams, type PresetName } from '../src/engine/model';
import { writeModelFile } from '../src/engine/modelFile';
import { forward } from '../src/engine/reference/pipeline';
import { defaultRunConfig } from '../src/engine/train/config';
import { trainingPool } from '../src/engine/train/data';
import { loadSplit } from './lib/mnistNode';

const { values: a } = parseArgs({
  options: { preset: { type: 'string', default: 'drmm-compact' }, seed: { type: 'string', default: '1' }, images: { type: 'string', default: '512' }, out: { type: 'string' } },
});
const fail = (msg: string): never => {
  console.error(`nn-init: ${msg}`);
  process.exit(2);
};
if (!a.out) fail('--out FILE is required');
if (!(a.preset! in PRESETS)) fail(`--preset must be one of ${Object.keys(PRESETS).join(', ')}`);
const seed = Number(a.seed);
const count = Number(a.images);
if (!Number.isInteger(seed) || !Number.isInteger(count) || count < 16) fail('--seed must be an integer and --images an integer >= 16');

const spec = PRESETS[a.preset as PresetName];
const shapes = shapesOf(spec);
const train = loadSplit('train');
const pool = trainingPool(defaultRunConfig('semi-supervised', { seed, data: { source: 'mnist', trainCount: 60000, validation: { count: 1000, seed: defaultRunConfig().data.validation.seed }, subset: null } }), train.labels);
const images = new Float32Array(count * 784);
for (let i = 0; i < count; i++) images.set(train.images.subarray(pool[i] * 784, pool[i] * 784 + 784), i * 784);

/** Mean and standard deviation per channel of an NCHW map. */
function channelStats(u: Float64Array, n: number, c: number, hw: number): { mean: number; std: number }[] {
  return Array.from({ length: c }, (_, ch) => {
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < hw; j++) {
        const v = u[(i * c + ch) * hw + j];
        s += v;
        s2 += v * v;
      }
    const m = s / (n * hw);
    return { mean: m, std: Math.sqrt(Math.max(s2 / (n * hw) - m * m, 1e-12)) };
  });
}

const p: ModelParams = initParams(spec, seed);
shapes.levels.forEach((l, i) => {
  if (i > 0) p.weights[i] = p.weights[i].map(Math.abs);
  const u = forward(spec, p, images, count).levels[i].u;
  const per = l.cin * l.k * l.k;
  channelStats(u, count, l.c, l.hc * l.wc).forEach(({ mean, std }, ch) => {
    for (let j = 0; j < per; j++) p.weights[i][ch * per + j] /= std;
    p.biases[i][ch] = -(mean - p.biases[i][ch]) / std;
  });
});
p.mu = p.mu.map(Math.abs);
p.classBias.fill(0);
const scores = forward(spec, p, images, count).scores;
const C = spec.classes;
const classMeans = Array.from({ length: C }, (_, c) => {
  let s = 0;
  for (let i = 0; i < count; i++) s += scores[i * C + c];
  return s / count;
});
let v = 0;
for (let i = 0; i < count; i++) for (let c = 0; c < C; c++) v += (scores[i * C + c] - classMeans[c]) ** 2;
const std = Math.sqrt(v / (count * C));
p.mu = p.mu.map((x) => x / std);
classMeans.forEach((m, c) => (p.classBias[c] = -m / std));

// What the initialisation gives on the batch: the share of switches ON per level, and the scores' spread.
const check = forward(spec, p, images, count);
const on = check.levels.map((lv) => lv.a.reduce((s, x) => s + x, 0) / lv.a.length);
console.log(`switches ON per level: ${on.map((x) => `${(100 * x).toFixed(1)}%`).join(' / ')}; score std ${std.toFixed(3)} -> 1`);
const out = path.resolve(a.out!);
fs.writeFileSync(out, writeModelFile({ spec, preset: a.preset!, params: p, training: { mode: 'init', seed, note: `scripts/nn-init.ts: nonnegative templates above level 1 and class templates, data-dependent scale and bias over ${count} unlabelled images of the training pool` } }));
console.log(`wrote ${out}`);
