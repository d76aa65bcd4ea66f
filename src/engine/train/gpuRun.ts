/**
 * The WebGPU backend of a TrainRun: a DrmmGpuEngine sized for the run's batch and a GpuTrainer
 * (gpu/trainer.ts) on a device the caller owns. A step records its phases (forward, top-down,
 * backward, Adam) and submits them with no read-back; the loss terms are read when the run's
 * cadence asks. Evaluating other parameters (the running average) uses an engine of its own.
 */
import { DrmmGpuEngine } from '../gpu/engine';
import { GpuTrainer } from '../gpu/trainer';
import { initParams, type ModelParams, type ModelSpec } from '../model';
import type { AdamState } from './adam';
import { decodeRun, lastIterate } from './checkpoint';
import { checkRunConfig, nonnegativeTensors, projectParams, type RunConfig } from './config';
import type { RunData } from './data';
import { RunBase, type EvalResult, type RunBackend, type Submit, type TrainMetrics } from './run';
import type { LossWeights, RivalBatch } from '../reference/train';
import type { GpuParamSource } from '../host/engineHost';

/** Records every phase into one compute pass and submits it. */
export function submitAll(device: GPUDevice, label = 'drmm.train.step'): Submit {
  return async (phases) => {
    const enc = device.createCommandEncoder({ label });
    const pass = enc.beginComputePass({ label });
    for (const phase of phases) phase(pass);
    pass.end();
    device.queue.submit([enc.finish()]);
  };
}

class GpuBackend implements RunBackend {
  readonly backend = 'webgpu' as const;
  private constructor(
    private readonly device: GPUDevice,
    private readonly spec: ModelSpec,
    private engine: DrmmGpuEngine,
    private trainer: GpuTrainer,
    private readonly label: string,
    private readonly evalBatch: number,
  ) {}

  static async create(device: GPUDevice, spec: ModelSpec, params: ModelParams, adam: AdamState | null, c: RunConfig, label: string, evalBatch: number): Promise<GpuBackend> {
    const engine = await DrmmGpuEngine.create(device, spec, params, { maxBatch: c.batchSize, label });
    const trainer = new GpuTrainer(engine, { variant: c.variant, beta1: c.beta1, beta2: c.beta2, eps: c.eps, weightDecay: c.weightDecay, nonnegative: nonnegativeTensors(c, spec.levels.length) });
    if (adam) trainer.writeAdamState(adam);
    return new GpuBackend(device, spec, engine, trainer, label, evalBatch);
  }

  async trainStep(images: Float32Array, labels: Int32Array, n: number, lr: number, weights: LossWeights, submit?: Submit, rivals?: RivalBatch): Promise<void> {
    const t = this.trainer;
    t.config = { ...t.config, lr, weights, ...(rivals ? { crMargin: rivals.margin } : {}) };
    t.setBatch(images, labels, n, rivals?.offsets);
    await (submit ?? submitAll(this.device))(t.phases());
  }

  readMetrics(weights: LossWeights): Promise<TrainMetrics> {
    this.trainer.config = { ...this.trainer.config, weights };
    return this.trainer.readMetrics();
  }

  async evaluate(images: Float32Array, labels: ArrayLike<number>, count: number, params: ModelParams | null, onChunk?: (done: number) => Promise<void> | void): Promise<EvalResult> {
    // Another model, or chunks larger than the training batch: an engine of its own for the pass.
    if (params || this.evalBatch > this.engine.maxBatch) {
      const p = params ?? (await this.trainer.readParams());
      let engine: DrmmGpuEngine | null = null;
      try {
        engine = await DrmmGpuEngine.create(this.device, this.spec, p, { maxBatch: Math.max(this.evalBatch, 1), label: `${this.label}.eval` });
      } catch {
        engine = null; // e.g. above the device's buffer limits: the training engine evaluates
      }
      if (engine) {
        const t = new GpuTrainer(engine);
        try {
          return await t.evaluate(images, labels, count, onChunk);
        } finally {
          t.destroy();
          engine.destroy();
        }
      }
      if (params) throw new Error('no engine could be built to evaluate these parameters');
    }
    return this.trainer.evaluate(images, labels, count, onChunk);
  }

  readParams(): Promise<ModelParams> {
    return this.trainer.readParams();
  }

  readAdam(): Promise<AdamState> {
    return this.trainer.readAdamState();
  }

  async resize(batch: number): Promise<void> {
    const params = await this.trainer.readParams();
    const adam = await this.trainer.readAdamState();
    const engine = await DrmmGpuEngine.create(this.device, this.spec, params, { maxBatch: batch, label: this.label });
    const trainer = new GpuTrainer(engine, this.trainer.config);
    trainer.writeAdamState(adam);
    this.trainer.destroy();
    this.engine.destroy();
    this.engine = engine;
    this.trainer = trainer;
  }

  /** The last step's gradients (tests). */
  readGrads(): Promise<Float32Array[]> {
    return this.trainer.readGrads();
  }

  /** The parameter buffers, in paramList order (the trainer updates them in place). */
  paramBuffers(): GPUBuffer[] {
    const io = this.engine.internals();
    return [...io.levels.flatMap((l) => [l.W, l.b]), io.mu, io.classBias];
  }

  get gpuDevice(): GPUDevice {
    return this.device;
  }

  destroy(): void {
    this.trainer.destroy();
    this.engine.destroy();
  }
}

export interface GpuRunOptions {
  label?: string;
  /** Evaluate in chunks of this many images (an engine of that size is built for it when larger than the batch). */
  evalBatch?: number;
}

/** A training run on WebGPU; its parameters can be copied on the GPU into an inference engine (EngineHost.publish). */
export class GpuTrainRun extends RunBase implements GpuParamSource {
  private constructor(private readonly gpu: GpuBackend, init: ConstructorParameters<typeof RunBase>[1]) {
    super(gpu, init);
  }

  /** A new run: the parameters from the seed (or `params`: a model to train on from). */
  static async create(device: GPUDevice, spec: ModelSpec, preset: string | null, config: RunConfig, data: RunData, opts: GpuRunOptions & { params?: ModelParams } = {}): Promise<GpuTrainRun> {
    checkRunConfig(config);
    const params = projectParams(config, opts.params ?? initParams(spec, config.seed));
    const b = await GpuBackend.create(device, spec, params, null, config, opts.label ?? 'drmm.train', opts.evalBatch ?? config.batchSize);
    return new GpuTrainRun(b, { spec, preset, config, data });
  }

  /**
   * A run restored from a checkpoint, exactly where it stopped. A finished averaged run goes on
   * from its last iterate (its model file holds the mean). `config` replaces the stored settings
   * (the caller has checked that the change is wanted).
   */
  static async restore(device: GPUDevice, bytes: Uint8Array, data: RunData, opts: GpuRunOptions & { config?: RunConfig } = {}): Promise<GpuTrainRun> {
    const s = decodeRun(bytes);
    const config = opts.config ?? s.config;
    const params = lastIterate(s) ?? s.params;
    const b = await GpuBackend.create(device, s.spec, params, s.adam, config, opts.label ?? 'drmm.train', opts.evalBatch ?? config.batchSize);
    return new GpuTrainRun(b, { spec: s.spec, preset: s.preset, config, data, progress: s.progress, log: s.log, extra: s.extra });
  }

  /** The last step's gradients in parameter order (tests). */
  grads(): Promise<Float32Array[]> {
    return this.gpu.readGrads();
  }

  get device(): GPUDevice {
    return this.gpu.gpuDevice;
  }

  paramBuffers(): GPUBuffer[] {
    return this.gpu.paramBuffers();
  }
}
