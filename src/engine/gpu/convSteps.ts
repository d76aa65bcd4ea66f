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
 * Every variant computes the same sums in a different order, so results differ only by float
 * rounding; which one runs is the engine's KernelChoice (tuner.ts), fixed for an engine's life.
 */
import type { LevelShape } from '../model';
import { GEMM_TILES, gemmKernel, gemmPlan, type GemmTileName } from './gemm';
import { KERNELS, convForwardPlan, convTransposePlan, wgradPlan } from './kernels';
import { convParams, gemmParams, levelConv, levelPool, maxPoolParams, reluParams, weightGradParams, wgradReduceParams } from './params';
import type { GpuOwner, Step } from './runner';

/** A kernel variant: today's direct kernels, or the implicit GEMM with a tile. */
export type KernelVariant = 'direct' | GemmTileName;

export const KERNEL_VARIANTS: readonly KernelVariant[] = ['direct', ...(Object.keys(GEMM_TILES) as GemmTileName[])];

/** The three product families the tuner chooses for, each per level (index 0 = level 1). */
export const KERNEL_FAMILIES = ['forward', 'transpose', 'wgrad'] as const;
export type KernelFamily = (typeof KERNEL_FAMILIES)[number];

/** The variant of every family at every level. */
export type KernelChoice = Record<KernelFamily, KernelVariant[]>;

export function isVariant(v: string): v is KernelVariant {
  return (KERNEL_VARIANTS as readonly string[]).includes(v);
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
    if (vs.length !== levels) throw new Error(`kernel choice: ${fam} names ${vs.length} variants for a model of ${levels} levels`);
    out[fam as KernelFamily] = vs as KernelVariant[];
  }
  for (const f of KERNEL_FAMILIES) if (!out[f]) throw new Error(`kernel choice: no ${f}=... in '${text}'`);
  return out as KernelChoice;
}

/** The scratch (floats) the weight gradient of a level needs at batch n in a variant. */
export function wgradScratch(variant: KernelVariant, n: number, l: LevelShape): number {
  return variant === 'direct' ? wgradPlan(n, l.c, l.cin, l.k).scratch : gemmPlan('wgrad', levelConv(n, l), variant).scratch;
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
      this.steps[0].setDims(gemmParams(g, gemmPlan(l.pool ? 'forwardPool' : 'forwardRelu', g, this.variant))).encode(pass);
    }
  }
}

/** Template matching without ReLU: u = W * src + b (the trainer's top-down product, b = 0). */
export class Match {
  private readonly step: Step;

  constructor(own: GpuOwner, readonly variant: KernelVariant, private readonly l: LevelShape, src: GPUBuffer, W: GPUBuffer, b: GPUBuffer, out: GPUBuffer, name: string) {
    const desc = variant === 'direct' ? KERNELS[convForwardPlan(1, l.c, 1, 1).kernel] : gemmKernel('forward', variant);
    this.step = own.step(desc, [src, W, b, out], name);
  }

  encode(pass: GPUComputePassEncoder, n: number): void {
    const g = levelConv(n, this.l);
    const p = this.variant === 'direct' ? convParams(g, convForwardPlan(n, this.l.c, this.l.hc, this.l.wc).threads) : gemmParams(g, gemmPlan('forward', g, this.variant));
    this.step.setDims(p).encode(pass);
  }
}

/** The transpose: paints the signal s on level l's map into the level below (out). */
export class Transpose {
  private readonly step: Step;

  constructor(own: GpuOwner, readonly variant: KernelVariant, private readonly l: LevelShape, s: GPUBuffer, W: GPUBuffer, unusedBias: GPUBuffer, out: GPUBuffer, name: string) {
    const desc = variant === 'direct' ? KERNELS[convTransposePlan(1, l.cin, 1, 1).kernel] : gemmKernel('transpose', variant);
    this.step = own.step(desc, [s, W, unusedBias, out], name);
  }

  encode(pass: GPUComputePassEncoder, n: number): void {
    const g = levelConv(n, this.l);
    const p = this.variant === 'direct' ? convParams(g, convTransposePlan(n, this.l.cin, this.l.hin, this.l.win).threads) : gemmParams(g, gemmPlan('transpose', g, this.variant));
    this.step.setDims(p).encode(pass);
  }
}

/** dW (+)= sum A (x) B over the batch (grad.wgsl's formula): partial sums per chunk, then wgrad_reduce. */
export class WeightGrad {
  private readonly step: Step;
  private readonly reduce: Step;

  constructor(own: GpuOwner, readonly variant: KernelVariant, private readonly l: LevelShape, A: GPUBuffer, B: GPUBuffer, unused: GPUBuffer, scratch: GPUBuffer, dW: GPUBuffer, name: string) {
    this.step = variant === 'direct'
      ? own.step(KERNELS[wgradPlan(1, l.c, l.cin, l.k).kernel], [A, B, scratch], name)
      : own.step(gemmKernel('wgrad', variant), [A, B, unused, scratch], name);
    this.reduce = own.step(KERNELS.wgradReduce, [scratch, unused, dW], `${name}.reduce`);
  }

  encode(pass: GPUComputePassEncoder, n: number, accumulate: boolean): void {
    const l = this.l;
    const g = levelConv(n, l);
    let chunks: number;
    if (this.variant === 'direct') {
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
