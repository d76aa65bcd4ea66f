/**
 * The engine the app falls back to without WebGPU: the CPU reference behind the same interface
 * as the GPU engine. Results are float64 (the reference's precision).
 */
import { cloneParams, shapesOf, type ModelParams, type ModelSpec } from './model';
import { backtrace, countPaths, forward } from './reference/pipeline';
import type { DrmmEngine, InferRequest, InferResult } from './api';

export class CpuEngine implements DrmmEngine {
  readonly backend = 'cpu' as const;
  readonly spec: ModelSpec;
  private params: ModelParams;
  private destroyed = false;

  constructor(spec: ModelSpec, params: ModelParams) {
    shapesOf(spec);
    this.spec = spec;
    this.params = cloneParams(params);
  }

  setParams(p: ModelParams): void {
    this.params = cloneParams(p);
  }

  async infer(req: InferRequest): Promise<InferResult> {
    if (this.destroyed) throw new Error('This DRMM engine was destroyed.');
    const per = this.spec.input.channels * this.spec.input.height * this.spec.input.width;
    const first = req.first ?? 0;
    const count = req.count ?? req.n - first;
    // Only the images asked for are computed: the reference is per image, so this is exact.
    const images = req.images.subarray(first * per, (first + count) * per);
    const fwd = forward(this.spec, this.params, images, count);
    const start = req.start.kind === 'class' && req.start.classes !== 'predicted'
      ? { kind: 'class' as const, classes: req.start.classes.slice(first, first + count) }
      : req.start;
    const bt = backtrace(this.spec, this.params, fwd, start, req.variant);
    const paths = req.paths ? countPaths(this.spec, fwd, start, 0) : undefined;
    return { forward: fwd, backtrace: bt, paths };
  }

  async classify(images: Float32Array, n: number): Promise<{ probs: Float32Array; pred: Int32Array }> {
    if (this.destroyed) throw new Error('This DRMM engine was destroyed.');
    const f = forward(this.spec, this.params, images, n);
    return { probs: Float32Array.from(f.probs), pred: f.pred };
  }

  destroy(): void {
    this.destroyed = true;
  }
}
