/**
 * `DrmmEngine` on WebGPU: the whole DP in one submit (`DrmmGpuEngine.run`), then one read-back of
 * the images asked for. The lower-level `DrmmGpuEngine` stays available as `.core` for callers
 * that encode into their own command encoders (training, benchmarks).
 */
import type { ModelParams, ModelSpec } from './model';
import { NO_FORWARD_PASS, type BacktraceRequest, type DrmmEngine, type InferRequest, type InferResult } from './api';
import type { BacktraceMaps } from './types';
import { DrmmGpuEngine, type GpuEngineOptions } from './gpu/engine';

export class GpuEngine implements DrmmEngine {
  readonly backend = 'webgpu' as const;
  /** Whether the core's bottom-up maps come from a pass on the current parameters (see backtrace). */
  private forwardDone = false;
  private constructor(readonly core: DrmmGpuEngine) {}

  static async create(device: GPUDevice, spec: ModelSpec, params: ModelParams, opts: GpuEngineOptions = {}): Promise<GpuEngine> {
    return new GpuEngine(await DrmmGpuEngine.create(device, spec, params, opts));
  }

  get spec(): ModelSpec {
    return this.core.spec;
  }

  setParams(p: ModelParams): void {
    this.core.setParams(p);
    this.forwardDone = false; // the maps' switches were chosen by the old parameters
  }

  /** The parameter buffers were written from elsewhere (a GPU copy of a training run's): the maps are stale. */
  paramsChanged(): void {
    this.forwardDone = false;
  }

  async infer(req: InferRequest): Promise<InferResult> {
    const first = req.first ?? 0;
    const count = req.count ?? req.n - first;
    this.core.run({ images: req.images, n: req.n, start: req.start, variant: req.variant, paths: req.paths });
    this.forwardDone = true;
    const [forward, backtrace, paths] = await Promise.all([
      this.core.readForward(first, count),
      this.core.readBacktrace(first, count),
      req.paths ? this.core.readPaths(first) : Promise.resolve(undefined),
    ]);
    return { forward, backtrace, paths };
  }

  async classify(images: Float32Array, n: number): Promise<{ probs: Float32Array; pred: Int32Array }> {
    this.core.run({ images, n });
    this.forwardDone = true;
    const f = await this.core.readForward(0, n, false);
    return { probs: f.probs, pred: f.pred };
  }

  /** One submit of the top-down pass on the maps already in the buffers, and one read-back. */
  async backtrace(req: BacktraceRequest): Promise<BacktraceMaps> {
    if (!this.forwardDone) throw new Error(NO_FORWARD_PASS);
    const first = req.first ?? 0;
    const count = req.count ?? this.core.batch - first;
    this.core.backtrace(req.start, req.variant);
    return this.core.readBacktrace(first, count, req.levels ?? true);
  }

  destroy(): void {
    this.core.destroy();
  }
}
