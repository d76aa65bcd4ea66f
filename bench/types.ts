/**
 * The contract between the bench page (bench/main.ts, runs in Chromium) and the Node driver
 * (bench/run.ts): the config the driver passes in and the JSON the page hands back.
 */
import type { PresetName } from '../src/engine';
import type { OrtResult } from './ortPeer';
import type { MatmulPeak } from './roofline';

export interface PresetConfig {
  preset: PresetName;
  /** Batch of the throughput figure (256 unless the software adapter makes that too slow). */
  throughputBatch: number;
}

export interface BenchConfig {
  presets: PresetConfig[];
  /** Batch used for the correctness gate (the same images go to both implementations). */
  gateBatch: number;
  /** Timed repetitions after warm-up, and the time budget (ms) one measurement may spend. */
  reps: number;
  warmup: number;
  budgetMs: number;
  /** Per-dispatch profile of our kernels (slow: one submit per dispatch), and tfjs's per-op profile. */
  profile: boolean;
  /** tfjs baseline with bias + ReLU fused into the convolution (tf.fused.conv2d), else three ops. */
  tfjsFused: boolean;
  /** The training benchmark (bench/train.ts), run after the inference presets; absent: not run. */
  train?: TrainBenchConfig;
}

export interface TrainBenchConfig {
  presets: PresetName[];
  batch: number;
  /** Adam's learning rate for every implementation (beta1 0.9, beta2 0.999, eps 1e-8). */
  lr: number;
  /** Distinct training batches, cycled through. */
  batches: number;
  /** Steps run one at a time, each followed by a read-back, whose losses are cross-checked (also the warm-up). */
  checkSteps: number;
  /** Timed samples per implementation (rounds), at least minSamples, stopping after budgetMs of rounds. */
  samples: number;
  minSamples: number;
  budgetMs: number;
  /** Steps per sample: about targetSampleMs of work, 1..maxStepsPerSample. */
  targetSampleMs: number;
  maxStepsPerSample: number;
  /** Our per-phase and per-dispatch training profile. */
  profile: boolean;
  tfjsFused: boolean;
}

export type TrainImpl = 'oursEg' | 'oursConvnet' | 'tfjsWebgpu' | 'tfjsWebgl' | 'jaxWebgpu';

export interface TrainImplResult {
  impl: TrainImpl;
  /** What it trains: the EG objective or the convnet's cross-entropy, and where it runs. */
  description: string;
  error?: string;
  /** Cross-entropy (mean over the batch) of each of the first checkSteps steps, before that step's update. */
  ce: number[];
  /** The whole objective of those steps (= ce for the convnets). */
  total: number[];
  /** ms per step: per sample, (time of K steps and one read-back) / K; median, min, max over samples. */
  msPerStep?: Timing;
  stepsPerSample?: number;
  imagesPerSec?: number;
  /**
   * GPU API calls in the first timed sample (countedSteps steps and the one read-back that ends
   * them) divided by countedSteps (bench/trainCount.ts).
   */
  perStep?: { dispatches: number; submits: number; queueWrites: number; draws: number; flushes: number };
  countedSteps?: number;
}

/** tf.profile of one tfjs training step: per kernel name, the summed GPU ms (NaN: no timer) and the count. */
export interface KernelSum {
  kernel: string;
  ms: number;
  count: number;
}

export interface PhaseTiming {
  phase: string;
  /** Median ms of the phase submitted alone and awaited (onSubmittedWorkDone). */
  ms: number;
  dispatches: number;
}

export interface TrainPresetResult {
  preset: PresetName;
  batch: number;
  impls: TrainImplResult[];
  /** Largest |ours - tfjs| / |tfjs| over the cross-checked convnet losses, per tfjs backend (NaN: not run). */
  convnetLossRelDiff: { webgpu: number; webgl: number; jax?: number };
  /** images/s ratios ours / tfjs (> 1: ours faster); NaN where a side did not run. */
  ratios: { egVsWebgpu: number; egVsWebgl: number; convnetVsWebgpu: number; convnetVsWebgl: number; egVsJax?: number; convnetVsJax?: number };
  /** Our step phase by phase, and the slowest dispatches of one step (replayed alone). */
  profile?: {
    eg: PhaseTiming[];
    convnet: PhaseTiming[];
    egDispatches: DispatchProfile[];
    convnetDispatches: DispatchProfile[];
    emptySubmitMs: number;
    /** tfjs's own profile of one of its training steps, per backend (absent: that backend did not run). */
    tfjs: { webgpu?: KernelSum[]; webgl?: KernelSum[] };
  };
  seconds: number;
}

export interface TrainBenchResult {
  config: TrainBenchConfig;
  data: string;
  /** What tfjs's WebGL backend runs on (renderer string, float precision), or why it is unavailable. */
  webgl: { renderer: string; version: string; float32Textures: boolean; flags: Record<string, unknown> } | { error: string };
  presets: TrainPresetResult[];
  totalSeconds: number;
}

/** One timed measurement: milliseconds per run. */
export interface Timing {
  medianMs: number;
  minMs: number;
  maxMs: number;
  runs: number;
  warmup: number;
}

export interface GateResult {
  pass: boolean;
  batch: number;
  /** Largest |ours - tfjs| over scores and over probs, and the largest |ours - tfjs| / tol. */
  maxAbsErrScores: number;
  maxAbsErrProbs: number;
  maxRelErrScores: number;
  /** max over elements of |ours - tfjs| / max(1e-4 * |tfjs|, 1e-5): <= 1 passes. */
  worstOverTol: number;
  predAgree: number;
  message?: string;
}

export interface DispatchProfile {
  /** Step label from the engine's bind group label, e.g. drmm.level2.conv. */
  label: string;
  kernel: string;
  workgroups: [number, number];
  ms: number;
}

export interface ProfileResult {
  /** Cost of one empty submit + onSubmittedWorkDone (subtracted from every dispatch below). */
  emptySubmitMs: number;
  forwardBatch1: DispatchProfile[];
  forwardThroughput: DispatchProfile[];
  backtraceBatch1: DispatchProfile[];
  pathsBatch1: DispatchProfile[];
  /** tf.profile of one tfjs forward at the throughput batch: per-op GPU time from tfjs's timestamp queries. */
  tfjsForwardThroughput: { name: string; ms: number; outShape: number[] }[];
}

export interface PresetResult {
  preset: PresetName;
  /** The kernel variants the tuner chose for this preset on this adapter, its line and timings. */
  kernels?: { choice: string; about: string; timings: unknown[] };
  /** onnxruntime-web (WebGPU EP) on the same network: its gate and timings paired with ours. */
  ort?: OrtResult;
  gate: GateResult;
  /** Absent when the gate failed: no speed figures for a wrong answer. */
  timings?: {
    throughputBatch: number;
    ours: {
      latency1: Timing;
      latency1GpuDone: Timing;
      throughput: Timing;
      fullDp1: Timing;
      fullDp1GpuDone: Timing;
      fullDpWithPaths1: Timing;
      paths1GpuDone: Timing;
      paths1Read: Timing;
    };
    tfjs: { latency1: Timing; throughput: Timing };
    imagesPerSecOurs: number;
    imagesPerSecTfjs: number;
    /** ours / tfjs: latency ratio (< 1 is ours faster) and throughput ratio (> 1 is ours faster). */
    latencyRatio: number;
    throughputRatio: number;
  };
  profile?: ProfileResult;
  error?: string;
}

export interface AdapterInfoRecord {
  vendor: string;
  architecture: string;
  description: string;
  device: string;
  isFallbackAdapter: boolean;
  features: string[];
}

export interface BenchResult {
  date: string;
  userAgent: string;
  adapter: AdapterInfoRecord;
  /** What tfjs's own device reports (it requests its own adapter). */
  tfjsAdapter: { vendor: string; architecture: string };
  tfjsVersion: string;
  inputs: string;
  config: BenchConfig;
  presets: PresetResult[];
  train?: TrainBenchResult;
  /** The best matrix-product FLOP/s on this adapter in this run (bench/roofline.ts). */
  matmulPeak?: MatmulPeak;
  roofline?: RooflineRow[];
  totalSeconds: number;
}

/** FLOP/s of one step kind of one implementation, and its fraction of the matrix-product peak. */
export interface RooflineRow {
  preset: string;
  step: string;
  impl: string;
  gflops: number;
  ofMatmulPeak: number;
}
