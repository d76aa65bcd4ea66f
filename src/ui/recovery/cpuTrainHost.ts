/**
 * Training without WebGPU, for the page: one Web Worker running the CPU trainer (cpuTrainWorker.ts)
 * on the model in use, a class-balanced subset of CPU_SUBSET training digits at batch CPU_BATCH.
 * What it reports goes into the store's `cpuTrain`; every few seconds and when it stops, the
 * weights are installed as the model in use (engineHost.setModelParams), so the panels follow.
 */
import { setModelParams } from '../engineHost';
import { fitsMnist } from '../controller';
import { defaultWeights } from '../train/logic';
import { appStore, type AppStore } from '../store';
import type { ModelParams, ModelSpec, PresetName } from '../../engine';
import { CPU_BATCH, CPU_SUBSET, CPU_TEST, takeSubset } from './cpuTrainer';
import type { FromWorker, ToWorker } from './cpuTrainWorker';

let worker: Worker | null = null;
let model: { spec: ModelSpec; preset: PresetName | null } | null = null;
/** Model versions of CPU-trained weights: a range apart from the controller's and in-page training's. */
let version = 2_000_000;
/** The version last installed from here, or the version the run started from: another one means the user chose another model. */
let ours = -1;
let stepMsSum = 0;
let stepCount = 0;

const send = (m: ToWorker, transfer: Transferable[] = []) => worker?.postMessage(m, transfer);

async function publish(store: AppStore, params: ModelParams, step: number): Promise<void> {
  if (!model || store.getState().modelVersion !== ours) return; // another model was chosen: leave it
  const v = ++version;
  const info = await setModelParams(model.spec, params, v);
  const s = store.getState();
  s.installModel({
    presetName: model.preset,
    spec: model.spec,
    params,
    source: { kind: 'file', fileName: 'CPU training', preset: model.preset, trained: true, summary: `trained on the CPU: ${step} steps of ${CPU_BATCH} digits from a ${CPU_SUBSET.toLocaleString('en')}-digit subset` },
    modelVersion: v,
    engineBackend: info.backend,
    engineNote: info.note,
  });
  ours = v;
}

function onMessage(store: AppStore, m: FromWorker): void {
  const patch = store.getState().patchCpuTrain;
  const t = store.getState().cpuTrain;
  switch (m.type) {
    case 'ready':
      patch({ status: 'measuring', stepsPerEpoch: m.stepsPerEpoch });
      send({ type: 'measure' });
      break;
    case 'measured':
      patch({ status: 'ready', stepMs: m.stepMs });
      break;
    case 'step':
      stepMsSum += m.ms;
      stepCount++;
      patch({ step: m.step, epoch: m.epoch, stepInEpoch: m.stepInEpoch, stepMs: stepMsSum / stepCount, loss: { total: m.terms.total, ce: m.terms.ce, rc: m.terms.rc, nn: m.terms.nn } });
      break;
    case 'eval':
      patch({ accuracy: { value: m.accuracy, step: m.step, count: m.count }, epoch: Math.floor(m.step / Math.max(1, t.stepsPerEpoch)) });
      break;
    case 'weights':
      void publish(store, m.params, m.step);
      break;
    case 'stopped':
      patch({ status: 'paused', message: m.finished ? `Finished epoch ${Math.floor(m.step / Math.max(1, t.stepsPerEpoch))} of the subset. Start again for another.` : null });
      void publish(store, m.params, m.step);
      break;
    case 'error':
      patch({ status: 'error', message: `CPU training stopped: ${m.message}` });
      break;
  }
}

/** Starts the worker on the model in use and the subset, then measures the speed. */
export function prepareCpuTraining(store: AppStore = appStore): void {
  const s = store.getState();
  const patch = s.patchCpuTrain;
  if (worker) return;
  if (!s.train) return patch({ status: 'error', message: 'The training digits are still loading.' });
  if (!fitsMnist(s.spec)) return patch({ status: 'error', message: 'The model in use does not take 28x28 digits.' });
  patch({ status: 'preparing', message: null, subset: CPU_SUBSET, batch: CPU_BATCH, step: 0, epoch: 0, stepInEpoch: 0, loss: null, accuracy: null, stepMs: null });
  try {
    worker = new Worker(new URL('./cpuTrainWorker.ts', import.meta.url), { type: 'module', name: 'drmm-cpu-training' });
  } catch (e) {
    patch({ status: 'error', message: `The training worker could not be started: ${e instanceof Error ? e.message : String(e)}` });
    return;
  }
  worker.onmessage = (ev: MessageEvent<FromWorker>) => onMessage(store, ev.data);
  worker.onerror = (ev) => {
    ev.preventDefault();
    patch({ status: 'error', message: `The training worker failed: ${ev.message || 'it could not be loaded'}` });
  };
  const sub = takeSubset(s.train.pixels, s.train.labels, CPU_SUBSET, 1);
  const test = s.test ? takeSubset(s.test.pixels, s.test.labels, CPU_TEST, 2) : { images: new Float32Array(0), labels: new Int32Array(0) };
  model = { spec: s.spec, preset: s.presetName };
  ours = s.modelVersion;
  stepMsSum = 0;
  stepCount = 0;
  send(
    { type: 'init', spec: s.spec, params: s.params, images: sub.images, labels: sub.labels, testImages: test.images, testLabels: test.labels, config: { lr: 1e-3, weights: defaultWeights('supervised'), batch: CPU_BATCH, seed: 1 } },
    [sub.images.buffer, sub.labels.buffer, test.images.buffer, test.labels.buffer],
  );
}

/** Trains to the end of the next epoch of the subset (or pauses). */
export function startCpuTraining(store: AppStore = appStore): void {
  const t = store.getState().cpuTrain;
  if (!worker || !['ready', 'paused'].includes(t.status)) return;
  const spe = Math.max(1, t.stepsPerEpoch);
  const untilStep = (Math.floor(t.step / spe) + 1) * spe;
  store.getState().patchCpuTrain({ status: 'running', untilStep, message: null });
  // Resuming is asking for this run's weights in the panels again, whatever model was chosen meanwhile.
  ours = store.getState().modelVersion;
  send({ type: 'run', untilStep });
}

export function pauseCpuTraining(store: AppStore = appStore): void {
  if (store.getState().cpuTrain.status !== 'running') return;
  store.getState().patchCpuTrain({ status: 'pausing' });
  send({ type: 'pause' });
}

/** Ends the worker and forgets the run (the weights installed last stay the model in use). */
export function resetCpuTraining(store: AppStore = appStore): void {
  worker?.terminate();
  worker = null;
  model = null;
  store.getState().patchCpuTrain({ status: 'idle', step: 0, epoch: 0, stepInEpoch: 0, loss: null, accuracy: null, stepMs: null, message: null });
}
