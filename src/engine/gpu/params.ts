/**
 * One builder per kernel of the table in kernels.ts: the only code that fills the `Dims` uniform
 * (dims.ts). Each takes the kernel's settings by name and returns them tagged with the kernel
 * kind; `Step.setDims` refuses parameters built for another kind. Each builder's comment says
 * what every slot holds: the kernel-specific ones (`mode`, `a0..a3`, `f0..f7`) and `total`, the
 * threads the dispatch covers (the kernel's thread mapping is in its WGSL header, which names the
 * same slots). `mode` holds one of the MODE values of kernels.ts.
 */
import type { LevelShape, ModelShapes } from '../model';
import type { Variant } from '../types';
import { MODE, WORKGROUP, type ParamKind } from './kernels';
import type { Dims } from './dims';

/** A kernel's uniform, as built for one kind of kernel. */
export interface KernelParams {
  readonly kind: ParamKind;
  readonly dims: Readonly<Partial<Dims>> & { readonly total: number };
}

const made = (kind: ParamKind, dims: Partial<Dims> & { total: number }): KernelParams => ({ kind, dims });

/** A template-matching level: its input (cin x hin x win), its template-match map (cout x hout x wout), k x k templates, zero padding. */
export type ConvGeometry = Pick<Dims, 'n' | 'cin' | 'hin' | 'win' | 'cout' | 'hout' | 'wout' | 'k' | 'pad'>;

/** A 2x2 max-pooling: channels, the fine map (hin x win) and the coarse map (hout x wout). */
export interface PoolGeometry {
  n: number;
  channels: number;
  hin: number;
  win: number;
  hout: number;
  wout: number;
}

/** A map of n images, channels x h x w each. */
export interface MapGeometry {
  n: number;
  channels: number;
  h: number;
  w: number;
}

/** The read-out kind: the global average of the top map, or the whole map (dense). */
export type ReadoutKind = 'gap' | 'dense';

/** The class level: the top map it reads, the classes and the read-out kind. */
export interface ReadoutGeometry extends MapGeometry {
  classes: number;
  readout: ReadoutKind;
}

/** Level `l`'s template matching for a batch of n. */
export function levelConv(n: number, l: LevelShape): ConvGeometry {
  return { n, cin: l.cin, hin: l.hin, win: l.win, cout: l.c, hout: l.hc, wout: l.wc, k: l.k, pad: l.pad };
}

/** Level `l`'s pooling (r(l) onto x(l)) for a batch of n. */
export function levelPool(n: number, l: LevelShape): PoolGeometry {
  return { n, channels: l.c, hin: l.hc, win: l.wc, hout: l.hout, wout: l.wout };
}

/** The top map x(L) and the read-out for a batch of n. */
export function readoutOf(n: number, shapes: ModelShapes, classes: number, readout: ReadoutKind): ReadoutGeometry {
  return { n, channels: shapes.top.c, h: shapes.top.h, w: shapes.top.w, classes, readout };
}

/** The read-out kind as `mode`'s MODE_DENSE bit. */
function readoutBit(readout: ReadoutKind): number {
  if (readout !== 'gap' && readout !== 'dense') throw new Error(`unknown read-out ${String(readout)}`);
  return readout === 'dense' ? MODE.MODE_DENSE : 0;
}

const accumulateBit = (accumulate: boolean) => (accumulate ? MODE.MODE_ACCUMULATE : 0);

const VARIANT_MODE: Record<Variant, number> = {
  gradient: MODE.VARIANT_GRADIENT,
  rendering: MODE.VARIANT_RENDERING,
  deconvnet: MODE.VARIANT_DECONVNET,
};

/** A backtrace variant as `mode` (an unknown one throws). */
export function variantMode(variant: Variant): number {
  const mode = VARIANT_MODE[variant];
  if (mode === undefined) throw new Error(`unknown backtrace variant ${String(variant)}`);
  return mode;
}

const pathsMode = (possible: boolean) => (possible ? MODE.PATHS_POSSIBLE : MODE.PATHS_ACTIVE);

// ---------------------------------------------------------------------------------------------
// inference

/** conv_forward / conv_transpose(_rows): the geometry; total = the blocked threads of the kernel's plan (kernels.ts). */
export const convParams = (g: ConvGeometry, threads: number) => made('conv', { ...g, total: threads });

/** relu_forward: total = elements. */
export const reluParams = (elements: number) => made('relu', { total: elements });

/** relu_topdown: mode = the variant (VARIANT_*); total = elements. */
export const reluTopDownParams = (variant: Variant, elements: number) => made('reluTopDown', { mode: variantMode(variant), total: elements });

const pool = (g: PoolGeometry) => ({ n: g.n, cout: g.channels, hin: g.hin, win: g.win, hout: g.hout, wout: g.wout });
const coarse = (g: PoolGeometry) => g.n * g.channels * g.hout * g.wout;
const fine = (g: PoolGeometry) => g.n * g.channels * g.hin * g.win;

/** maxpool_forward: cout = channels, hin x win fine, hout x wout coarse; one thread a coarse unit. */
export const maxPoolParams = (g: PoolGeometry) => made('maxPool', { ...pool(g), total: coarse(g) });

/** unpool: as maxpool_forward; one thread a fine unit. */
export const unpoolParams = (g: PoolGeometry) => made('unpool', { ...pool(g), total: fine(g) });

/** pool_gather: as maxpool_forward; one thread a coarse unit. */
export const poolGatherParams = (g: PoolGeometry) => made('poolGather', { ...pool(g), total: coarse(g) });

/** readout_scores: cin x hin x win the top map, classes, mode = the read-out kind (MODE_DENSE); one thread a score. */
export const readoutScoresParams = (g: ReadoutGeometry) =>
  made('readoutScores', { n: g.n, cin: g.channels, hin: g.h, win: g.w, classes: g.classes, mode: readoutBit(g.readout), total: g.n * g.classes });

/** softmax_argmax: n, classes; one thread an image. */
export const softmaxParams = (n: number, classes: number) => made('softmax', { n, classes, total: n });

/** class_start: cout x hout x wout the top map, mode = the read-out kind (MODE_DENSE); one thread a unit of it. */
export const classStartParams = (g: ReadoutGeometry) =>
  made('classStart', { n: g.n, cout: g.channels, hout: g.h, wout: g.w, mode: readoutBit(g.readout), total: g.n * g.channels * g.h * g.w });

/** unit_start: cout x hout x wout the unit's map, a0 its channel, a1 its row, a2 its column; one thread a unit of the map. */
export const unitStartParams = (g: MapGeometry, unit: { channel: number; y: number; x: number }) =>
  made('unitStart', { n: g.n, cout: g.channels, hout: g.h, wout: g.w, a0: unit.channel, a1: unit.y, a2: unit.x, total: g.n * g.channels * g.h * g.w });

// ---------------------------------------------------------------------------------------------
// the path DP (mode = PATHS_POSSIBLE counts with every switch ON, PATHS_ACTIVE through the switches)

/** paths_down_conv: the level's geometry; one thread a position of its map. */
export const pathsDownConvParams = (g: ConvGeometry, possible: boolean) =>
  made('pathsDownConv', { ...g, mode: pathsMode(possible), total: g.n * g.hout * g.wout });

/** paths_down_pool: as maxpool_forward; one thread a coarse unit. */
export const pathsDownPoolParams = (g: PoolGeometry, possible: boolean) =>
  made('pathsDownPool', { ...pool(g), mode: pathsMode(possible), total: coarse(g) });

/** paths_up_unpool: as unpool; one thread a fine unit. */
export const pathsUpUnpoolParams = (g: PoolGeometry, possible: boolean) =>
  made('pathsUpUnpool', { ...pool(g), mode: pathsMode(possible), total: fine(g) });

/** paths_up_conv: the level's geometry; one thread a position of its input. */
export const pathsUpConvParams = (g: ConvGeometry, possible: boolean) =>
  made('pathsUpConv', { ...g, mode: pathsMode(possible), total: g.n * g.hin * g.win });

/** paths_start: the start's map; a3 = 1 for a unit start at (a0 channel, a1 row, a2 column), 0 for the class; one thread a unit. */
export const pathsStartParams = (g: MapGeometry, unit: { channel: number; y: number; x: number } | null) =>
  made('pathsStart', {
    n: g.n, cout: g.channels, hout: g.h, wout: g.w,
    a0: unit?.channel ?? 0, a1: unit?.y ?? 0, a2: unit?.x ?? 0, a3: unit ? 1 : 0,
    total: g.n * g.channels * g.h * g.w,
  });

/** paths_active: the map counted (cout x hout x wout); one thread an image. */
export const pathsActiveParams = (g: MapGeometry, possible: boolean) =>
  made('pathsActive', { n: g.n, cout: g.channels, hout: g.h, wout: g.w, mode: pathsMode(possible), total: g.n });

// ---------------------------------------------------------------------------------------------
// gradients (grad.wgsl)

/** conv_weight_grad(_taps): the level's geometry, a0 = the batch chunks; total = the plan's threads (wgradPlan). */
export const weightGradParams = (g: ConvGeometry, plan: { chunks: number; threads: number }) =>
  made('weightGrad', { ...g, a0: plan.chunks, total: plan.threads });

/**
 * sparse_transpose (sparse.wgsl): the level's geometry, a0 x a1 = the coarse map (floor(hout/2) x
 * floor(wout/2)); total = the plan's threads (sparse.ts sparseTransposePlan).
 */
export const sparseConvParams = (g: ConvGeometry, threads: number) =>
  made('sparseConv', { ...g, a0: Math.floor(g.hout / 2), a1: Math.floor(g.wout / 2), total: threads });

/** sparse_weight_grad: as sparse_transpose, a2 = the batch chunks; total = the plan's threads (sparseWgradPlan). */
export const sparseWgradParams = (g: ConvGeometry, plan: { chunks: number; threads: number }) =>
  made('sparseWgrad', { ...g, a0: Math.floor(g.hout / 2), a1: Math.floor(g.wout / 2), a2: plan.chunks, total: plan.threads });

/** switch_mask: as pool_gather (cout = channels, hin x win fine, hout x wout coarse); one thread a coarse unit. */
export const switchMaskParams = (g: PoolGeometry) => made('switchMask', { ...pool(g), total: coarse(g) });

/** wgrad_reduce: a0 = the chunks to add, mode MODE_ACCUMULATE adds onto the gradient; one thread a weight. */
export const wgradReduceParams = (chunks: number, weights: number, accumulate: boolean) =>
  made('wgradReduce', { a0: chunks, mode: accumulateBit(accumulate), total: weights });

/** conv_bias_grad: cout x hout x wout the map, mode MODE_ACCUMULATE; one thread a channel. */
export const biasGradParams = (g: MapGeometry, accumulate: boolean) =>
  made('biasGrad', { n: g.n, cout: g.channels, hout: g.h, wout: g.w, mode: accumulateBit(accumulate), total: g.channels });

const ro = (g: ReadoutGeometry) => ({ n: g.n, cin: g.channels, hin: g.h, win: g.w, classes: g.classes });
const templateLength = (g: ReadoutGeometry) => (g.readout === 'dense' ? g.channels * g.h * g.w : g.channels);

/** readout_backward: cin x hin x win the top map, classes, mode = the read-out kind; one thread a unit of the map. */
export const readoutBackwardParams = (g: ReadoutGeometry) =>
  made('readoutBackward', { ...ro(g), mode: readoutBit(g.readout), total: g.n * g.channels * g.h * g.w });

/** readout_grad_mu: as readout_backward, mode also MODE_ACCUMULATE; one thread an entry of mu. */
export const readoutGradMuParams = (g: ReadoutGeometry, accumulate: boolean) =>
  made('readoutGradMu', { ...ro(g), mode: readoutBit(g.readout) | accumulateBit(accumulate), total: g.classes * templateLength(g) });

/** readout_grad_bias: n, classes, mode MODE_ACCUMULATE; one thread a class. */
export const readoutGradBiasParams = (n: number, classes: number, accumulate: boolean) =>
  made('readoutGradBias', { n, classes, mode: accumulateBit(accumulate), total: classes });

// ---------------------------------------------------------------------------------------------
// the objective (loss.wgsl)

/**
 * scores_grad: n, classes, f0 = the entropy term's weight, f1 = the class-balance term's weight
 * (0: the term is skipped); one thread an image.
 */
export const scoresGradParams = (n: number, classes: number, entropyWeight: number, balanceWeight = 0) =>
  made('scoresGrad', { n, classes, f0: entropyWeight, f1: balanceWeight, total: n });

/** recon_grad: f0 = the reconstruction's weight; one thread a pixel value (total = N x D, the mean's divisor). */
export const reconGradParams = (weight: number, values: number) => made('reconGrad', { f0: weight, total: values });

/**
 * topdown_backward: mode = the top-down step the reconstruction went through (VARIANT_RENDERING:
 * su = a relu(sr); VARIANT_GRADIENT: su = a sr), f0 = the nonnegativity penalty's weight; one
 * thread a unit of r(l) (total = N x units, the mean's divisor).
 */
export const topdownBackwardParams = (variant: 'rendering' | 'gradient', nnWeight: number, units: number) =>
  made('topdownBackward', { mode: variant === 'rendering' ? MODE.VARIANT_RENDERING : MODE.VARIANT_GRADIENT, f0: nnWeight, total: units });

/** class_start_backward: cout x hout x wout the top map, mode = the read-out kind | MODE_ACCUMULATE; one thread an entry of mu. */
export const classStartBackwardParams = (g: ReadoutGeometry, accumulate: boolean) =>
  made('classStartBackward', {
    n: g.n, cout: g.channels, hout: g.h, wout: g.w,
    mode: readoutBit(g.readout) | accumulateBit(accumulate),
    total: g.classes * templateLength(g),
  });

/** metrics_scores (one thread): n, classes; a0 = the accumulator the class-balance term's value is added to. */
export const metricsScoresParams = (n: number, classes: number, balanceSlot: number) => made('metricsScores', { n, classes, a0: balanceSlot, total: n });

/**
 * metrics_sq (one workgroup): mode SQ_DIFFERENCE sums (A - B)^2, SQ_NEGATIVE_PART sums relu(-A)^2;
 * the sum times f1 = `scale` is added to acc[a0 = slot]; total = elements.
 */
export const metricsSqParams = (term: 'difference' | 'negativePart', slot: number, scale: number, elements: number) =>
  made('metricsSq', { mode: term === 'difference' ? MODE.SQ_DIFFERENCE : MODE.SQ_NEGATIVE_PART, a0: slot, f1: scale, total: elements });

/** eval_accumulate (one thread): n, classes; correct and seen images are added to acc[a0 = slot], acc[slot + 1]. */
export const evalAccumulateParams = (n: number, classes: number, slot: number) =>
  made('evalAccumulate', { n, classes, a0: slot, total: n });

// ---------------------------------------------------------------------------------------------
// the contrastive rendering term (loss.wgsl's cr_* kernels, gpu/contrastive.ts)

/** cr_rival: n, classes; one thread an image. */
export const crRivalParams = (n: number, classes: number) => made('crRival', { n, classes, total: n });

/** cr_error / cr_hinge: n, a0 = D (values an image), f0 = the margin (cr_hinge); one workgroup an image. */
export const crErrorParams = (n: number, pixels: number, margin = 0) => made('crError', { n, a0: pixels, f0: margin, total: n * WORKGROUP });

/**
 * cr_recon_grad: n, f0 = the weight of every image (a_rc), f1 = the weight added where the
 * image's hinge is active (+a_cr for the start class's pass, -a_cr for the rival's); one thread a
 * pixel value (total = N x D, the mean's divisor).
 */
export const crReconGradParams = (n: number, values: number, base: number, hinge: number) => made('crReconGrad', { n, f0: base, f1: hinge, total: values });

/** metrics_cr (one thread): n; the mean of the hinges (f1 = 1/n) is added to acc[a0 = slot]. */
export const metricsCrParams = (n: number, slot: number) => made('metricsCr', { n, a0: slot, f1: 1 / n, total: 1 });

// ---------------------------------------------------------------------------------------------
// the optimizer

export interface AdamSettings {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** Decoupled (AdamW) weight decay; 0 for none. */
  weightDecay: number;
  /** The step being taken, 1 for the first (the bias corrections' t). */
  step: number;
  /** Parameters in the tensor. */
  count: number;
  /** Project the updated tensor onto p >= 0. */
  nonnegative?: boolean;
}

/**
 * adam_step, with the bias corrections folded in on the CPU for step t (adam.wgsl):
 * f0 = lr_t = lr sqrt(1 - b2^t) / (1 - b1^t), f1 = b1, f2 = b2, f3 = eps_t = eps sqrt(1 - b2^t),
 * f4 = lr * weight decay, mode ADAM_NONNEGATIVE to project onto p >= 0; one thread a parameter.
 */
export function adamParams(s: AdamSettings): KernelParams {
  const c2 = Math.sqrt(1 - s.beta2 ** s.step);
  const lrT = (s.lr * c2) / (1 - s.beta1 ** s.step);
  return made('adam', { mode: s.nonnegative ? MODE.ADAM_NONNEGATIVE : 0, f0: lrT, f1: s.beta1, f2: s.beta2, f3: s.eps * c2, f4: s.lr * s.weightDecay, total: s.count });
}

// ---------------------------------------------------------------------------------------------
// implicit GEMM (gemm.wgsl; gpu/gemm.ts plans the tiles)

/**
 * gemm_*: the level's geometry; a0 = batch chunks (the weight gradient's split of K, else 1),
 * a1 = column tiles, a2 = row tiles, mode = 1 for pool-order columns (gemm_forward_pool);
 * total = tiles x chunks x the workgroup's threads (one workgroup a tile).
 */
export const gemmParams = (g: ConvGeometry, plan: { chunks: number; colTiles: number; rowTiles: number; threads: number; poolOrder: boolean }) =>
  made('gemm', { ...g, a0: plan.chunks, a1: plan.colTiles, a2: plan.rowTiles, mode: plan.poolOrder ? 1 : 0, total: plan.threads });
