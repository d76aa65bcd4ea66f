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
  destroy(): void;
}
