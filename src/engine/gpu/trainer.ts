/**
 * EG training on the GPU (DRMM.md section 3). One step = the hard E-step (the bottom-up DP with
 * its switches, then the top-down rendering from the label or the predicted class) and a G-step:
 * the gradient of the objective with those switches fixed, then Adam. Everything is encoded into
 * command buffers with no read-back; the loss terms and accuracy accumulate on the GPU and are
 * read by `readMetrics` every K steps.
 *
 * Gradient flow. Top-down (reconstruction and nonnegativity), level 1 upwards:
 *   G(0) = a_rc 2 (I_hat - I) / (N D);  dW(l) += su(l) (x) G(l-1) (conv_weight_grad);
 *   g_su = conv(G(l-1), W(l));  g_sr = g_su * a * [sr > 0] - a_nn 2 relu(-sr) / (N units);
 *   G(l) = pool_gather(g_sr, t);  dmu += class_start_backward(G(L)).
 * Bottom-up (cross-entropy, entropy and class balance): ds -> read-out backward -> unpool through t -> mask by a
 * -> dW(l) += g_u (x) x(l-1), db(l) = sum g_u, g_x(l-1) = convT(g_u, W(l)).
 * With the 'sparse' variant of a pooled level's wgrad or transpose (convSteps.ts), g_u is kept
 * coarse, g_c = g_x * a at the switched positions (switch_mask: no unpool, no fine mask, db from
 * g_c), and the top-down dW(l) reads su(l) at the switched positions (pool_gather).
 * With the contrastive rendering term (a_cr > 0, contrastive.ts), G(0) of the start class's pass
 * gets a_cr more where an image's hinge is active, and a second top-down pass from the rival
 * classes (G(0) = -a_cr 2 (I_hat_r - I) / (N D) there, no a_nn) adds into dW and dmu.
 */
import { paramShapes, paramsFromList, shapesOf, type ModelParams, type ModelShapes } from '../model';
import type { LossWeights, ReconVariant } from '../reference/train';
// The training core's metrics type: readMetrics() fills it for the GPU run (train/gpuRun.ts).
import type { TrainMetrics } from '../train/run';
import type { DrmmGpuEngine, EngineInternals } from './engine';
import { KERNELS, type KernelName } from './kernels';
import {
  adamParams, biasGradParams, classStartBackwardParams, evalAccumulateParams, levelPool, metricsScoresParams,
  metricsSqParams, poolGatherParams, switchMaskParams, readoutGradBiasParams, readoutGradMuParams, readoutBackwardParams, readoutOf, reconGradParams,
  reluTopDownParams, scoresGradParams, topdownBackwardParams, unpoolParams,
} from './params';
import { Match, Transpose, WeightGrad, wgradScratch } from './convSteps';
import { SPARSE_KERNELS } from './sparse';
import { ContrastivePass } from './contrastive';
import { GpuOwner, type Step } from './runner';

export interface TrainConfig {
  weights: LossWeights;
  /** The top-down pass the reconstruction goes through (default: the NN-DRMM's rendering). */
  variant: ReconVariant;
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** Decoupled (AdamW) weight decay; 0 for none. */
  weightDecay: number;
  /** Per parameter tensor (paramList order): projected onto >= 0 after each step. */
  nonnegative?: boolean[];
  /** The contrastive rendering term's margin m (used when weights.cr > 0); absent: CR_MARGIN. */
  crMargin?: number;
}

/** The contrastive term's default margin, in mean squared error per pixel (docs/TRAINING.md). */
export const CR_MARGIN = 0.005;

export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  weights: { rc: 0.5, kl: 0.1, nn: 0.1 },
  variant: 'rendering',
  lr: 1e-3,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  weightDecay: 0,
};

export const UNLABELLED = 0xffffffff;
const F = 4;
// The metrics accumulator's slots: metrics_scores writes 0..4 and `bal` (its a0), metrics_sq `rc` and `nn`, metrics_cr `cr`.
const ACC = { ce: 0, nl: 1, ent: 2, nu: 3, correct: 4, rc: 5, nn: 6, bal: 7, cr: 8 } as const;
const ACC_SLOTS = 9;

export interface AdamState {
  t: number;
  m: Float32Array[];
  v: Float32Array[];
}

export class GpuTrainer {
  readonly shapes: ModelShapes;
  config: TrainConfig;
  private readonly engine: DrmmGpuEngine;
  private readonly device: GPUDevice;
  private readonly io: EngineInternals;
  private readonly own: GpuOwner;
  private readonly labels: GPUBuffer;
  private readonly acc: GPUBuffer;
  private readonly evalAcc: GPUBuffer;
  private readonly dummyRw: GPUBuffer;
  private readonly params: GPUBuffer[];
  private readonly grads: GPUBuffer[];
  private readonly m: GPUBuffer[];
  private readonly v: GPUBuffer[];
  private readonly sizes: number[];
  private t = 0;
  private stepsSinceRead = 0;
  private n = 0;
  /** Whether the current batch came with rival offsets (the contrastive term needs them). */
  private hasRivals = false;
  private readonly s: ReturnType<GpuTrainer['buildSteps']>;

  constructor(engine: DrmmGpuEngine, config: Partial<TrainConfig> = {}) {
    this.engine = engine;
    this.device = engine.device;
    this.config = { ...DEFAULT_TRAIN_CONFIG, ...config, weights: { ...DEFAULT_TRAIN_CONFIG.weights, ...config.weights } };
    this.shapes = shapesOf(engine.spec);
    this.io = engine.internals();
    this.own = new GpuOwner(this.device, 'drmm.train');
    const buf = (name: string, elems: number) => this.own.buffer(name, elems);
    const N = engine.maxBatch;
    this.labels = buf('labels', N);
    this.acc = buf('metrics', ACC_SLOTS);
    this.evalAcc = buf('evalCounts', 2);
    this.dummyRw = buf('unusedRw', 1);
    this.params = [];
    this.io.levels.forEach((lb) => this.params.push(lb.W, lb.b));
    this.params.push(this.io.mu, this.io.classBias);
    this.sizes = this.params.map((p) => p.size / F);
    const names = this.paramNames();
    this.grads = this.sizes.map((n, i) => buf(`grad.${names[i]}`, n));
    this.m = this.sizes.map((n, i) => buf(`adam.m.${names[i]}`, n));
    this.v = this.sizes.map((n, i) => buf(`adam.v.${names[i]}`, n));
    this.s = this.buildSteps(buf);
  }

  private mkStep(kernel: KernelName, buffers: GPUBuffer[], label: string) {
    return this.own.step(KERNELS[kernel], buffers, label);
  }

  private buildSteps(buf: (name: string, elems: number) => GPUBuffer) {
    const N = this.engine.maxBatch;
    const io = this.io;
    const sh = this.shapes;
    const L = sh.levels.length;
    const inp = this.engine.spec.input;
    const C = this.engine.spec.classes;
    const unused = io.unused;
    const zeroBias = buf('zeroBias', Math.max(...sh.levels.map((l) => l.c)));
    const gScores = buf('gScores', N * C);
    // Top-down backward buffers: G below each level (G[0] over the pixels), g_su and g_sr on r(l).
    const G: GPUBuffer[] = [buf('td.G0', N * inp.channels * inp.height * inp.width)];
    const gsu: GPUBuffer[] = [];
    const gsr: GPUBuffer[] = [];
    sh.levels.forEach((l, i) => {
      gsu.push(buf(`td.gsu${i + 1}`, N * l.c * l.hc * l.wc));
      gsr.push(buf(`td.gsr${i + 1}`, N * l.c * l.hc * l.wc));
      G.push(l.pool ? buf(`td.G${i + 1}`, N * l.c * l.hout * l.wout) : gsr[i]);
    });
    // Bottom-up backward buffers: g over x(l), r(l) and u(l).
    const gx: GPUBuffer[] = sh.levels.map((l, i) => buf(`bu.gx${i + 1}`, N * l.c * l.hout * l.wout));
    const gr: GPUBuffer[] = sh.levels.map((l, i) => (l.pool ? buf(`bu.gr${i + 1}`, N * l.c * l.hc * l.wc) : gx[i]));
    const gu: GPUBuffer[] = sh.levels.map((l, i) => buf(`bu.gu${i + 1}`, N * l.c * l.hc * l.wc));
    // The weight gradient's partial sums over batch chunks, reduced into the gradient.
    // One scratch a level, shared by its two weight gradients (they run one after the other).
    const kc = this.engine.kernels;
    const scratch = sh.levels.map((l, i) => buf(`wgradScratch${i + 1}`, wgradScratch(kc.wgrad[i], N, l)));
    const gW = (i: number) => this.grads[2 * i];
    const gB = (i: number) => this.grads[2 * i + 1];
    const gMu = this.grads[2 * L];
    const gBc = this.grads[2 * L + 1];
    const top = io.levels[L - 1];
    // Sparse variants (pooled levels only): which product reads the switched signal, and where the bottom-up one lives.
    const wSparse = (i: number) => kc.wgrad[i] === 'sparse';
    const tSparse = (i: number) => i > 0 && kc.transpose[i] === 'sparse';
    const coarseOf = (i: number, name: string) => buf(name, N * sh.levels[i].c * sh.levels[i].hout * sh.levels[i].wout);
    const gc = io.levels.map((lb, i) => (lb.t && (wSparse(i) || tSparse(i)) ? { t: lb.t, coarse: coarseOf(i, `bu.gc${i + 1}`) } : null));
    const fineBu = (i: number) => !gc[i] || !wSparse(i) || (i > 0 && !tSparse(i));
    const tdSwitched = io.levels.map((lb, i) => (lb.t && wSparse(i) ? { t: lb.t, coarse: coarseOf(i, `td.suSwitched${i + 1}`), gatherFrom: lb.su } : null));
    // The contrastive term's steps, built on first use (a run without it compiles and allocates none).
    // Its rival pass gets top-down steps of its own where the dims differ from the start class's pass
    // (a Step holds one uniform, and the last setDims before a submit is what all its dispatches read).
    let cr: { pass: ContrastivePass; td: { wgrad: WeightGrad; back: Step }[] } | null = null;
    const contrastive = () =>
      (cr ??= {
        pass: new ContrastivePass(this.own, this.engine, io, { G0: G[0], GL: G[L], gMu, acc: this.acc, dummyRw: this.dummyRw }),
        td: io.levels.map((lb, i) => ({
          wgrad: new WeightGrad(this.own, kc.wgrad[i], sh.levels[i], lb.su, G[i], unused, scratch[i], gW(i), `cr.td.wgrad${i + 1}`, tdSwitched[i]),
          back: this.mkStep('topdownBackward', [gsu[i], lb.sr, this.labels, gsr[i], lb.a], `cr.td.back${i + 1}`),
        })),
      });
    return {
      contrastive,
      scoresGrad: this.mkStep('scoresGrad', [io.probs, unused, this.labels, gScores, io.startClasses], 'scoresGrad'),
      metricsScores: this.mkStep('metricsScores', [io.probs, unused, this.labels, this.acc, this.dummyRw], 'metrics.scores'),
      metricsRc: this.mkStep('metricsSq', [io.pixels, io.images, this.labels, this.acc, this.dummyRw], 'metrics.rc'),
      metricsNn: io.levels.map((lb, i) => this.mkStep('metricsSq', [lb.sr, unused, this.labels, this.acc, this.dummyRw], `metrics.nn${i + 1}`)),
      reconGrad: this.mkStep('reconGrad', [io.pixels, io.images, this.labels, G[0], this.dummyRw], 'reconGrad'),
      td: io.levels.map((lb, i) => ({
        wgrad: new WeightGrad(this.own, kc.wgrad[i], sh.levels[i], lb.su, G[i], unused, scratch[i], gW(i), `td.wgrad${i + 1}`, tdSwitched[i]),
        conv: new Match(this.own, kc.forward[i], sh.levels[i], G[i], lb.W, zeroBias, gsu[i], `td.conv${i + 1}`),
        back: this.mkStep('topdownBackward', [gsu[i], lb.sr, this.labels, gsr[i], lb.a], `td.back${i + 1}`),
        gather: lb.t ? this.mkStep('poolGather', [gsr[i], G[i + 1], lb.t], `td.gather${i + 1}`) : null,
      })),
      startBack: this.mkStep('classStartBackward', [G[L], unused, this.labels, gMu, io.startClasses], 'td.startBack'),
      gradMu: this.mkStep('readoutGradMu', [gScores, top.x, gMu], 'bu.gradMu'),
      gradBc: this.mkStep('readoutGradBias', [gScores, unused, gBc], 'bu.gradBias'),
      readoutBack: this.mkStep('readoutBackward', [gScores, io.mu, gx[L - 1]], 'bu.readoutBack'),
      bu: io.levels.map((lb, i) => ({
        unpool: lb.t && fineBu(i) ? this.mkStep('unpool', [gx[i], gr[i], lb.t], `bu.unpool${i + 1}`) : null,
        mask: fineBu(i) ? this.mkStep('reluTopDown', [gr[i], gu[i], lb.a], `bu.mask${i + 1}`) : null,
        switchMask: lb.t && gc[i] ? this.own.step(SPARSE_KERNELS.switchMask, [gx[i], lb.t, unused, gc[i]!.coarse, lb.a], `bu.switchMask${i + 1}`) : null,
        wgrad: new WeightGrad(this.own, kc.wgrad[i], sh.levels[i], gu[i], i === 0 ? io.images : io.levels[i - 1].x, unused, scratch[i], gW(i), `bu.wgrad${i + 1}`, wSparse(i) ? gc[i] : null),
        // db = sum g_u: over g_c's coarse map where there is one (g_u is zero off the switched positions).
        bgrad: this.mkStep('convBiasGrad', [gc[i]?.coarse ?? gu[i], unused, gB(i)], `bu.bgrad${i + 1}`),
        biasMap: gc[i] ? { h: sh.levels[i].hout, w: sh.levels[i].wout } : { h: sh.levels[i].hc, w: sh.levels[i].wc },
        convT: i > 0 ? new Transpose(this.own, kc.transpose[i], sh.levels[i], gu[i], lb.W, lb.b, gx[i - 1], `bu.convT${i + 1}`, tSparse(i) ? gc[i] : null) : null,
      })),
      adam: this.params.map((p, i) => this.mkStep('adamStep', [this.grads[i], p, this.m[i], this.v[i]], `adam${i}`)),
      evalAcc: this.mkStep('evalAccumulate', [io.probs, unused, this.labels, this.evalAcc, this.dummyRw], 'eval'),
    };
  }

  private live(): void {
    if (this.own.destroyed) throw new Error('This trainer was destroyed.');
  }

  /**
   * Uploads a batch: n images and their labels (-1 or UNLABELLED for an unlabelled image), and for
   * the contrastive term (a_cr > 0) each image's rival offset k_n in [0, C-2] (train/rivals.ts).
   */
  setBatch(images: Float32Array, labels: ArrayLike<number>, n: number, rivalOffsets?: ArrayLike<number>): void {
    this.live();
    this.engine.setImages(images, n);
    const u = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      const y = labels[i];
      if (y === -1 || y === UNLABELLED) u[i] = UNLABELLED;
      else if (Number.isInteger(y) && y >= 0 && y < this.engine.spec.classes) u[i] = y;
      else throw new Error(`setBatch: label ${y} of image ${i} is not a class`);
    }
    if (rivalOffsets) this.s.contrastive().pass.setOffsets(this.device.queue, rivalOffsets, n, this.engine.spec.classes);
    this.device.queue.writeBuffer(this.labels, 0, u);
    this.n = n;
    this.hasRivals = !!rivalOffsets;
  }

  /** Whether the top-down pass takes part in the objective (not for the convnet baseline). */
  private get topDown(): boolean {
    const w = this.config.weights;
    return w.rc !== 0 || w.nn !== 0 || (w.cr ?? 0) !== 0;
  }

  /**
   * The phases of one EG step, each a function that records into a compute pass. `step()` runs
   * them in one submit; a caller on a slow adapter may submit them one by one.
   */
  phases(): ((pass: GPUComputePassEncoder) => void)[] {
    this.live();
    if (this.n < 1) throw new Error('No batch: call setBatch first.');
    const n = this.n;
    const sh = this.shapes;
    const spec = this.engine.spec;
    const C = spec.classes;
    const L = sh.levels.length;
    const { weights: w, variant } = this.config;
    const D = spec.input.channels * spec.input.height * spec.input.width;
    const ro = readoutOf(n, sh, C, spec.readout);
    const s = this.s;
    const topDown = this.topDown;
    const forward = (pass: GPUComputePassEncoder) => {
      this.engine.encodeForward(pass);
      s.scoresGrad.setDims(scoresGradParams(n, C, w.kl, w.bal ?? 0)).encode(pass);
      s.metricsScores.setDims(metricsScoresParams(n, C, ACC.bal)).encode(pass);
    };
    const cr = w.cr ?? 0;
    if (cr !== 0 && !this.hasRivals) throw new Error('The contrastive rendering term (cr > 0) needs the batch\'s rival offsets: setBatch(images, labels, n, offsets).');
    const con = cr !== 0 ? s.contrastive() : null;
    // Back through the top-down levels from G(0) into dW (and dmu of the pass's start classes): the
    // start class's pass, or the rival's (its own steps: accumulating, no NN penalty).
    const topdownBack = (pass: GPUComputePassEncoder, rival: boolean) => {
      sh.levels.forEach((l, i) => {
        const td = s.td[i];
        const own = rival ? con!.td[i] : td;
        own.wgrad.encode(pass, n, rival);
        td.conv.encode(pass, n);
        own.back.setDims(topdownBackwardParams(variant, rival ? 0 : w.nn, n * l.c * l.hc * l.wc)).encode(pass);
        td.gather?.setDims(poolGatherParams(levelPool(n, l))).encode(pass);
      });
      if (rival) con!.pass.encodeStartBack(pass, ro);
      else s.startBack.setDims(classStartBackwardParams(ro, false)).encode(pass);
    };
    const topdown = (pass: GPUComputePassEncoder) => {
      con?.pass.encodeRivalError(pass, n, D, C, variant);
      this.engine.encodeClassBufferBacktrace(pass, variant);
      s.metricsRc.setDims(metricsSqParams('difference', ACC.rc, 1 / (n * D), n * D)).encode(pass);
      sh.levels.forEach((l, i) => {
        const units = n * l.c * l.hc * l.wc;
        s.metricsNn[i].setDims(metricsSqParams('negativePart', ACC.nn, 1 / units, units)).encode(pass);
      });
      if (con) con.pass.encodeStartGrad(pass, n, D, { rc: w.rc, cr, margin: this.config.crMargin ?? CR_MARGIN }, ACC.cr);
      else s.reconGrad.setDims(reconGradParams(w.rc, n * D)).encode(pass);
      topdownBack(pass, false);
      if (!con) return;
      // The rival's pass: its own rendering and gradient, added on; the NN penalty is the start pass's alone.
      con.pass.encodeRivalGrad(pass, n, D, cr, variant);
      topdownBack(pass, true);
    };
    const backward = (pass: GPUComputePassEncoder) => {
      // With the top-down pass, its gradients are already in the class templates and the weights: add to them.
      s.gradMu.setDims(readoutGradMuParams(ro, topDown)).encode(pass);
      s.gradBc.setDims(readoutGradBiasParams(n, C, false)).encode(pass);
      s.readoutBack.setDims(readoutBackwardParams(ro)).encode(pass);
      for (let i = L - 1; i >= 0; i--) {
        const l = sh.levels[i];
        const b = s.bu[i];
        b.unpool?.setDims(unpoolParams(levelPool(n, l))).encode(pass);
        b.mask?.setDims(reluTopDownParams('gradient', n * l.c * l.hc * l.wc)).encode(pass);
        b.switchMask?.setDims(switchMaskParams(levelPool(n, l))).encode(pass);
        b.wgrad.encode(pass, n, topDown);
        b.bgrad.setDims(biasGradParams({ n, channels: l.c, ...b.biasMap }, false)).encode(pass);
        b.convT?.encode(pass, n);
      }
    };
    const adam = (pass: GPUComputePassEncoder) => {
      const { lr, beta1, beta2, eps, weightDecay, nonnegative } = this.config;
      const t = this.t + 1;
      this.params.forEach((_, i) =>
        s.adam[i].setDims(adamParams({ lr, beta1, beta2, eps, weightDecay, step: t, count: this.sizes[i], nonnegative: nonnegative?.[i] ?? false })).encode(pass),
      );
      this.t = t;
      this.stepsSinceRead++;
    };
    return topDown ? [forward, topdown, backward, adam] : [forward, backward, adam];
  }

  /** One EG step on the current batch, in one submit. */
  step(): void {
    const enc = this.device.createCommandEncoder({ label: 'drmm.train.step' });
    const pass = enc.beginComputePass({ label: 'drmm.train.step' });
    for (const phase of this.phases()) phase(pass);
    pass.end();
    this.device.queue.submit([enc.finish()]);
  }

  get stepCount(): number {
    return this.t;
  }

  /** Means of the loss terms and training accuracy since the last reset (one read-back). */
  async readMetrics(reset = true): Promise<TrainMetrics> {
    this.live();
    const [raw] = await this.own.staging.read([{ buffer: this.acc, offset: 0, size: ACC_SLOTS * F }]);
    const a = new Float32Array(raw);
    const steps = this.stepsSinceRead;
    if (reset) {
      this.device.queue.writeBuffer(this.acc, 0, new Float32Array(ACC_SLOTS));
      this.stepsSinceRead = 0;
    }
    const w = this.config.weights;
    const ce = a[ACC.nl] > 0 ? a[ACC.ce] / a[ACC.nl] : 0;
    const ent = a[ACC.nu] > 0 ? a[ACC.ent] / a[ACC.nu] : 0;
    const rc = steps > 0 ? a[ACC.rc] / steps : 0;
    const nn = steps > 0 ? a[ACC.nn] / steps : 0;
    const bal = steps > 0 ? a[ACC.bal] / steps : 0;
    const cr = steps > 0 ? a[ACC.cr] / steps : 0;
    return {
      steps,
      ce,
      rc,
      ent,
      nn,
      bal,
      cr,
      total: ce + w.rc * rc + w.kl * ent + w.nn * nn + (w.bal ?? 0) * bal + (w.cr ?? 0) * cr,
      trainAccuracy: a[ACC.nl] > 0 ? a[ACC.correct] / a[ACC.nl] : NaN,
      labelledSeen: a[ACC.nl],
    };
  }

  /**
   * Test accuracy on `count` images (pixels in [0,1] floats, C x H x W each) in chunks of the
   * engine's batch, one submit a chunk, and one read-back at the end. `onChunk` lets a caller yield.
   */
  async evaluate(images: Float32Array, labels: ArrayLike<number>, count: number, onChunk?: (done: number) => Promise<void> | void): Promise<{ correct: number; count: number; accuracy: number }> {
    this.live();
    const per = this.engine.spec.input.channels * this.engine.spec.input.height * this.engine.spec.input.width;
    this.device.queue.writeBuffer(this.evalAcc, 0, new Float32Array(2));
    const B = this.engine.maxBatch;
    for (let first = 0; first < count; first += B) {
      const n = Math.min(B, count - first);
      this.engine.setImages(images.subarray(first * per, (first + n) * per), n);
      this.device.queue.writeBuffer(this.labels, 0, Uint32Array.from({ length: n }, (_, i) => labels[first + i]));
      const enc = this.device.createCommandEncoder({ label: 'drmm.eval' });
      const pass = enc.beginComputePass();
      this.engine.encodeForward(pass);
      this.s.evalAcc.setDims(evalAccumulateParams(n, this.engine.spec.classes, 0)).encode(pass);
      pass.end();
      this.device.queue.submit([enc.finish()]);
      if (onChunk) await onChunk(first + n);
    }
    this.n = 0; // the batch buffers now hold test images
    this.hasRivals = false;
    const [raw] = await this.own.staging.read([{ buffer: this.evalAcc, offset: 0, size: 2 * F }]);
    const [correct, seen] = new Float32Array(raw);
    return { correct, count: seen, accuracy: correct / seen };
  }

  /** The current parameters (one read-back). */
  async readParams(): Promise<ModelParams> {
    this.live();
    const out = await this.own.staging.read(this.params.map((b, i) => ({ buffer: b, offset: 0, size: this.sizes[i] * F })));
    return paramsFromList(this.engine.spec, out.map((b) => new Float32Array(b)));
  }

  /** The last step's gradients, in parameter order (for tests). */
  async readGrads(): Promise<Float32Array[]> {
    const out = await this.own.staging.read(this.grads.map((b, i) => ({ buffer: b, offset: 0, size: this.sizes[i] * F })));
    return out.map((b) => new Float32Array(b));
  }

  async readAdamState(): Promise<AdamState> {
    this.live();
    const ranges = [...this.m, ...this.v].map((b, i) => ({ buffer: b, offset: 0, size: this.sizes[i % this.sizes.length] * F }));
    const out = (await this.own.staging.read(ranges)).map((b) => new Float32Array(b));
    return { t: this.t, m: out.slice(0, this.sizes.length), v: out.slice(this.sizes.length) };
  }

  writeAdamState(s: AdamState): void {
    this.live();
    if (s.m.length !== this.sizes.length || s.v.length !== this.sizes.length) throw new Error('Adam state does not match the model');
    s.m.forEach((a, i) => {
      if (a.length !== this.sizes[i] || s.v[i].length !== this.sizes[i]) throw new Error(`Adam state tensor ${i} has the wrong size`);
      this.device.queue.writeBuffer(this.m[i], 0, a);
      this.device.queue.writeBuffer(this.v[i], 0, s.v[i]);
    });
    this.t = s.t;
  }

  /** Parameter tensor names in file order (for saving the optimizer state). */
  paramNames(): string[] {
    return paramShapes(this.engine.spec).map((p) => p.name);
  }

  destroy(): void {
    this.own.destroy();
  }
}
