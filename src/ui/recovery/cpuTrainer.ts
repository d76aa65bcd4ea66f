/**
 * EG training without WebGPU: the CPU reference's objective and gradients (engine/reference/train.ts,
 * the GPU kernels' oracle) with Adam, on a small class-balanced subset of MNIST. It runs on one
 * core in float64 (measured: 0.1 s to 0.5 s a step of 8 drmm-compact digits, 7 s for drmm-mnist),
 * so it offers a subset a pass over which takes seconds to minutes. Plain code with no
 * DOM: the page runs it in a Web Worker (cpuTrainWorker.ts), the tests call it directly.
 */
import { cloneParams, paramList, paramsFromList, type ModelParams, type ModelSpec } from '../../engine/model';
import { forward } from '../../engine/reference/pipeline';
import { lossAndGrads, type LossTerms, type LossWeights } from '../../engine/reference/train';
import { balancedSubset, permutation } from '../../engine/train/schedule';

export const CPU_SUBSET = 1000;
export const CPU_BATCH = 8;
export const CPU_TEST = 500;

export interface CpuTrainConfig {
  lr: number;
  weights: LossWeights;
  batch: number;
  seed: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
}

/** The training subset: `count` images, count/10 of each class, chosen by the seed (pixels in [0,1]). */
export function takeSubset(pixels: Uint8Array, labels: ArrayLike<number>, count: number, seed: number, per = 784): { images: Float32Array; labels: Int32Array; indices: Uint32Array } {
  const indices = balancedSubset(labels, count, seed);
  const images = new Float32Array(count * per);
  const out = new Int32Array(count);
  indices.forEach((idx, i) => {
    for (let p = 0; p < per; p++) images[i * per + p] = pixels[idx * per + p] / 255;
    out[i] = labels[idx];
  });
  return { images, labels: out, indices };
}

export interface CpuStep {
  step: number;
  epoch: number;
  stepInEpoch: number;
  terms: LossTerms;
  ms: number;
}

export class CpuTrainer {
  readonly stepsPerEpoch: number;
  private params: ModelParams;
  private readonly m: Float64Array[];
  private readonly v: Float64Array[];
  private t = 0;
  private step = 0;
  private readonly per: number;

  constructor(
    readonly spec: ModelSpec,
    params: ModelParams,
    private readonly data: { images: Float32Array; labels: Int32Array },
    readonly config: CpuTrainConfig,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!Number.isInteger(config.batch) || config.batch < 1 || config.batch > data.labels.length) throw new Error(`the batch must be 1..${data.labels.length}, got ${config.batch}`);
    this.params = cloneParams(params);
    this.per = spec.input.channels * spec.input.height * spec.input.width;
    this.stepsPerEpoch = Math.floor(data.labels.length / config.batch);
    this.m = paramList(this.params).map((a) => new Float64Array(a.length));
    this.v = paramList(this.params).map((a) => new Float64Array(a.length));
  }

  get steps(): number {
    return this.step;
  }

  /** A copy of the current weights. */
  weights(): ModelParams {
    return cloneParams(this.params);
  }

  /** One EG step: the hard E-step (the DP) and a G-step (the gradient with its switches fixed, then Adam). */
  next(): CpuStep {
    const t0 = this.now();
    const { batch, seed } = this.config;
    const epoch = Math.floor(this.step / this.stepsPerEpoch);
    const stepInEpoch = this.step % this.stepsPerEpoch;
    const order = permutation(this.data.labels.length, seed * 7919 + epoch);
    const images = new Float32Array(batch * this.per);
    const labels = new Int32Array(batch);
    for (let i = 0; i < batch; i++) {
      const idx = order[stepInEpoch * batch + i];
      images.set(this.data.images.subarray(idx * this.per, (idx + 1) * this.per), i * this.per);
      labels[i] = this.data.labels[idx];
    }
    const { terms, grads } = lossAndGrads(this.spec, this.params, images, labels, batch, this.config.weights);
    if (!Number.isFinite(terms.total)) throw new Error(`the loss became ${terms.total}; lower the learning rate`);
    this.adam([...grads.weights.flatMap((w, i) => [w, grads.biases[i]]), grads.mu, grads.classBias]);
    this.step++;
    return { step: this.step, epoch, stepInEpoch: stepInEpoch + 1, terms, ms: this.now() - t0 };
  }

  private adam(g: Float64Array[]): void {
    const { lr, beta1 = 0.9, beta2 = 0.999, eps = 1e-8 } = this.config;
    this.t++;
    const c1 = 1 - beta1 ** this.t;
    const c2 = 1 - beta2 ** this.t;
    const p = paramList(this.params);
    p.forEach((w, k) => {
      const m = this.m[k];
      const v = this.v[k];
      const gk = g[k];
      for (let j = 0; j < w.length; j++) {
        m[j] = beta1 * m[j] + (1 - beta1) * gk[j];
        v[j] = beta2 * v[j] + (1 - beta2) * gk[j] * gk[j];
        w[j] -= (lr * (m[j] / c1)) / (Math.sqrt(v[j] / c2) + eps);
      }
    });
    this.params = paramsFromList(this.spec, p);
  }

  /** Accuracy on `count` images (pixels in [0,1]), in chunks; onChunk may yield. */
  async evaluate(images: Float32Array, labels: ArrayLike<number>, count: number, onChunk?: (done: number) => Promise<void> | void): Promise<number> {
    let correct = 0;
    for (let first = 0; first < count; first += 20) {
      const n = Math.min(20, count - first);
      const f = forward(this.spec, this.params, images.subarray(first * this.per, (first + n) * this.per), n);
      for (let i = 0; i < n; i++) if (f.pred[i] === labels[first + i]) correct++;
      await onChunk?.(first + n);
    }
    return correct / count;
  }
}

/** The honest estimate shown before training: the measured step time, an epoch of the subset, and of all of MNIST. */
export function cpuEstimate(stepMs: number, batch: number, subset: number, fullTrain = 60000): { subsetEpochS: number; fullEpochS: number } {
  return { subsetEpochS: (Math.floor(subset / batch) * stepMs) / 1000, fullEpochS: (Math.floor(fullTrain / batch) * stepMs) / 1000 };
}
