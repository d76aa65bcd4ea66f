/**
 * The reference Adam update (Kingma & Ba) with decoupled weight decay (AdamW), exactly as
 * shaders/adam.wgsl computes it, in float64: the CPU run's optimiser and the GPU kernel's oracle.
 *   m = b1 m + (1 - b1) g;   v = b2 v + (1 - b2) g^2;
 *   p <- p - lr_t m / (sqrt(v) + eps_t) - lr wd p,
 * with the bias corrections folded into lr_t = lr sqrt(1 - b2^t) / (1 - b1^t) and
 * eps_t = eps sqrt(1 - b2^t), t the step number counted from 1.
 */
export interface AdamSettings {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

/** The moments of every parameter tensor, and the steps taken (t). */
export interface AdamState {
  t: number;
  m: Float32Array[];
  v: Float32Array[];
}

/** The two scalars the kernel takes for step t (1-based): lr_t and eps_t. */
export function adamScalars(s: AdamSettings, t: number): { lrT: number; epsT: number } {
  const c2 = Math.sqrt(1 - s.beta2 ** t);
  return { lrT: (s.lr * c2) / (1 - s.beta1 ** t), epsT: s.eps * c2 };
}

export function emptyAdam(sizes: number[]): AdamState {
  return { t: 0, m: sizes.map((n) => new Float32Array(n)), v: sizes.map((n) => new Float32Array(n)) };
}

/**
 * One Adam step on every tensor, in place (params and state), in float64 arithmetic per entry.
 * The moments are stored as float32, as the GPU stores them, so both runs keep the same state.
 */
export function adamStep(params: Float32Array[], grads: ArrayLike<number>[], state: AdamState, s: AdamSettings): void {
  if (params.length !== grads.length || params.length !== state.m.length) throw new Error('adamStep: tensors, gradients and moments differ in number');
  const t = state.t + 1;
  const { lrT, epsT } = adamScalars(s, t);
  const decay = s.lr * s.weightDecay;
  params.forEach((p, k) => {
    const g = grads[k];
    const m = state.m[k];
    const v = state.v[k];
    if (g.length !== p.length || m.length !== p.length) throw new Error(`adamStep: tensor ${k} sizes differ`);
    for (let j = 0; j < p.length; j++) {
      const mj = s.beta1 * m[j] + (1 - s.beta1) * g[j];
      const vj = s.beta2 * v[j] + (1 - s.beta2) * g[j] * g[j];
      m[j] = mj;
      v[j] = vj;
      p[j] = p[j] - (lrT * mj) / (Math.sqrt(vj) + epsT) - decay * p[j];
    }
  });
  state.t = t;
}
