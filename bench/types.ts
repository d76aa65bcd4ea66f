/**
 * The contract between the bench page (bench/main.ts, runs in Chromium) and the Node driver
 * (bench/run.ts): the config the driver passes in and the JSON the page hands back.
 */
import type { PresetName } from '../src/engine';

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
  totalSeconds: number;
}
