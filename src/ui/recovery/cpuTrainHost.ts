/**
 * Training without WebGPU, for the page: one Web Worker running the training core's CPU run
 * (cpuTrainWorker.ts) from the model the panels show, on a class-balanced subset of CPU_SUBSET
 * training digits at batch CPU_BATCH. What it reports goes into the store's `cpuTrain`; every few
 * seconds and when it stops, the weights go into the engine host's 'training' slot, which the
 * panels show (the run is the model being trained in this page, as on the GPU).
 */
import type { ModelParams, ModelSpec, PresetName } from '../../engine';
import type { EngineHost } from '../../engine/host/engineHost';
import { fitsMnist } from '../modelFiles';
import type { AppStore } from '../store';
import { CPU_BATCH, CPU_SUBSET, CPU_TEST, cpuRunConfig, subsetData } from './cpuTrainer';
import type { FromWorker, ToWorker } from './cpuTrainWorker';

export class CpuTraining {
  private worker: Worker | null = null;
  private model: { spec: ModelSpec; preset: PresetName | null } | null = null;
  private stepMsSum = 0;
  private stepCount = 0;

  constructor(private readonly store: AppStore, private readonly engines: EngineHost) {}

  private send(m: ToWorker, transfer: Transferable[] = []): void {
    this.worker?.postMessage(m, transfer);
  }

  private async publish(params: ModelParams, step: number): Promise<void> {
    const model = this.model;
    if (!model) return;
    const info = await this.engines.install('training', model.spec, params);
    const s = this.store.getState();
    const summary = `trained on the CPU: ${step} steps of ${CPU_BATCH} digits from a ${CPU_SUBSET.toLocaleString('en')}-digit subset`;
    s.installModel({ presetName: model.preset, spec: model.spec, params, source: { kind: 'training', on: 'cpu', summary }, modelVersion: info.version, engineBackend: info.backend, engineNote: info.note }, 'training');
    s.showSlot('training');
  }

  private onMessage(m: FromWorker): void {
    const s = this.store.getState();
    const patch = s.patchCpuTrain;
    const t = s.cpuTrain;
    switch (m.type) {
      case 'ready':
        patch({ status: 'measuring', stepsPerEpoch: m.stepsPerEpoch });
        this.send({ type: 'measure' });
        break;
      case 'measured':
        patch({ status: 'ready', stepMs: m.stepMs });
        break;
      case 'step': {
        this.stepMsSum += m.ms;
        this.stepCount++;
        const r = m.row;
        const num = (k: string) => (typeof r?.[k] === 'number' ? (r[k] as number) : NaN);
        patch({ step: m.step, epoch: m.epoch, stepInEpoch: m.stepInEpoch, stepMs: this.stepMsSum / this.stepCount, ...(r ? { loss: { total: num('total'), ce: num('ce'), rc: num('rc'), nn: num('nn') } } : {}) });
        break;
      }
      case 'eval':
        patch({ accuracy: { value: m.accuracy, step: m.step, count: m.count }, epoch: Math.floor(m.step / Math.max(1, t.stepsPerEpoch)) });
        break;
      case 'weights':
        void this.publish(m.params, m.step);
        break;
      case 'stopped':
        patch({ status: 'paused', message: m.finished ? `Finished epoch ${Math.floor(m.step / Math.max(1, t.stepsPerEpoch))} of the subset. Start again for another.` : null });
        void this.publish(m.params, m.step);
        break;
      case 'error':
        patch({ status: 'error', message: `CPU training stopped: ${m.message}` });
        break;
    }
  }

  /** Starts the worker on the model the panels show and the subset, then measures the speed. */
  prepare(): void {
    const s = this.store.getState();
    const patch = s.patchCpuTrain;
    if (this.worker) return;
    if (!s.train) return patch({ status: 'error', message: 'The training digits are still loading.' });
    if (!fitsMnist(s.spec)) return patch({ status: 'error', message: 'The model in use does not take 28x28 digits.' });
    patch({ status: 'preparing', message: null, subset: CPU_SUBSET, batch: CPU_BATCH, step: 0, epoch: 0, stepInEpoch: 0, loss: null, accuracy: null, stepMs: null });
    let worker: Worker;
    try {
      worker = new Worker(new URL('./cpuTrainWorker.ts', import.meta.url), { type: 'module', name: 'drmm-cpu-training' });
    } catch (e) {
      patch({ status: 'error', message: `The training worker could not be started: ${e instanceof Error ? e.message : String(e)}` });
      return;
    }
    this.worker = worker;
    worker.onmessage = (ev: MessageEvent<FromWorker>) => this.onMessage(ev.data);
    worker.onerror = (ev) => {
      ev.preventDefault();
      patch({ status: 'error', message: `The training worker failed: ${ev.message || 'it could not be loaded'}` });
    };
    const config = cpuRunConfig(s.train.count);
    const subset = subsetData(config, s.train.pixels, s.train.labels);
    const n = s.test ? Math.min(CPU_TEST, s.test.count) : 0;
    const testImages = s.test ? Float32Array.from(s.test.pixels.subarray(0, n * 784), (v) => v / 255) : new Float32Array(0);
    const testLabels = s.test ? s.test.labels.slice(0, n) : new Uint8Array(0);
    this.model = { spec: s.spec, preset: s.presetName };
    this.stepMsSum = 0;
    this.stepCount = 0;
    this.send(
      { type: 'init', spec: s.spec, preset: s.presetName, params: s.params, config, subset, testImages, testLabels },
      [subset.images.buffer, subset.labels.buffer, subset.indices.buffer, testImages.buffer, testLabels.buffer],
    );
  }

  /** Trains to the end of the next epoch of the subset (or pauses). */
  start(): void {
    const t = this.store.getState().cpuTrain;
    if (!this.worker || !['ready', 'paused'].includes(t.status)) return;
    const spe = Math.max(1, t.stepsPerEpoch);
    const untilStep = (Math.floor(t.step / spe) + 1) * spe;
    this.store.getState().patchCpuTrain({ status: 'running', untilStep, message: null });
    this.send({ type: 'run', untilStep });
  }

  pause(): void {
    if (this.store.getState().cpuTrain.status !== 'running') return;
    this.store.getState().patchCpuTrain({ status: 'pausing' });
    this.send({ type: 'pause' });
  }

  /** Ends the worker and forgets the run (the weights published last stay in the 'training' slot). */
  reset(): void {
    this.worker?.terminate();
    this.worker = null;
    this.model = null;
    this.store.getState().patchCpuTrain({ status: 'idle', step: 0, epoch: 0, stepInEpoch: 0, loss: null, accuracy: null, stepMs: null, message: null });
  }
}
