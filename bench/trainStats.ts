/** The training benchmark's arithmetic, kept pure so that it is unit-tested (tests/unit/benchTrain.test.ts). */
import { median } from './stats';
import type { Timing } from './types';

/** Largest |a_i - b_i| / |b_i| over two equally long loss sequences; NaN when they cannot be compared. */
export function maxRelDiff(a: number[], b: number[]): number {
  if (!a.length || a.length !== b.length) return NaN;
  return Math.max(...a.map((v, i) => Math.abs(v - b[i]) / Math.max(Math.abs(b[i]), 1e-12)));
}

/** Steps per timed sample: about targetMs of work, given one step's measured time; 1..max. */
export function stepsPerSample(targetMs: number, stepMs: number, max: number): number {
  if (!(stepMs > 0)) return 1;
  return Math.max(1, Math.min(max, Math.round(targetMs / stepMs)));
}

/** ms per step of each sample -> the reported timing (median, range, count). */
export function stepTiming(msPerStep: number[], warmup: number): Timing {
  if (!msPerStep.length) throw new Error('stepTiming: no samples');
  return { medianMs: median(msPerStep), minMs: Math.min(...msPerStep), maxMs: Math.max(...msPerStep), runs: msPerStep.length, warmup };
}

/** images/s of a and b at one batch, as a / b (> 1: a faster); NaN where either is missing. */
export function speedRatio(aImagesPerSec: number | undefined, bImagesPerSec: number | undefined): number {
  const a = aImagesPerSec ?? NaN;
  const b = bImagesPerSec ?? NaN;
  return Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : NaN;
}

/**
 * How closely the convnet losses of ours and tfjs must agree over the cross-checked steps (same
 * initial parameters, batches and Adam settings; float32 on both sides: we see about 1e-6).
 */
export const LOSS_REL_TOL = 1e-4;

/** Whether a measured relative loss difference passes (NaN, i.e. not measured, does not). */
export function lossAgrees(relDiff: number): boolean {
  return Number.isFinite(relDiff) && relDiff <= LOSS_REL_TOL;
}
