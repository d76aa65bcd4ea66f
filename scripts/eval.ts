/**
 * Test error of a model file over the MNIST test set, on the same engine and kernels as the page,
 * and the three figures that say whether it renders what it claims (src/engine/renderingFigures.ts:
 * negative top-down signal per level, the true class rendering best, counterfactuals recognised).
 *   npm run eval -- --model public/models/drmm-compact.drmm [--count N] [--figures-count N]
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { DrmmGpuEngine } from '../src/engine/gpu/engine';
import { GpuTrainer } from '../src/engine/gpu/trainer';
import { readModelFile } from '../src/engine/modelFile';
import { GpuEngine } from '../src/engine/gpuEngine';
import { renderingFigures } from '../src/engine/renderingFigures';
import { loadSplit } from './lib/mnistNode';
import { nodeDevice } from './lib/nodeGpu';

const { values } = parseArgs({ options: { model: { type: 'string' }, count: { type: 'string', default: '10000' }, 'figures-count': { type: 'string' } } });
if (!values.model) {
  console.error('eval: --model FILE is required');
  process.exit(2);
}
let file;
try {
  file = readModelFile(fs.readFileSync(values.model));
} catch (e) {
  console.error(`eval: ${values.model}: ${(e as Error).message}`);
  process.exit(2);
}
const { device, adapter } = await nodeDevice();
const test = loadSplit('test');
const count = Math.min(test.count, Number(values.count));
const engine = await DrmmGpuEngine.create(device, file.spec, file.params, { maxBatch: 250 });
const trainer = new GpuTrainer(engine);
const t0 = performance.now();
const r = await trainer.evaluate(test.images, test.labels, count);
const secs = (performance.now() - t0) / 1000;
console.log(`adapter: ${adapter}`);
console.log(`${values.model}: preset ${file.preset ?? '(none)'}, ${file.training?.mode ?? 'untrained'}, epoch ${file.training?.epoch ?? 0}`);
console.log(`test error ${(100 * (1 - r.accuracy)).toFixed(2)}% (${r.count - r.correct} of ${r.count} wrong) in ${secs.toFixed(1)} s`);
trainer.destroy();
engine.destroy();

// The rendering figures, on the same images (all of them unless --figures-count says fewer).
const fc = Math.min(count, Number(values['figures-count'] ?? count));
const facade = await GpuEngine.create(device, file.spec, file.params, { maxBatch: 250 });
const t1 = performance.now();
const f = await renderingFigures(facade, file.spec, test.images, test.labels, fc, 250);
facade.destroy();
const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
console.log(`rendering (the 'rendering' backtrace, ${fc} test images, ${((performance.now() - t1) / 1000).toFixed(1)} s):`);
console.log(`  top-down signal negative before the ReLU and mask (sr, at the units the signal reaches), per level: ${f.negativeShare.map((v, i) => `level ${i + 1} ${pct(v)}`).join(', ')}`);
console.log(`  the true class's rendering has the lowest squared error of the ${file.spec.classes}: ${pct(f.trueClassBest)} of images`);
console.log(`    (diagnostic, not a target: with each class's rendering first scaled by its least-squares factor, ${pct(f.trueClassBestScaled)})`);
console.log(`  counterfactual renderings (scaled by least squares, clipped to [0, 1]) classified as their class: ${pct(f.counterfactualRecognised)} of ${f.pairs} pairs`);
process.exit(0);
