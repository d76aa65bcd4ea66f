/**
 * `DrmmEngine` on WebGPU: the whole DP in one submit (`DrmmGpuEngine.run`), then one read-back of
 * the images asked for. The lower-level `DrmmGpuEngine` stays available as `.core` for callers
 * that encode into their own command encoders (training, benchmarks).
 */
import type { ModelParams, ModelSpec } from './model';
import type { DrmmEngine, InferRequest, InferResult } from './api';
import { DrmmGpuEngine, type GpuEngineOptions } from './gpu/engine';

export class GpuEngine implements DrmmEngine {
  readonly backend = 'webgpu' as const;
  private constructor(readonly core: DrmmGpuEngine) {}

  static async create(device: GPUDevice, spec: ModelSpec, params: ModelParams, opts: GpuEngineOptions = {}): Promise<GpuEngine> {
    return new GpuEngine(await DrmmGpuEngine.create(device, spec, params, opts));
  }

  get spec(): ModelSpec {
    return this.core.spec;
  }

  setParams(p: ModelParams): void {
    this.core.setParams(p);
  }

  async infer(req: InferRequest): Promise<InferResult> {
    const first = req.first ?? 0;
    const count = req.count ?? req.n - first;
    this.core.run({ images: req.images, n: req.n, start: req.start, variant: req.variant, paths: req.paths });
    const [forward, backtrace, paths] = await Promise.all([
      this.core.readForward(first, count),
      this.core.readBacktrace(first, count),
      req.paths ? this.core.readPaths(first) : Promise.resolve(undefined),
    ]);
    return { forward, backtrace, paths };
  }

  async classify(images: Float32Array, n: number): Promise<{ probs: Float32Array; pred: Int32Array }> {
    this.core.run({ images, n });
    const f = await this.core.readForward(0, n, false);
    return { probs: f.probs, pred: f.pred };
  }

  destroy(): void {
    this.core.destroy();
  }
}
