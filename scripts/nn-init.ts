/**
 * Writes the NN-DRMM's data-dependent initialisation (src/engine/train/nnInit.ts: why, and the
 * math) as a model file for `npm run train -- --init FILE --nonnegative top-down`:
 *
 *   npx tsx --import ./scripts/raw-loader.mjs scripts/nn-init.ts --seed 1 --out runs/nn-init-s1.drmm
 *
 * The images it scales on are the first `--images` (512) of the training pool of a run with 1,000
 * validation images held out (the same split as the semi-supervised runs); no label is read.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PRESETS, type PresetName } from '../src/engine/model';
import { writeModelFile } from '../src/engine/modelFile';
import { forward } from '../src/engine/reference/pipeline';
import { VALIDATION_SEED, defaultRunConfig } from '../src/engine/train/config';
import { trainingPool } from '../src/engine/train/data';
import { nonnegativeInit } from '../src/engine/train/nnInit';
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
const train = loadSplit('train');
const config = defaultRunConfig('semi-supervised', { seed, data: { source: 'mnist', trainCount: 60000, validation: { count: 1000, seed: VALIDATION_SEED }, subset: null } });
const pool = trainingPool(config, train.labels);
const images = new Float32Array(count * 784);
for (let i = 0; i < count; i++) images.set(train.images.subarray(pool[i] * 784, pool[i] * 784 + 784), i * 784);

const p = nonnegativeInit(spec, seed, images, count);
// What the initialisation gives on the batch: the share of switches ON per level.
const on = forward(spec, p, images, count).levels.map((lv) => lv.a.reduce((s, x) => s + x, 0) / lv.a.length);
console.log(`switches ON per level: ${on.map((x) => `${(100 * x).toFixed(1)}%`).join(' / ')}`);
const out = path.resolve(a.out!);
fs.writeFileSync(out, writeModelFile({ spec, preset: a.preset!, params: p, training: { mode: 'init', seed, note: `scripts/nn-init.ts: nonnegative templates above level 1 and class templates, data-dependent scale and bias over ${count} unlabelled images of the training pool` } }));
console.log(`wrote ${out}`);
