/**
 * The contrastive rendering term on the GPU (its math and the why: shaders/loss.wgsl's header and
 * docs/TRAINING.md): L_cr = a_cr / N sum_n relu(m + e_n(y_n) - e_n(r_n)), e_n(c) the mean squared
 * error of the rendering from class c through image n's switches, r_n = (y_n + 1 + k_n) mod C.
 *
 * The trainer (trainer.ts) records it only when a_cr > 0, in its top-down phase:
 *   1. `encodeRivalError`: r_n from the start classes and the batch's offsets k_n; the rendering
 *      from r_n; e_n(r) per image;
 *   2. (the trainer renders from y_n as before) `encodeStartGrad`: h_n = relu(m + e_n(y) - e_n(r)),
 *      the term's metric, and dL/dI_hat_y = (a_rc + a_cr [h_n > 0]) 2 (I_hat - I) / (N D) into G(0);
 *      the trainer runs its top-down backward as before;
 *   3. `encodeRivalGrad`: the rendering from r_n again (the engine's top-down buffers were reused)
 *      and dL/dI_hat_r = -a_cr [h_n > 0] 2 (I_hat - I) / (N D) into G(0); the trainer runs the
 *      top-down backward again, adding into the gradients, without the nonnegativity penalty and
 *      into the rival classes' templates (`startBack`).
 * The kernels sit beside the objective's in loss.wgsl but out of kernels.ts's KERNELS table (as the
 * sparse kernels are), so a run without the term never compiles them.
 */
import type { Variant } from '../types';
import type { DrmmGpuEngine, EngineInternals } from './engine';
import { KERNELS, k, type Access, type KernelDesc } from './kernels';
import { classStartBackwardParams, crErrorParams, crReconGradParams, crRivalParams, metricsCrParams, type ReadoutGeometry } from './params';
import type { GpuOwner, Step } from './runner';

// fa, fb, labels, dst, ucls, fc (loss.wgsl's bindings 1..6).
const B: Access[] = ['read', 'read', 'read', 'rw', 'rw', 'read'];

export const CR_KERNELS = {
  rival: k('loss', 'cr_rival', B, 'crRival'),
  error: k('loss', 'cr_error', B, 'crError'),
  hinge: k('loss', 'cr_hinge', B, 'crError'),
  reconGrad: k('loss', 'cr_recon_grad', B, 'crReconGrad'),
  metrics: k('loss', 'metrics_cr', B, 'metricsCr', true),
} satisfies Record<string, KernelDesc>;

/** The trainer's buffers the term reads and writes. */
export interface ContrastiveTargets {
  /** dL/dI_hat, G(0) of the top-down backward. */
  G0: GPUBuffer;
  /** dL/d(top map), G(L), where the top-down backward ends. */
  GL: GPUBuffer;
  /** The class templates' gradient. */
  gMu: GPUBuffer;
  /** The metrics accumulator. */
  acc: GPUBuffer;
  /** A read-write binding the kernels leave unused. */
  dummyRw: GPUBuffer;
}

export class ContrastivePass {
  /** k_n of the current batch (floats, exact integers), written by `setOffsets`. */
  private readonly offsets: GPUBuffer;
  /** r_n, written on the GPU. */
  private readonly rival: GPUBuffer;
  /** e_n(r) at [0, N), h_n at [N, 2N). */
  private readonly err: GPUBuffer;
  private readonly s: Record<'rival' | 'error' | 'hinge' | 'startGrad' | 'rivalGrad' | 'metrics', Step>;
  /** class_start_backward into the rival classes' templates (accumulating). */
  private readonly startBackStep: Step;

  constructor(own: GpuOwner, private readonly engine: DrmmGpuEngine, io: EngineInternals, t: ContrastiveTargets) {
    const N = engine.maxBatch;
    this.offsets = own.buffer('cr.offsets', N);
    this.rival = own.buffer('cr.rivalClasses', N);
    this.err = own.buffer('cr.errors', 2 * N);
    const u = io.unused;
    this.s = {
      rival: own.step(CR_KERNELS.rival, [u, u, io.startClasses, t.dummyRw, this.rival, this.offsets], 'cr.rival'),
      error: own.step(CR_KERNELS.error, [io.pixels, io.images, u, this.err, t.dummyRw, u], 'cr.error'),
      hinge: own.step(CR_KERNELS.hinge, [io.pixels, io.images, u, this.err, t.dummyRw, u], 'cr.hinge'),
      startGrad: own.step(CR_KERNELS.reconGrad, [io.pixels, io.images, u, t.G0, t.dummyRw, this.err], 'cr.startGrad'),
      rivalGrad: own.step(CR_KERNELS.reconGrad, [io.pixels, io.images, u, t.G0, t.dummyRw, this.err], 'cr.rivalGrad'),
      metrics: own.step(CR_KERNELS.metrics, [this.err, u, u, t.acc, t.dummyRw, u], 'cr.metrics'),
    };
    this.startBackStep = own.step(KERNELS.classStartBackward, [t.GL, u, u, t.gMu, this.rival], 'cr.startBack');
  }

  /** Uploads the batch's rival offsets k_n (integers in [0, classes - 2]; checked). */
  setOffsets(queue: GPUQueue, offsets: ArrayLike<number>, n: number, classes: number): void {
    if (offsets.length < n) throw new Error(`setBatch: ${offsets.length} rival offsets for ${n} images`);
    const f = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const v = offsets[i];
      if (!Number.isInteger(v) || v < 0 || v > classes - 2) throw new Error(`setBatch: rival offset ${v} of image ${i} is not in [0, ${classes - 2}]`);
      f[i] = v;
    }
    queue.writeBuffer(this.offsets, 0, f);
  }

  /** Step 1: the rival classes, their rendering, and e_n(r). */
  encodeRivalError(pass: GPUComputePassEncoder, n: number, D: number, classes: number, variant: Variant): void {
    this.s.rival.setDims(crRivalParams(n, classes)).encode(pass);
    this.engine.encodeClassBufferBacktrace(pass, variant, this.rival);
    this.s.error.setDims(crErrorParams(n, D)).encode(pass);
  }

  /** Step 2, after the start class's rendering: h_n, the metric (mean h_n into acc[slot]), and dL/dI_hat_y into G(0). */
  encodeStartGrad(pass: GPUComputePassEncoder, n: number, D: number, w: { rc: number; cr: number; margin: number }, slot: number): void {
    this.s.hinge.setDims(crErrorParams(n, D, w.margin)).encode(pass);
    this.s.metrics.setDims(metricsCrParams(n, slot)).encode(pass);
    this.s.startGrad.setDims(crReconGradParams(n, n * D, w.rc, w.cr)).encode(pass);
  }

  /** Step 3: the rival's rendering again and dL/dI_hat_r into G(0). */
  encodeRivalGrad(pass: GPUComputePassEncoder, n: number, D: number, cr: number, variant: Variant): void {
    this.engine.encodeClassBufferBacktrace(pass, variant, this.rival);
    this.s.rivalGrad.setDims(crReconGradParams(n, n * D, 0, -cr)).encode(pass);
  }

  /** The rival pass's end: dmu_r += its G(L), added onto the class templates' gradient. */
  encodeStartBack(pass: GPUComputePassEncoder, ro: ReadoutGeometry): void {
    this.startBackStep.setDims(classStartBackwardParams(ro, true)).encode(pass);
  }
}
