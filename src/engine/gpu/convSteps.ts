/**
 * The convolution-shaped work of a level in each kernel variant: the direct kernels of conv.wgsl
 * and grad.wgsl ('direct', blocked per level by kernels.ts's plans) or the implicit GEMM of
 * gemm.wgsl with one of its tiles (gemm.ts). One class per product, each built once for its
 * buffers (webgpu-samples' pattern: resources in the constructor, `encode` only records):
 *
 * - LevelForward: u, r = max(0, u) and the a-switch, and x = MaxPool(r) with the t-switch where
 *   the level pools; direct: conv_forward, relu_forward, maxpool_forward (3 dispatches); GEMM: one
 *   fused dispatch (gemm_forward_pool, or gemm_forward_relu).
 * - Match: u only, without bias (the trainer's top-down template matching, bias bound to zeros).
 * - Transpose: the top-down painting step (also the bottom-up input gradient).
 * - WeightGrad: the weight gradient's partial sums over batch chunks, then wgrad_reduce.
 *
 * At a pooled level the transpose and the weight gradient also run 'sparse' (sparse.wgsl): from
 * the signal's values at the t-switched positions (a coarse map, `Switched`) instead of the
 * unpooled fine map, a quarter of the multiply-adds. Not for the forward family, nor at a level
 * without pooling (checkChoice refuses both).
 *
 * Every variant computes the same sums in a different order, so results differ only by float
 * rounding; which one runs is the engine's KernelChoice (tuner.ts), fixed for an engine's life.
 */
import type { LevelShape } from '../model';
import { GEMM_TILES, gemmKernel, gemmPlan, type GemmTileName } from './gemm';
import { KERNELS, convForwardPlan, convTransposePlan, wgradPlan } from './kernels';
import {
  convParams, gemmParams, levelConv, levelPool, maxPoolParams, poolGatherParams, reluParams, sparseConvParams, sparseWgradParams, weightGradParams,
  wgradReduceParams,
} from './params';
import type { GpuOwner, Step } from './runner';
import { sparseTransposePlan, sparseWgradPlan } from './sparse';

/** A kernel variant: today's direct kernels, the implicit GEMM with a tile, or (transpose and weight gradient at a pooled level) the t-switch-sparse kernels. */
export type KernelVariant = 'direct' | GemmTileName | 'sparse';

export const KERNEL_VARIANTS: readonly KernelVariant[] = ['direct', ...(Object.keys(GEMM_TILES) as GemmTileName[]), 'sparse'];

/** The three product families the tuner chooses for, each per level (index 0 = level 1). */
export const KERNEL_FAMILIES = ['forward', 'transpose', 'wgrad'] as const;
export type KernelFamily = (typeof KERNEL_FAMILIES)[number];

/** The variant of every family at every level. */
export type KernelChoice = Record<KernelFamily, KernelVariant[]>;

export function isVariant(v: string): v is KernelVariant {
  return (KERNEL_VARIANTS as readonly string[]).includes(v);
}

/** Whether a variant can run a family at a level: 'sparse' only for the transpose and the weight gradient of a pooled level. */
export function variantFits(family: KernelFamily, variant: KernelVariant, l: LevelShape): boolean {
  return variant !== 'sparse' || (family !== 'forward' && l.pool);
}

/** Refuses, naming the family and level, a choice for another number of levels or with a variant that cannot run where it is named. */
export function checkChoice(c: KernelChoice, levels: readonly LevelShape[]): void {
  for (const f of KERNEL_FAMILIES) {
    if (c[f].length !== levels.length) throw new Error(`kernel choice ${formatChoice(c)} is not for a model of ${levels.length} levels`);
    c[f].forEach((v, i) => {
      if (!variantFits(f, v, levels[i]))
        throw new Error(`kernel choice: '${v}' cannot run ${f} at level ${i + 1}${f === 'forward' ? ' (sparse is for transpose and wgrad only)' : ', which does not pool (sparse needs the t-switch)'}`);
    });
  }
}

/** Today's direct kernels at every level: the choice without a tuner. */
export function directChoice(levels: number): KernelChoice {
  const all = (): KernelVariant[] => Array.from({ length: levels }, () => 'direct');
  return { forward: all(), transpose: all(), wgrad: all() };
}

/** `forward=direct,32x64;transpose=...;wgrad=...`: the form a log, a checkpoint and --kernels use. */
export function formatChoice(c: KernelChoice): string {
  return KERNEL_FAMILIES.map((f) => `${f}=${c[f].join(',')}`).join(';');
}

/**
 * Parses formatChoice's form for a model of `levels` levels, or 'direct' (the direct kernels at
 * every level: what a run without a tuner, the page's, uses); a bad one throws, naming what is wrong.
 */
export function parseChoice(text: string, levels: number): KernelChoice {
  if (text.trim() === 'direct') return directChoice(levels);
  const out: Partial<KernelChoice> = {};
  for (const part of text.split(';').map((s) => s.trim()).filter(Boolean)) {
    const [fam, list] = part.split('=');
    if (!(KERNEL_FAMILIES as readonly string[]).includes(fam) || list === undefined)
      throw new Error(`kernel choice: '${part}' is not <family>=<variant>,... with a family of ${KERNEL_FAMILIES.join(', ')}`);
    const vs = list.split(',').map((s) => s.trim());
    for (const v of vs) if (!isVariant(v)) throw new Error(`kernel choice: unknown variant '${v}' (known: ${KERNEL_VARIANTS.join(', ')})`);
    if (fam === 'forward' && vs.includes('sparse')) throw new Error(`kernel choice: 'sparse' is for transpose and wgrad only, not forward`);
    if (vs.length !== levels) throw new Error(`kernel choice: ${fam} names ${vs.length} variants for a model of ${levels} levels`);
    out[fam as KernelFamily] = vs as KernelVariant[];
  }
  for (const f of KERNEL_FAMILIES) if (!out[f]) throw new Error(`kernel choice: no ${f}=... in '${text}'`);
  return out as KernelChoice;
}

/** The scratch (floats) the weight gradient of a level needs at batch n in a variant. */
export function wgradScratch(variant: KernelVariant, n: number, l: LevelShape): number {
  if (variant === 'sparse') return sparseWgradPlan(n, l.c, l.cin, l.k).scratch;
  return variant === 'direct' ? wgradPlan(n, l.c, l.cin, l.k).scratch : gemmPlan('wgrad', levelConv(n, l), variant).scratch;
}

/**
 * A pooled level's signal as the sparse variants read it: the t-switch and `coarse`, the signal's
 * value at each window's switched position (its only nonzero one). With `gatherFrom` (a fine map
 * that is zero off the switched positions, e.g. the rendering's su), the step first fills
 * `coarse` from it (pool_gather); without, the caller has (switch_mask).
 */
export interface Switched {
  t: GPUBuffer;
  coarse: GPUBuffer;
  gatherFrom?: GPUBuffer;
}

/** pool_gather of `sw.gatherFrom` into `sw.coarse`, where there is one. */
function gatherStep(own: GpuOwner, sw: Switched, name: string): Step | null {
  return sw.gatherFrom ? own.step(KERNELS.poolGather, [sw.gatherFrom, sw.coarse, sw.t], `${name}.gather`) : null;
}

function needSwitched(variant: KernelVariant, l: LevelShape, sw: Switched | null, name: string): Switched | null {
  if (variant !== 'sparse') return null;
  if (!l.pool || !sw) throw new Error(`${name}: the sparse variant needs a pooled level and its t-switch`);
  return sw;
}

export interface ForwardBuffers {
  src: GPUBuffer;
  W: GPUBuffer;
  b: GPUBuffer;
  u: GPUBuffer;
  r: GPUBuffer;
  a: GPUBuffer;
  /** The pooled map and t-switch; null without pooling. */
  x: GPUBuffer | null;
  t: GPUBuffer | null;
}

/** A level's bottom-up pass (see the file's comment). */
export class LevelForward {
  private readonly steps: Step[];

  constructor(own: GpuOwner, readonly variant: KernelVariant, private readonly l: LevelShape, b: ForwardBuffers, name: string) {
    if (variant === 'sparse') throw new Error(`${name}: 'sparse' is for transpose and wgrad only`);
    if (variant === 'direct') {
      const conv = own.step(KERNELS[convForwardPlan(1, l.c, 1, 1).kernel], [b.src, b.W, b.b, b.u], `${name}.conv`);
      const relu = own.step(KERNELS.reluForward, [b.u, b.r, b.a], `${name}.relu`);
      this.steps = [conv, relu, ...(b.x && b.t ? [own.step(KERNELS.maxPool, [b.r, b.x, b.t], `${name}.pool`)] : [])];
    } else {
      // Without pooling, gemm_forward_relu still declares the pool bindings: two spare words.
      const x = b.x ?? own.buffer(`${name}.spareX`, 1);
      const t = b.t ?? own.buffer(`${name}.spareT`, 1);
      this.steps = [own.step(gemmKernel(l.pool ? 'forwardPool' : 'forwardRelu', variant), [b.src, b.W, b.b, b.u, b.r, b.a, x, t], `${name}.gemm`)];
    }
  }

  encode(pass: GPUComputePassEncoder, n: number): void {
    const l = this.l;
    const g = levelConv(n, l);
    if (this.variant === 'direct') {
      const [conv, relu, pool] = this.steps;
      conv.setDims(convParams(g, convForwardPlan(n, l.c, l.hc, l.wc).threads)).encode(pass);
      relu.setDims(reluParams(n * l.c * l.hc * l.wc)).encode(pass);
      pool?.setDims(maxPoolParams(levelPool(n, l))).encode(pass);
    } else {
      this.steps[0].setDims(gemmParams(g, gemmPlan(l.pool ? 'forwardPool' : 'forwardRelu', g, this.variant as GemmTileName))).encode(pass);
    }
  }
}

/** Template matching without ReLU: u = W * src + b (the trainer's top-down product, b = 0). */
export class Match {
  private readonly step: Step;

  constructor(own: GpuOwner, readonly variant: KernelVariant, private readonly l: LevelShape, src: GPUBuffer, W: GPUBuffer, b: GPUBuffer, out: GPUBuffer, name: string) {
    if (variant === 'sparse') throw new Error(`${name}: 'sparse' is for transpose and wgrad only`);
    const desc = variant === 'direct' ? KERNELS[convForwardPlan(1, l.c, 1, 1).kernel] : gemmKernel('forward', variant);
    this.step = own.step(desc, [src, W, b, out], name);
  }

  encode(pass: GPUComputePassEncoder, n: number): void {
    const g = levelConv(n, this.l);
    const v = this.variant as Exclude<KernelVariant, 'sparse'>;
    const p = v === 'direct' ? convParams(g, convForwardPlan(n, this.l.c, this.l.hc, this.l.wc).threads) : gemmParams(g, gemmPlan('forward', g, v));
    this.step.setDims(p).encode(pass);
  }
}

/**
 * The transpose: paints the signal s on level l's map into the level below (out). The sparse
 * variant reads `sw` instead of s, and keeps a direct step for a signal that is not zero off the
 * switched positions (a backtrace from one unit of r(l)): `encode(..., switched = false)`.
 */
export class Transpose {
  private readonly step: Step;
  private readonly gather: Step | null = null;
  private readonly direct: Step | null = null;

  constructor(own: GpuOwner, readonly variant: KernelVariant, private readonly l: LevelShape, s: GPUBuffer, W: GPUBuffer, unusedBias: GPUBuffer, out: GPUBuffer, name: string, sw: Switched | null = null) {
    const directDesc = KERNELS[convTransposePlan(1, l.cin, 1, 1).kernel];
    const sparse = needSwitched(variant, l, sw, name);
    if (sparse) {
      this.gather = gatherStep(own, sparse, name);
      this.step = own.step(sparseTransposePlan(1, l.cin, 1, 1).kernel, [sparse.coarse, sparse.t, W, out, unusedBias], name);
      this.direct = own.step(directDesc, [s, W, unusedBias, out], `${name}.direct`);
    } else {
      this.step = own.step(variant === 'direct' ? directDesc : gemmKernel('transpose', variant as GemmTileName), [s, W, unusedBias, out], name);
    }
  }

  /** `switched`: s is zero off the t-switched positions (every pass but a backtrace from a unit of r(l)); only the sparse variant reads it. */
  encode(pass: GPUComputePassEncoder, n: number, switched = true): void {
    const l = this.l;
    const g = levelConv(n, l);
    const directParams = () => convParams(g, convTransposePlan(n, l.cin, l.hin, l.win).threads);
    if (this.variant === 'sparse' && !switched) {
      this.direct!.setDims(directParams()).encode(pass);
    } else if (this.variant === 'sparse') {
      this.gather?.setDims(poolGatherParams(levelPool(n, l))).encode(pass);
      this.step.setDims(sparseConvParams(g, sparseTransposePlan(n, l.cin, l.hin, l.win).threads)).encode(pass);
    } else {
      this.step.setDims(this.variant === 'direct' ? directParams() : gemmParams(g, gemmPlan('transpose', g, this.variant))).encode(pass);
    }
  }
}

/**
 * dW (+)= sum A (x) B over the batch (grad.wgsl's formula): partial sums per chunk, then
 * wgrad_reduce. The sparse variant reads A as `sw` (A zero off the switched positions).
 */
export class WeightGrad {
  private readonly step: Step;
  private readonly reduce: Step;
  private readonly gather: Step | null = null;

  constructor(own: GpuOwner, readonly variant: KernelVariant, private readonly l: LevelShape, A: GPUBuffer, B: GPUBuffer, unused: GPUBuffer, scratch: GPUBuffer, dW: GPUBuffer, name: string, sw: Switched | null = null) {
    const sparse = needSwitched(variant, l, sw, name);
    if (sparse) {
      this.gather = gatherStep(own, sparse, name);
      this.step = own.step(sparseWgradPlan(1, l.c, l.cin, l.k).kernel, [sparse.coarse, sparse.t, B, scratch, unused], name);
    } else {
      this.step = variant === 'direct'
        ? own.step(KERNELS[wgradPlan(1, l.c, l.cin, l.k).kernel], [A, B, scratch], name)
        : own.step(gemmKernel('wgrad', variant as GemmTileName), [A, B, unused, scratch], name);
    }
    this.reduce = own.step(KERNELS.wgradReduce, [scratch, unused, dW], `${name}.reduce`);
  }

  encode(pass: GPUComputePassEncoder, n: number, accumulate: boolean): void {
    const l = this.l;
    const g = levelConv(n, l);
    let chunks: number;
    if (this.variant === 'sparse') {
      const plan = sparseWgradPlan(n, l.c, l.cin, l.k);
      this.gather?.setDims(poolGatherParams(levelPool(n, l))).encode(pass);
      this.step.setDims(sparseWgradParams(g, plan)).encode(pass);
      chunks = plan.chunks;
    } else if (this.variant === 'direct') {
      const plan = wgradPlan(n, l.c, l.cin, l.k);
      this.step.setDims(weightGradParams(g, plan)).encode(pass);
      chunks = plan.chunks;
    } else {
      const plan = gemmPlan('wgrad', g, this.variant);
      this.step.setDims(gemmParams(g, plan)).encode(pass);
      chunks = plan.chunks;
    }
    this.reduce.setDims(wgradReduceParams(chunks, l.c * l.cin * l.k * l.k, accumulate)).encode(pass);
  }
}
