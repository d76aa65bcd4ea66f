/**
 * The CPU backend of a TrainRun: the reference objective and gradients (reference/train.ts, the GPU
 * kernels' oracle) in float64 with the reference Adam (adam.ts). The page's fallback without
 * WebGPU runs it in a Web Worker; the tests compare it with the GPU run step for step. It is slow
 * (0.1 to 0.5 s a step of 8 drmm-compact digits), so the fallback trains on a balanced subset
 * (config.data.subset) and evaluates on a few hundred test digits.
 */
import { cloneParams, initParams, paramList, paramShapes, paramsFromList, type ModelParams, type ModelSpec } from '../model';
import { forward } from '../reference/pipeline';
import { lossAndGrads, type LossWeights, type RivalBatch } from '../reference/train';
import { adamStep, emptyAdam, type AdamState } from './adam';
import { decodeRun, lastIterate } from './checkpoint';
import { checkRunConfig, nonnegativeTensors, projectParams, type RunConfig } from './config';
import type { RunData } from './data';
import { RunBase, type EvalResult, type RunBackend, type TrainMetrics } from './run';

/** Sums of the loss terms since the last read, as the GPU accumulates them (trainer.ts). */
interface Sums {
  steps: number;
  ce: number;
  nl: number;
  ent: number;
  nu: number;
  correct: number;
  rc: number;
  nn: number;
  bal: number;
  cr: number;
}
const zero = (): Sums => ({ steps: 0, ce: 0, nl: 0, ent: 0, nu: 0, correct: 0, rc: 0, nn: 0, bal: 0, cr: 0 });

const EVAL_CHUNK = 20;

class CpuBackend implements RunBackend {
  readonly backend = 'cpu' as const;
  private params: Float32Array[];
  private sums = zero();
  /** The last step's gradients, in parameter order (tests). */
  lastGrads: Float64Array[] = [];

  constructor(private readonly spec: ModelSpec, params: ModelParams, private readonly adam: AdamState, private config: RunConfig) {
    this.params = paramList(cloneParams(params));
  }

  async trainStep(images: Float32Array, labels: Int32Array, n: number, lr: number, weights: LossWeights, _submit?: unknown, rivals?: RivalBatch): Promise<void> {
    const p = paramsFromList(this.spec, this.params);
    // The rivals only with the term on, as the GPU (which measures it only then).
    const cr = weights.cr ?? 0;
    const { terms, grads } = lossAndGrads(this.spec, p, images, labels, n, weights, this.config.variant, undefined, cr > 0 ? rivals : undefined);
    const topDown = weights.rc !== 0 || weights.nn !== 0 || cr !== 0;
    const s = this.sums;
    s.steps++;
    s.ce += terms.ce * terms.labelled;
    s.nl += terms.labelled;
    s.ent += terms.ent * (n - terms.labelled);
    s.nu += n - terms.labelled;
    s.correct += terms.correct;
    s.bal += terms.bal;
    s.cr += terms.cr;
    // The GPU does not run the top-down pass for a run without its terms, and reports them as 0.
    s.rc += topDown ? terms.rc : 0;
    s.nn += topDown ? terms.nn : 0;
    const g = [...grads.weights.flatMap((w, i) => [w, grads.biases[i]]), grads.mu, grads.classBias];
    this.lastGrads = g;
    const c = this.config;
    adamStep(this.params, g, this.adam, { lr, beta1: c.beta1, beta2: c.beta2, eps: c.eps, weightDecay: c.weightDecay });
    // The projection of the nonnegative run (config.ts), as the kernel applies it after the update.
    nonnegativeTensors(c, this.spec.levels.length).forEach((on, k) => {
      if (on) for (let j = 0; j < this.params[k].length; j++) if (this.params[k][j] < 0) this.params[k][j] = 0;
    });
  }

  async readMetrics(w: LossWeights): Promise<TrainMetrics> {
    const s = this.sums;
    this.sums = zero();
    const ce = s.nl > 0 ? s.ce / s.nl : 0;
    const ent = s.nu > 0 ? s.ent / s.nu : 0;
    const rc = s.steps > 0 ? s.rc / s.steps : 0;
    const nn = s.steps > 0 ? s.nn / s.steps : 0;
    const bal = s.steps > 0 ? s.bal / s.steps : 0;
    const cr = s.steps > 0 ? s.cr / s.steps : 0;
    return { steps: s.steps, ce, rc, ent, nn, bal, cr, total: ce + w.rc * rc + w.kl * ent + w.nn * nn + (w.bal ?? 0) * bal + (w.cr ?? 0) * cr, trainAccuracy: s.nl > 0 ? s.correct / s.nl : NaN, labelledSeen: s.nl };
  }

  async evaluate(images: Float32Array, labels: ArrayLike<number>, count: number, params: ModelParams | null, onChunk?: (done: number) => Promise<void> | void): Promise<EvalResult> {
    const p = params ?? paramsFromList(this.spec, this.params);
    const per = this.spec.input.channels * this.spec.input.height * this.spec.input.width;
    let correct = 0;
    for (let first = 0; first < count; first += EVAL_CHUNK) {
      const n = Math.min(EVAL_CHUNK, count - first);
      const f = forward(this.spec, p, images.subarray(first * per, (first + n) * per), n);
      for (let i = 0; i < n; i++) if (f.pred[i] === labels[first + i]) correct++;
      await onChunk?.(first + n);
    }
    return { correct, count, accuracy: correct / count };
  }

  async readParams(): Promise<ModelParams> {
    return paramsFromList(this.spec, this.params.map((t) => t.slice()));
  }

  async readAdam(): Promise<AdamState> {
    return { t: this.adam.t, m: this.adam.m.map((a) => a.slice()), v: this.adam.v.map((a) => a.slice()) };
  }

  async resize(): Promise<void> {
    /* nothing is sized by the batch on the CPU */
  }

  destroy(): void {
    this.params = [];
  }
}

export class CpuTrainRun extends RunBase {
  private constructor(private readonly cpu: CpuBackend, init: ConstructorParameters<typeof RunBase>[1]) {
    super(cpu, init);
  }

  static create(spec: ModelSpec, preset: string | null, config: RunConfig, data: RunData, opts: { params?: ModelParams } = {}): CpuTrainRun {
    checkRunConfig(config);
    const params = projectParams(config, opts.params ?? initParams(spec, config.seed));
    const sizes = paramShapes(spec).map((s) => s.shape.reduce((a, b) => a * b, 1));
    return new CpuTrainRun(new CpuBackend(spec, params, emptyAdam(sizes), config), { spec, preset, config, data });
  }

  static restore(bytes: Uint8Array, data: RunData, opts: { config?: RunConfig } = {}): CpuTrainRun {
    const s = decodeRun(bytes);
    const config = opts.config ?? s.config;
    const sizes = paramShapes(s.spec).map((sh) => sh.shape.reduce((a, b) => a * b, 1));
    const adam = s.adam ? { t: s.adam.t, m: s.adam.m.map((a) => a.slice()), v: s.adam.v.map((a) => a.slice()) } : emptyAdam(sizes);
    const b = new CpuBackend(s.spec, lastIterate(s) ?? s.params, adam, config);
    return new CpuTrainRun(b, { spec: s.spec, preset: s.preset, config, data, progress: s.progress, log: s.log, extra: s.extra });
  }

  /** The last step's gradients in parameter order (tests). */
  grads(): Float64Array[] {
    return this.cpu.lastGrads;
  }
}
