/**
 * The largest batch a model fits on a device, from the device's limits alone (a pure function:
 * the tests hand it made-up limits). `bufferPlan` lists every storage buffer an engine (and its
 * path DP, and a trainer, when asked) allocates, each a fixed size plus a size per image; a GPU
 * test checks it against what they really allocate. The largest per-image size in the plan,
 * against min(maxStorageBufferBindingSize, maxBufferSize), bounds the batch; the largest dispatch,
 * per image, against the workgroup grid (kernels.ts: WORKGROUP threads a group, up to GRID_ROW
 * groups a row, maxComputeWorkgroupsPerDimension rows) bounds it too. Kernels run WORKGROUP
 * invocations a workgroup: a device that allows fewer cannot run them at all.
 */
import { paramShapes, shapesOf, type ModelSpec } from '../model';
import { GRID_ROW, WORKGROUP, convForwardPlan, convTransposePlan, wgradPlan } from './kernels';

/** The limits this reads (a GPUSupportedLimits has them all). */
export interface LimitsLike {
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
  maxComputeWorkgroupsPerDimension: number;
  maxComputeInvocationsPerWorkgroup: number;
  maxComputeWorkgroupSizeX: number;
}

const F = 4;

/** What is allocated: the engine alone, with its path DP, with a trainer. */
export interface PlanOptions {
  training?: boolean;
  paths?: boolean;
  /** With `training`: the contrastive rendering term's buffers (gpu/contrastive.ts, built on its first use). */
  contrastive?: boolean;
}

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

/**
 * One storage buffer: `fixed + batch * perImage` 32-bit values. Its name is its label after the
 * owner's (gpu/runner.ts GpuOwner): the engine's as they are, the trainer's after 'train.'.
 */
export interface PlannedBuffer {
  name: string;
  perImage: number;
  fixed: number;
}

/**
 * Every storage buffer a DrmmGpuEngine sized for `batch` images allocates (gpu/engine.ts and, with
 * `paths`, gpu/enginePaths.ts for both runs of the DP), and with `training` those of its GpuTrainer
 * (gpu/trainer.ts). The largest map comes first where sizes tie, so messages name r(l).
 */
export function bufferPlan(spec: ModelSpec, batch: number, opts: PlanOptions = {}): PlannedBuffer[] {
  const sh = shapesOf(spec);
  const D = spec.input.channels * spec.input.height * spec.input.width;
  const C = spec.classes;
  const L = sh.levels.length;
  const out: PlannedBuffer[] = [];
  const img = (name: string, perImage: number) => out.push({ name, perImage, fixed: 0 });
  const fix = (name: string, fixed: number) => out.push({ name, perImage: 0, fixed });
  const fine = (i: number) => sh.levels[i].c * sh.levels[i].hc * sh.levels[i].wc;
  const coarse = (i: number) => sh.levels[i].c * sh.levels[i].hout * sh.levels[i].wout;
  img('images', D);
  sh.levels.forEach((l, i) => {
    const n = `level${i + 1}`;
    img(`${n}.r`, fine(i));
    img(`${n}.u`, fine(i));
    img(`${n}.aSwitch`, fine(i));
    img(`${n}.topdown.sr`, fine(i));
    img(`${n}.topdown.su`, fine(i));
    if (l.pool) {
      img(`${n}.pooled`, coarse(i));
      img(`${n}.tSwitch`, coarse(i));
      img(`${n}.topdown.sx`, coarse(i));
    }
  });
  img('topdown.pixels', D);
  img('scores', C);
  img('probs', C);
  img('pred', 1);
  img('startClass', 1);
  for (const p of paramShapes(spec)) fix(p.name, p.shape.reduce((a, b) => a * b, 1));
  fix('unused', 1);
  if (opts.paths)
    for (const run of ['active', 'possible']) {
      const n = (s: string) => `paths.${run}.${s}`;
      img(n('upStart'), Math.max(...sh.levels.map((_, i) => fine(i))));
      sh.levels.forEach((l, i) => {
        img(n(`level${i + 1}.downR`), fine(i));
        img(n(`level${i + 1}.upBelow`), l.cin * l.hin * l.win);
        if (l.pool) img(n(`level${i + 1}.downX`), coarse(i));
        // Without pooling, up over r(l) is the level above's upBelow (one buffer), except at the top.
        if (l.pool || i === L - 1) img(n(`level${i + 1}.upR`), fine(i));
        img(n(`level${i + 1}.count`), 2);
      });
      img(n('pixels.count'), 2);
      img(n('pixels.down'), D);
    }
  if (opts.training) {
    const t = (s: string) => `train.${s}`;
    sh.levels.forEach((l, i) => {
      img(t(`td.gsu${i + 1}`), fine(i));
      img(t(`td.gsr${i + 1}`), fine(i));
      img(t(`bu.gu${i + 1}`), fine(i));
      if (l.pool) {
        img(t(`bu.gr${i + 1}`), fine(i));
        img(t(`td.G${i + 1}`), coarse(i));
      }
      img(t(`bu.gx${i + 1}`), coarse(i));
      // The weight gradient's partial sums: chunks x weights, the chunks growing with the batch up to a bound.
      fix(t(`wgradScratch${i + 1}`), wgradPlan(batch, l.c, l.cin, l.k).scratch);
    });
    img(t('td.G0'), D);
    img(t('gScores'), C);
    img(t('labels'), 1);
    for (const p of paramShapes(spec)) {
      const size = p.shape.reduce((a, b) => a * b, 1);
      fix(t(`grad.${p.name}`), size);
      fix(t(`adam.m.${p.name}`), size);
      fix(t(`adam.v.${p.name}`), size);
    }
    fix(t('zeroBias'), Math.max(...sh.levels.map((l) => l.c)));
    fix(t('metrics'), 9);
    fix(t('evalCounts'), 2);
    fix(t('unusedRw'), 1);
    if (opts.contrastive) {
      img(t('cr.offsets'), 1);
      img(t('cr.rivalClasses'), 1);
      img(t('cr.errors'), 2);
    }
  }
  return out;
}

/** Bytes of one planned buffer for `batch` images, as runner.ts's storageBuffer rounds them (at least 4). */
export function plannedBytes(b: PlannedBuffer, batch: number): number {
  return Math.max(4, (b.fixed + batch * b.perImage) * F);
}

/** Threads of the largest dispatch, per image. */
function perImageThreads(spec: ModelSpec): number {
  const sh = shapesOf(spec);
  let threads = spec.input.channels * spec.input.height * spec.input.width;
  for (const l of sh.levels)
    threads = Math.max(threads, l.c * l.hc * l.wc, convForwardPlan(1, l.c, l.hc, l.wc).threads, convTransposePlan(1, l.cin, l.hin, l.win).threads);
  return threads;
}

/** The largest batch of `spec` these limits allow (see the file's comment). */
export function largestBatch(spec: ModelSpec, limits: LimitsLike, opts: PlanOptions = {}): BatchFit {
  // The weight gradient's scratch is largest from a batch of 256 on (wgradPlan: at most
  // ceil(256 / blocks) chunks); every other fixed buffer does not depend on the batch.
  const plan = bufferPlan(spec, 256, opts);
  let largest = plan[0];
  for (const b of plan) if (b.perImage > largest.perImage) largest = b;
  const perImageBytes = largest.perImage * F;
  const threads = perImageThreads(spec);
  const bufferCap = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const threadCap = WORKGROUP * Math.min(GRID_ROW, limits.maxComputeWorkgroupsPerDimension) * limits.maxComputeWorkgroupsPerDimension;
  // Buffers that do not grow with the batch must fit too (weights, the weight gradient's scratch).
  const fixedBytes = Math.max(...plan.map((b) => b.fixed)) * F;
  const base = { perImageBytes, bufferCap, perImageThreads: threads, threadCap, fixedBytes, largest: largest.name };
  if (limits.maxComputeInvocationsPerWorkgroup < WORKGROUP || limits.maxComputeWorkgroupSizeX < WORKGROUP)
    return { ...base, maxBatch: 0, limitedBy: 'workgroup' };
  if (fixedBytes > bufferCap) return { ...base, maxBatch: 0, limitedBy: 'buffer', largest: 'weights' };
  const byBuffer = Math.floor(bufferCap / perImageBytes);
  const byDispatch = Math.floor(threadCap / threads);
  return byBuffer <= byDispatch ? { ...base, maxBatch: byBuffer, limitedBy: 'buffer' } : { ...base, maxBatch: byDispatch, limitedBy: 'dispatch' };
}

/** A batch capped to what fits, and the message to show when it was capped (null otherwise). */
export function capBatch(spec: ModelSpec, limits: LimitsLike, wanted: number, opts: PlanOptions = {}): { batch: number; message: string | null } {
  const fit = largestBatch(spec, limits, opts);
  if (fit.maxBatch < 1) {
    const why =
      fit.limitedBy === 'workgroup'
        ? `this GPU allows ${limits.maxComputeInvocationsPerWorkgroup} invocations a workgroup; the kernels need ${WORKGROUP}`
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
