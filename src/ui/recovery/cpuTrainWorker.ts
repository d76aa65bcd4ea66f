/**
 * The CPU trainer in a Web Worker, so the page stays responsive while the reference computes
 * (half a second and more a step). Messages in: init (the model, the subset, the test digits),
 * measure, run, pause, reset; out: what cpuTrainHost.ts puts in the store. Between steps the
 * worker yields, so a pause is seen after the current step.
 */
import type { ModelParams, ModelSpec } from '../../engine/model';
import type { LossTerms } from '../../engine/reference/train';
import { CpuTrainer, type CpuTrainConfig } from './cpuTrainer';

export type ToWorker =
  | { type: 'init'; spec: ModelSpec; params: ModelParams; images: Float32Array; labels: Int32Array; testImages: Float32Array; testLabels: Int32Array; config: CpuTrainConfig }
  | { type: 'measure' }
  | { type: 'run'; untilStep: number }
  | { type: 'pause' };

export type FromWorker =
  | { type: 'ready'; stepsPerEpoch: number }
  | { type: 'measured'; stepMs: number }
  | { type: 'step'; step: number; epoch: number; stepInEpoch: number; terms: LossTerms; ms: number }
  | { type: 'weights'; step: number; params: ModelParams }
  | { type: 'eval'; step: number; accuracy: number; count: number }
  | { type: 'stopped'; step: number; params: ModelParams; finished: boolean }
  | { type: 'error'; message: string };

const WEIGHTS_EVERY_MS = 5000;

let trainer: CpuTrainer | null = null;
let init: Extract<ToWorker, { type: 'init' }> | null = null;
let running = false;
let stop = false;

const post = (m: FromWorker) => (self as unknown as { postMessage(m: FromWorker): void }).postMessage(m);
const yieldNow = () => new Promise<void>((r) => setTimeout(r, 0));

async function run(untilStep: number): Promise<void> {
  if (!trainer || !init || running) return;
  running = true;
  stop = false;
  let lastWeights = performance.now();
  try {
    while (!stop && trainer.steps < untilStep) {
      const s = trainer.next();
      post({ type: 'step', ...s });
      if (s.stepInEpoch === trainer.stepsPerEpoch) {
        const count = init.testLabels.length;
        post({ type: 'eval', step: s.step, accuracy: await trainer.evaluate(init.testImages, init.testLabels, count, yieldNow), count });
      }
      if (performance.now() - lastWeights >= WEIGHTS_EVERY_MS) {
        lastWeights = performance.now();
        post({ type: 'weights', step: trainer.steps, params: trainer.weights() });
      }
      await yieldNow();
    }
    post({ type: 'stopped', step: trainer.steps, params: trainer.weights(), finished: trainer.steps >= untilStep });
  } catch (e) {
    post({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  } finally {
    running = false;
  }
}

self.onmessage = (ev: MessageEvent<ToWorker>) => {
  const m = ev.data;
  try {
    if (m.type === 'init') {
      init = m;
      trainer = new CpuTrainer(m.spec, m.params, { images: m.images, labels: m.labels }, m.config);
      post({ type: 'ready', stepsPerEpoch: trainer.stepsPerEpoch });
    } else if (m.type === 'measure' && init) {
      // Two steps on a copy (the first warms up the JIT); the run's own weights are untouched.
      const probe = new CpuTrainer(init.spec, init.params, { images: init.images, labels: init.labels }, init.config);
      probe.next();
      post({ type: 'measured', stepMs: probe.next().ms });
    } else if (m.type === 'run') {
      void run(m.untilStep);
    } else if (m.type === 'pause') {
      stop = true;
    }
  } catch (e) {
    post({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  }
};
