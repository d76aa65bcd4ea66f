/**
 * The largest batch a model fits on a device, from the device's limits alone (a pure function:
 * the tests hand it made-up limits). Every per-batch buffer of the engine (and of the trainer and
 * the path DP, when asked) grows linearly with the batch, so the largest one, per image, against
 * min(maxStorageBufferBindingSize, maxBufferSize) bounds the batch; the largest dispatch, per
 * image, against the workgroup grid (runner.gridFor: 64 threads a group, up to 65535 groups a
 * row, maxComputeWorkgroupsPerDimension rows) bounds it too. Kernels run 64 invocations a
 * workgroup: a device that allows fewer cannot run them at all.
 */
import { shapesOf, type ModelSpec } from '../model';
import { convForwardPlan, convTransposePlan, wgradPlan } from './kernels';

/** The limits this reads (a GPUSupportedLimits has them all). */
export interface LimitsLike {
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
  maxComputeWorkgroupsPerDimension: number;
  maxComputeInvocationsPerWorkgroup: number;
  maxComputeWorkgroupSizeX: number;
}

export const WORKGROUP_INVOCATIONS = 64;
const GRID_ROW = 65535;
const F = 4;

export interface BatchFit {
  /** The largest batch that fits (0: not even one image). */
  maxBatch: number;
  /** Bytes of the largest per-batch buffer for one image, and the cap it meets. */
  perImageBytes: number;
  bufferCap: number;
  /** Threads of the largest dispatch for one image, and how many one dispatch may have. */
  perImageThreads: number;
  threadCap: number;
  /** Bytes of the largest buffer that does not grow with the batch (weights, gradient scratch). */
  fixedBytes: number;
  /** Which limit decides: 'buffer', 'dispatch' or 'workgroup' (invocations a workgroup). */
  limitedBy: 'buffer' | 'dispatch' | 'workgroup';
  /** The buffer whose size decides, e.g. 'level1.r' (for messages). */
  largest: string;
}

/** Per-image sizes (in 32-bit values) of the buffers and dispatches that grow with the batch. */
function perImage(spec: ModelSpec, opts: { training?: boolean; paths?: boolean }): { buffers: [string, number][]; threads: number } {
  const sh = shapesOf(spec);
  const D = spec.input.channels * spec.input.height * spec.input.width;
  const buffers: [string, number][] = [['images', D]];
  let threads = D;
  sh.levels.forEach((l, i) => {
    const fine = l.c * l.hc * l.wc;
    buffers.push([`level${i + 1}.r`, fine]);
    threads = Math.max(threads, fine, convForwardPlan(1, l.c, l.hc, l.wc).threads, convTransposePlan(1, l.cin, l.hin, l.win).threads);
  });
  const top = sh.top;
  buffers.push(['scores', spec.classes], ['readout', top.c * top.h * top.w]);
  if (opts.paths) {
    const fineMax = Math.max(...sh.levels.map((l) => l.c * l.hc * l.wc));
    buffers.push(['paths.upStart', fineMax]);
    sh.levels.forEach((l, i) => buffers.push([`paths.level${i + 1}.upBelow`, l.cin * l.hin * l.win]));
  }
  if (opts.training) sh.levels.forEach((l, i) => buffers.push([`train.level${i + 1}.gsr`, l.c * l.hc * l.wc]));
  return { buffers, threads };
}

/** The largest batch of `spec` these limits allow (see the file's comment). */
export function largestBatch(spec: ModelSpec, limits: LimitsLike, opts: { training?: boolean; paths?: boolean } = {}): BatchFit {
  const { buffers, threads } = perImage(spec, opts);
  let largest = buffers[0];
  for (const b of buffers) if (b[1] > largest[1]) largest = b;
  const perImageBytes = largest[1] * F;
  const bufferCap = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const threadCap = WORKGROUP_INVOCATIONS * Math.min(GRID_ROW, limits.maxComputeWorkgroupsPerDimension) * limits.maxComputeWorkgroupsPerDimension;
  // Buffers that do not grow with the batch must fit too (weights, the weight gradient's scratch).
  const sh = shapesOf(spec);
  const fixedBytes =
    Math.max(...sh.levels.map((l) => l.c * l.cin * l.k * l.k * (opts.training ? wgradPlan(256, l.c, l.cin, l.k).chunks : 1)), spec.classes * sh.templateLength) * F;
  const base = { perImageBytes, bufferCap, perImageThreads: threads, threadCap, fixedBytes, largest: largest[0] };
  if (limits.maxComputeInvocationsPerWorkgroup < WORKGROUP_INVOCATIONS || limits.maxComputeWorkgroupSizeX < WORKGROUP_INVOCATIONS)
    return { ...base, maxBatch: 0, limitedBy: 'workgroup' };
  if (fixedBytes > bufferCap) return { ...base, maxBatch: 0, limitedBy: 'buffer', largest: 'weights' };
  const byBuffer = Math.floor(bufferCap / perImageBytes);
  const byDispatch = Math.floor(threadCap / threads);
  return byBuffer <= byDispatch ? { ...base, maxBatch: byBuffer, limitedBy: 'buffer' } : { ...base, maxBatch: byDispatch, limitedBy: 'dispatch' };
}

/** A batch capped to what fits, and the message to show when it was capped (null otherwise). */
export function capBatch(spec: ModelSpec, limits: LimitsLike, wanted: number, opts: { training?: boolean; paths?: boolean } = {}): { batch: number; message: string | null } {
  const fit = largestBatch(spec, limits, opts);
  if (fit.maxBatch < 1) {
    const why =
      fit.limitedBy === 'workgroup'
        ? `this GPU allows ${limits.maxComputeInvocationsPerWorkgroup} invocations a workgroup; the kernels need ${WORKGROUP_INVOCATIONS}`
        : fit.limitedBy === 'dispatch'
          ? `one image needs ${fit.perImageThreads.toLocaleString('en')} threads in one dispatch and this GPU runs at most ${fit.threadCap.toLocaleString('en')}`
          : fit.largest === 'weights'
          ? `its weights need a ${mib(fit.fixedBytes)} MiB buffer, above this GPU's limit of ${mib(fit.bufferCap)} MiB a buffer`
          : `one image needs a ${mib(fit.perImageBytes)} MiB buffer (${fit.largest}), above this GPU's limit of ${mib(fit.bufferCap)} MiB a buffer`;
    throw new Error(`This model does not fit this GPU: ${why}.`);
  }
  if (wanted <= fit.maxBatch) return { batch: wanted, message: null };
  const why =
    fit.limitedBy === 'buffer'
      ? `each image needs ${mib(fit.perImageBytes)} MiB in its largest buffer (${fit.largest}) and this GPU allows ${mib(fit.bufferCap)} MiB a buffer`
      : `each image needs ${fit.perImageThreads.toLocaleString('en')} threads in its largest dispatch and this GPU runs at most ${fit.threadCap.toLocaleString('en')} in one`;
  return { batch: fit.maxBatch, message: `Batch ${wanted} does not fit this GPU: ${why}. Using batch ${fit.maxBatch} instead.` };
}

function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(bytes < 2 ** 20 ? 3 : 1);
}
