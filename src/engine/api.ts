/**
 * The engine's public interface, as the UI, the CLI and the benchmark use it. Two
 * implementations: `GpuEngine` (WebGPU, our WGSL kernels) and `CpuEngine` (the reference).
 */
import type { ModelParams, ModelSpec } from './model';
import type { BacktraceMaps, ForwardMaps, PathSummary, Start, Variant } from './types';

export interface InferRequest {
  /** n images, C x H x W floats each, batch-major. */
  images: Float32Array;
  n: number;
  /** Where the backtrace starts, and which variant of it runs. */
  start: Start;
  variant: Variant;
  /** Also count the active rendering paths (of image `first`). */
  paths?: boolean;
  /** The images whose maps are read back: [first, first + count). Defaults to all n. */
  first?: number;
  count?: number;
}

/** A backtrace on the maps of the last bottom-up pass (see DrmmEngine.backtrace). */
export interface BacktraceRequest {
  start: Start;
  variant: Variant;
  /** The images of that pass whose signals are read back: [first, first + count). Defaults to all. */
  first?: number;
  count?: number;
  /** Read every level's signal too (default); false reads only the pixels (`levels` is then []). */
  levels?: boolean;
}

/** Thrown by DrmmEngine.backtrace when there is no bottom-up pass to backtrace through. */
export const NO_FORWARD_PASS = 'backtrace: no bottom-up pass on the current parameters: call infer or classify first.';

export interface InferResult {
  forward: ForwardMaps;
  backtrace: BacktraceMaps;
  paths?: PathSummary;
}

export interface DrmmEngine {
  readonly backend: 'webgpu' | 'cpu';
  readonly spec: ModelSpec;
  setParams(p: ModelParams): void;
  /** Bottom-up DP, backtrace (and path counts) in one submit; then one read-back of what was asked. */
  infer(req: InferRequest): Promise<InferResult>;
  /**
   * The bottom-up pass alone for n images (n up to the engine's batch size), reading back only
   * p(c | I) [n, classes] and the argmax: what a whole-test-set classification needs.
   */
  classify(images: Float32Array, n: number): Promise<{ probs: Float32Array; pred: Int32Array }>;
  /**
   * A backtrace from `start` through the switches of the last bottom-up pass (`infer` or
   * `classify`, on the current parameters), without running that pass again: e.g. one image
   * rendered from each of the classes. A class start names a class per image of that pass's
   * batch, as in `infer`. Throws NO_FORWARD_PASS when there is none (none yet, or setParams since).
   */
  backtrace(req: BacktraceRequest): Promise<BacktraceMaps>;
  destroy(): void;
}
