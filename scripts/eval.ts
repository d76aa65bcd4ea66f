/**
 * Test error of a model file over the MNIST test set, on the same engine and kernels as the page.
 *   npm run eval -- --model public/models/drmm-compact.drmm
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { DrmmGpuEngine } from '../src/engine/gpu/engine';
import { GpuTrainer } from '../src/engine/gpu/trainer';
import { readModelFile } from '../src/engine/modelFile';
import { loadSplit } from './lib/mnistNode';
import { nodeDevice } from './lib/nodeGpu';

const { values } = parseArgs({ options: { model: { type: 'string' }, count: { type: 'string', default: '10000' } } });
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
process.exit(0);
