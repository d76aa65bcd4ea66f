/**
 * A figure of what `npm run eval`'s rendering figures measure: for the first N test digits, the
 * digit, then its rendering from each of the ten classes through the digit's own switches (the
 * `rendering` backtrace of the CPU reference, pixels clipped to [0, 1], dark = 1), one row a digit.
 * It prints, per digit, which class's rendering has the lowest squared error.
 *
 *   npx tsx --import ./scripts/raw-loader.mjs scripts/rendering-grid.ts MODEL.drmm OUT.png [--digits 10]
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { readModelFile } from '../src/engine/modelFile';
import { backtrace, forward } from '../src/engine/reference/pipeline';
import { loadSplit } from './lib/mnistNode';
import { greyPng } from './lib/png';

const { values: a, positionals } = parseArgs({ allowPositionals: true, options: { digits: { type: 'string', default: '10' } } });
const fail = (msg: string): never => {
  console.error(`rendering-grid: ${msg}`);
  process.exit(2);
};
if (positionals.length !== 2) fail('usage: rendering-grid MODEL.drmm OUT.png [--digits N]');
const N = Number(a.digits);
if (!Number.isInteger(N) || N < 1 || N > 100) fail(`--digits must be an integer from 1 to 100, got ${a.digits}`);
const file = readModelFile(fs.readFileSync(positionals[0]));
if (file.spec.input.channels !== 1 || file.spec.input.height !== 28 || file.spec.input.width !== 28 || file.spec.classes !== 10) fail('the model must take 28x28 grey images and have 10 classes');

const test = loadSplit('test');
const D = 784;
const SCALE = 3;
const CELL = 28 * SCALE + 4;
const W = CELL * 11;
const H = CELL * N;
const grey = new Uint8Array(W * H).fill(128);
const x = test.images.subarray(0, N * D);
const put = (row: number, col: number, v: ArrayLike<number>) => {
  for (let y = 0; y < 28 * SCALE; y++)
    for (let xx = 0; xx < 28 * SCALE; xx++)
      grey[(row * CELL + 2 + y) * W + col * CELL + 2 + xx] = Math.round(255 * (1 - Math.min(1, Math.max(0, v[Math.floor(y / SCALE) * 28 + Math.floor(xx / SCALE)]))));
};
for (let i = 0; i < N; i++) put(i, 0, x.subarray(i * D, (i + 1) * D));
const fwd = forward(file.spec, file.params, x, N);
const err: number[][] = Array.from({ length: N }, () => []);
for (let c = 0; c < 10; c++) {
  const bt = backtrace(file.spec, file.params, fwd, { kind: 'class', classes: new Array(N).fill(c) }, 'rendering');
  for (let i = 0; i < N; i++) {
    const px = bt.pixels.subarray(i * D, (i + 1) * D);
    put(i, c + 1, px);
    let e = 0;
    for (let j = 0; j < D; j++) e += (x[i * D + j] - px[j]) ** 2;
    err[i].push(e);
  }
}
fs.writeFileSync(positionals[1], greyPng(W, H, grey));
for (let i = 0; i < N; i++) {
  const best = err[i].indexOf(Math.min(...err[i]));
  console.log(`digit ${i}: label ${test.labels[i]}, predicted ${fwd.pred[i]}, lowest squared error from class ${best} (${err[i][best].toFixed(1)}; its own class ${err[i][test.labels[i]].toFixed(1)})`);
}
console.log(`wrote ${positionals[1]}: columns the digit, then classes 0-9`);
