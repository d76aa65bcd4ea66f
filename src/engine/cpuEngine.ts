/**
 * The engine the app falls back to without WebGPU: the CPU reference behind the same interface
 * as the GPU engine. Results are float64 (the reference's precision).
 */
import { cloneParams, shapesOf, type ModelParams, type ModelSpec } from './model';
import { backtrace, countPaths, forward } from './reference/pipeline';
import { NO_FORWARD_PASS, type BacktraceRequest, type DrmmEngine, type InferRequest, type InferResult } from './api';
import type { BacktraceMaps, ForwardMaps, Start } from './types';

/**
 * The last bottom-up pass: its batch (a copy), and the maps of the images it computed,
 * [first, first + fwd.n) of the batch (infer computes only the images it reads back).
 */
interface LastForward {
  images: Float32Array;
  n: number;
  first: number;
  fwd: ForwardMaps<Float64Array>;
}

/** Images [from, from + count) of a batch's forward maps: every array is per image, batch-major. */
function sliceForward(f: ForwardMaps<Float64Array>, from: number, count: number): ForwardMaps<Float64Array> {
  const cut = <T extends Float64Array | Uint8Array | Int32Array>(a: T): T => {
    const per = a.length / f.n;
    return a.subarray(from * per, (from + count) * per) as T;
  };
  return {
    n: count,
    levels: f.levels.map((l) => ({ u: cut(l.u), r: cut(l.r), a: cut(l.a), x: cut(l.x), t: l.t && cut(l.t) })),
    scores: cut(f.scores),
    probs: cut(f.probs),
    pred: cut(f.pred),
  };
}

/** A class start's classes for images [first, first + count) of the batch. */
function startFor(start: Start, first: number, count: number): Start {
  return start.kind === 'class' && start.classes !== 'predicted' ? { kind: 'class', classes: start.classes.slice(first, first + count) } : start;
}

export class CpuEngine implements DrmmEngine {
  readonly backend = 'cpu' as const;
  readonly spec: ModelSpec;
  private params: ModelParams;
  private destroyed = false;
  private last: LastForward | null = null;

  constructor(spec: ModelSpec, params: ModelParams) {
    shapesOf(spec);
    this.spec = spec;
    this.params = cloneParams(params);
  }

  setParams(p: ModelParams): void {
    this.params = cloneParams(p);
    this.last = null; // its switches were chosen by the old parameters
  }

  async infer(req: InferRequest): Promise<InferResult> {
    if (this.destroyed) throw new Error('This DRMM engine was destroyed.');
    const per = this.spec.input.channels * this.spec.input.height * this.spec.input.width;
    const first = req.first ?? 0;
    const count = req.count ?? req.n - first;
    // Only the images asked for are computed: the reference is per image, so this is exact.
    const images = req.images.subarray(first * per, (first + count) * per);
    const fwd = forward(this.spec, this.params, images, count);
    this.last = { images: req.images.slice(0, req.n * per), n: req.n, first, fwd };
    const start = startFor(req.start, first, count);
    const bt = backtrace(this.spec, this.params, fwd, start, req.variant);
    const paths = req.paths ? countPaths(this.spec, fwd, start, 0) : undefined;
    return { forward: fwd, backtrace: bt, paths };
  }

  async classify(images: Float32Array, n: number): Promise<{ probs: Float32Array; pred: Int32Array }> {
    if (this.destroyed) throw new Error('This DRMM engine was destroyed.');
    const f = forward(this.spec, this.params, images, n);
    const per = this.spec.input.channels * this.spec.input.height * this.spec.input.width;
    this.last = { images: images.slice(0, n * per), n, first: 0, fwd: f };
    return { probs: Float32Array.from(f.probs), pred: f.pred };
  }

  async backtrace(req: BacktraceRequest): Promise<BacktraceMaps> {
    if (this.destroyed) throw new Error('This DRMM engine was destroyed.');
    const last = this.last;
    if (!last) throw new Error(NO_FORWARD_PASS);
    const first = req.first ?? 0;
    const count = req.count ?? last.n - first;
    if (!Number.isInteger(first) || !Number.isInteger(count) || first < 0 || count < 1 || first + count > last.n)
      throw new Error(`backtrace: images ${first}..${first + count - 1} are outside the batch of ${last.n}`);
    if (req.start.kind === 'class' && req.start.classes !== 'predicted' && req.start.classes.length !== last.n)
      throw new Error(`backtrace: ${req.start.classes.length} classes for ${last.n} images`);
    // The maps of the images asked for; those an infer did not compute get their bottom-up pass now.
    const per = this.spec.input.channels * this.spec.input.height * this.spec.input.width;
    const fwd = first >= last.first && first + count <= last.first + last.fwd.n
      ? sliceForward(last.fwd, first - last.first, count)
      : forward(this.spec, this.params, last.images.subarray(first * per, (first + count) * per), count);
    const bt = backtrace(this.spec, this.params, fwd, startFor(req.start, first, count), req.variant);
    return req.levels === false ? { ...bt, levels: [] } : bt;
  }

  destroy(): void {
    this.destroyed = true;
  }
}
