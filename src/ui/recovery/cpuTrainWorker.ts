/**
 * The CPU training run in a Web Worker, so the page stays responsive while the reference computes
 * (half a second and more a step). Messages in: init (the model, the run's settings, the subset,
 * the test digits), measure, run, pause; out: what cpuTrainHost.ts puts in the store. Between
 * steps the worker yields, so a pause is seen after the current step.
 */
import type { ModelParams, ModelSpec } from '../../engine';
import type { RunConfig } from '../../engine/train';
import { CpuTrainRun } from '../../engine/train';
import { floatSplit, type RunData } from '../../engine/train';
import type { LogRecord } from '../../engine/train';
import { subsetSplit, type SubsetData } from './cpuTrainer';

export type ToWorker =
  | { type: 'init'; spec: ModelSpec; preset: string | null; params: ModelParams; config: RunConfig; subset: SubsetData; testImages: Float32Array; testLabels: Uint8Array }
  | { type: 'measure' }
  | { type: 'run'; untilStep: number }
  | { type: 'pause' };

export type FromWorker =
  | { type: 'ready'; stepsPerEpoch: number }
  | { type: 'measured'; stepMs: number }
  | { type: 'step'; step: number; epoch: number; stepInEpoch: number; row: LogRecord | null; ms: number }
  | { type: 'weights'; step: number; params: ModelParams }
  | { type: 'eval'; step: number; accuracy: number; count: number }
  | { type: 'stopped'; step: number; params: ModelParams; finished: boolean }
  | { type: 'error'; message: string };

const WEIGHTS_EVERY_MS = 5000;

let run: CpuTrainRun | null = null;
let init: Extract<ToWorker, { type: 'init' }> | null = null;
let running = false;
let stop = false;

const post = (m: FromWorker) => (self as unknown as { postMessage(m: FromWorker): void }).postMessage(m);
const yieldNow = () => new Promise<void>((r) => setTimeout(r, 0));

function data(m: Extract<ToWorker, { type: 'init' }>): RunData {
  return { train: subsetSplit(m.subset), test: floatSplit(m.testImages, m.testLabels) };
}

async function loop(untilStep: number): Promise<void> {
  if (!run || running) return;
  running = true;
  stop = false;
  let lastWeights = performance.now();
  try {
    while (!stop && run.progress.step < untilStep) {
      const t0 = performance.now();
      const r = await run.step();
      const p = run.progress;
      // The step's place as the panel counts it: an epoch's last step is step spe of that epoch.
      post({ type: 'step', step: p.step, epoch: r.epochEnd ? p.epoch - 1 : p.epoch, stepInEpoch: r.epochEnd ? run.stepsPerEpoch : p.stepInEpoch, row: r.row, ms: performance.now() - t0 });
      if (r.evaluated && typeof r.row?.testAccuracy === 'number') post({ type: 'eval', step: p.step, accuracy: r.row.testAccuracy, count: init!.testLabels.length });
      if (performance.now() - lastWeights >= WEIGHTS_EVERY_MS) {
        lastWeights = performance.now();
        post({ type: 'weights', step: p.step, params: await run.params() });
      }
      await yieldNow();
    }
    post({ type: 'stopped', step: run.progress.step, params: await run.params(), finished: run.progress.step >= untilStep });
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
      run = CpuTrainRun.create(m.spec, m.preset, m.config, data(m), { params: m.params });
      post({ type: 'ready', stepsPerEpoch: run.stepsPerEpoch });
    } else if (m.type === 'measure' && init) {
      // Two steps on a copy (the first warms up the JIT); the run's own weights are untouched.
      const probe = CpuTrainRun.create(init.spec, init.preset, init.config, data(init), { params: init.params });
      void (async () => {
        await probe.step();
        const t0 = performance.now();
        await probe.step();
        post({ type: 'measured', stepMs: performance.now() - t0 });
      })().catch((e) => post({ type: 'error', message: e instanceof Error ? e.message : String(e) }));
    } else if (m.type === 'run') {
      void loop(m.untilStep);
    } else if (m.type === 'pause') {
      stop = true;
    }
  } catch (e) {
    post({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  }
};
