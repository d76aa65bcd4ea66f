/**
 * The EG objective of docs/TRAINING.md and its gradient with the switches (and the top-down
 * start class) held fixed: the hard E-step is the DP, the G-step follows this gradient.
 *
 *   L = CE(labelled) + a_rc ||I - I_hat||^2 / (N D) + a_kl mean_unlabelled (H(p) - log C)
 *       + a_nn sum_l ||relu(-z(l))||^2 / (N units_l) + a_bal KL(pbar || uniform)
 *
 * The class-balance term: pbar = mean over the batch's unlabelled images of p(c|I_n), and
 * KL(pbar || u) = sum_c pbar_c log pbar_c + log C (0 for a batch without unlabelled images). It
 * asks the aggregate posterior to match the DRMM's uniform class prior (regularised information
 * maximisation, Krause, Perona & Gomes 2010), the counterweight to the per-image sharpening, which
 * otherwise locks in a model's early imbalance over the classes. Its gradient for unlabelled n:
 *   dL/ds_nk = a_bal / N_u * p_nk (log pbar_k - sum_c p_nc log pbar_c)
 * (the +1 of d(pbar log pbar) cancels through the softmax Jacobian); labelled images get none.
 *
 * I_hat is the top-down rendering from the label (labelled images) or the predicted class
 * (unlabelled ones); z(l) is the top-down signal at r(l) before the ReLU/mask (`sr`).
 *
 * The contrastive rendering term (weight a_cr, 0 unless set): with e_n(c) = ||I_n - I_hat_c||^2 / D
 * the squared error of the rendering from class c through image n's own switches, y_n the start
 * class above and r_n = (y_n + 1 + k_n) mod C a rival class (k_n in [0, C-2], the run's draw),
 *   L_cr = a_cr / N sum_n relu(m + e_n(y_n) - e_n(r_n))
 * asks the start class's rendering to fit the image better, by the margin m, than another class's:
 * what a generative classifier does (under Gaussian pixel noise the posterior is the softmax of
 * -||I - I_hat_c||^2 / 2 sigma^2), which the RC term alone never asks (it only trains I_hat_y).
 * Its gradient, for an image whose hinge is active: dL/dI_hat_y = a_cr 2 (I_hat_y - I) / (N D) and
 * dL/dI_hat_r = -a_cr 2 (I_hat_r - I) / (N D), each back through its own top-down pass (templates
 * and class templates, switches fixed, no nonnegativity penalty on the rival pass).
 */
import { shapesOf, type ModelParams, type ModelSpec } from '../model';
import type { ForwardMaps } from '../types';
import { conv, convTranspose, unpool } from './ops';
import { backtrace, forward } from './pipeline';
import { channelSums, convWeightGrad, outerSum, poolGather, readoutBackward, readoutFeatures } from './grads';
import type { Arr } from './ops';

export interface LossWeights {
  /** a_rc: reconstruction. */
  rc: number;
  /** a_kl: entropy of unlabelled predictions (sharpening). */
  kl: number;
  /** a_nn: nonnegativity of the top-down signal. */
  nn: number;
  /** a_bal: class balance of the batch's unlabelled predictions, KL(pbar || uniform); absent: 0. */
  bal?: number;
  /** a_cr: contrastive rendering, the start class's rendering error below a rival's by a margin; absent: 0. */
  cr?: number;
}

/** The contrastive term's per-batch inputs: each image's rival offset k_n in [0, C-2] and the margin m. */
export interface RivalBatch {
  offsets: ArrayLike<number>;
  margin: number;
}

/** The rival class of an image that starts from class y: (y + 1 + k) mod C, never y. */
export const rivalClass = (y: number, k: number, classes: number): number => (y + 1 + k) % classes;

/** The top-down pass the reconstruction goes through. */
export type ReconVariant = 'rendering' | 'gradient';

export interface LossTerms {
  ce: number;
  rc: number;
  ent: number;
  nn: number;
  /** The class-balance term's value, sum_c pbar_c log pbar_c + log C (0 without unlabelled images). */
  bal: number;
  /** The contrastive rendering term's value, mean_n relu(m + e_n(y) - e_n(r)) (0 without rivals). */
  cr: number;
  total: number;
  labelled: number;
  correct: number;
}

export interface Grads {
  weights: Float64Array[];
  biases: Float64Array[];
  mu: Float64Array;
  classBias: Float64Array;
}

/**
 * Labels: a class, or -1 for an unlabelled image. `rivals` (needed when a_cr > 0): the contrastive
 * term's offsets and margin; its value is reported whenever they are given.
 */
export function lossAndGrads(
  spec: ModelSpec, params: ModelParams, images: Arr, labels: ArrayLike<number>, n: number,
  w: LossWeights, variant: ReconVariant = 'rendering',
  fixed?: { fwd: ForwardMaps; cls: number[] },
  rivals?: RivalBatch,
): { terms: LossTerms; grads: Grads; fwd: ForwardMaps; cls: number[] } {
  const sh = shapesOf(spec);
  const C = spec.classes;
  const D = spec.input.channels * spec.input.height * spec.input.width;
  const fwd = fixed?.fwd ?? forward(spec, params, images, n);
  // With `fixed`, the switches come from there but every value is recomputed from `params`.
  const live = fixed ? forwardWithSwitches(spec, params, images, n, fixed.fwd) : fwd;
  const probs = live.probs;
  let nl = 0;
  for (let i = 0; i < n; i++) if (labels[i] >= 0) nl++;
  const nu = n - nl;
  const cls = fixed?.cls ?? Array.from({ length: n }, (_, i) => (labels[i] >= 0 ? labels[i] : fwd.pred[i]));

  // Class-level terms and dL/ds.
  const gS = new Float64Array(n * C);
  let ce = 0;
  let ent = 0;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const p = probs.subarray(i * C, (i + 1) * C);
    if (labels[i] >= 0) {
      ce -= Math.log(Math.max(p[labels[i]], 1e-30)) / nl;
      if (live.pred[i] === labels[i]) correct++;
      for (let k = 0; k < C; k++) gS[i * C + k] = (p[k] - (k === labels[i] ? 1 : 0)) / nl;
    } else {
      let H = 0;
      for (let k = 0; k < C; k++) if (p[k] > 0) H -= p[k] * Math.log(p[k]);
      ent += (H - Math.log(C)) / nu;
      for (let k = 0; k < C; k++) gS[i * C + k] = p[k] > 0 ? (w.kl * -p[k] * (Math.log(p[k]) + H)) / nu : 0;
    }
  }
  const balance = balanceTerm(probs, labels, n, C);
  const aBal = w.bal ?? 0;
  if (aBal !== 0) for (let j = 0; j < n * C; j++) gS[j] += aBal * balance.grad[j];

  const grads: Grads = {
    weights: sh.levels.map((l) => new Float64Array(l.c * l.cin * l.k * l.k)),
    biases: sh.levels.map((l) => new Float64Array(l.c)),
    mu: new Float64Array(C * sh.templateLength),
    classBias: new Float64Array(C),
  };
  const add = (a: Float64Array, b: Float64Array) => b.forEach((v, j) => (a[j] += v));

  // Top-down: the reconstruction and the nonnegativity penalty, through the fixed switches.
  const bt = backtrace(spec, params, live, { kind: 'class', classes: cls }, variant);
  let rc = 0;
  for (let j = 0; j < n * D; j++) rc += (bt.pixels[j] - images[j]) ** 2 / (n * D);
  let nn = 0;
  sh.levels.forEach((l, i) => {
    for (const v of bt.levels[i].sr) if (v < 0) nn += (v * v) / (n * l.c * l.hc * l.wc);
  });
  // The contrastive term: the rival renderings' errors, and which hinges are active.
  const aCr = w.cr ?? 0;
  if (aCr !== 0 && !rivals) throw new Error('lossAndGrads: the contrastive rendering term (cr > 0) needs the rival offsets');
  let cr = 0;
  let active: Uint8Array = new Uint8Array(n);
  let rival: { cls: number[]; bt: ReturnType<typeof backtrace> } | null = null;
  if (rivals) {
    const con = contrastive(spec, params, live, images, n, cls, rivals, bt.pixels, variant);
    cr = con.value;
    active = con.active;
    rival = con.rival;
  }
  // dL/dI_hat_y: a_rc 2 (I_hat - I) / (N D), plus a_cr times the same where the hinge is active.
  topDownInto(grads, spec, params, live, bt, cls, n, variant, w.nn,
    Float64Array.from({ length: n * D }, (_, j) => ((w.rc + (active[Math.floor(j / D)] ? aCr : 0)) * 2 * (bt.pixels[j] - images[j])) / (n * D)));
  // dL/dI_hat_r = -a_cr 2 (I_hat_r - I) / (N D) where active, through the rival's own pass (no NN penalty there).
  if (rival && aCr !== 0 && active.some((x) => x)) {
    const px = rival.bt.pixels;
    topDownInto(grads, spec, params, live, rival.bt, rival.cls, n, variant, 0,
      Float64Array.from({ length: n * D }, (_, j) => (active[Math.floor(j / D)] ? (-aCr * 2 * (px[j] - images[j])) / (n * D) : 0)));
  }
  const top = sh.top;
  const hw = top.h * top.w;
  const len = sh.templateLength;

  // Bottom-up: back-propagation of the class-level terms through the fixed switches.
  const xL = live.levels[sh.levels.length - 1].x;
  add(grads.mu, outerSum(gS, readoutFeatures(xL, n, top.c, hw, spec.readout), n, C, len));
  add(grads.classBias, channelSums(gS, n, C, 1));
  let gx: Float64Array = readoutBackward(gS, params.mu, n, C, top.c, hw, spec.readout);
  for (let i = sh.levels.length - 1; i >= 0; i--) {
    const l = sh.levels[i];
    const lm = live.levels[i];
    const gr = l.pool ? unpool(gx, lm.t!, n, l.c, l.hc, l.wc) : gx;
    const gu = gr.map((g, j) => (lm.a[j] ? g : 0));
    const below = i === 0 ? images : live.levels[i - 1].x;
    add(grads.weights[i], convWeightGrad(gu, below, n, l.cin, l.hin, l.win, l.c, l.hc, l.wc, l.k, l.pad));
    add(grads.biases[i], channelSums(gu, n, l.c, l.hc * l.wc));
    if (i > 0) gx = convTranspose(gu, n, l.c, l.hc, l.wc, params.weights[i], l.cin, l.hin, l.win, l.k, l.pad);
  }
  const bal = balance.value;
  const terms = { ce, rc, ent, nn, bal, cr, total: ce + w.rc * rc + w.kl * ent + w.nn * nn + aBal * bal + aCr * cr, labelled: nl, correct };
  return { terms, grads, fwd, cls };
}

/**
 * The contrastive term at weight 1: e_n(c) = ||I_n - I_hat_c||^2 / D for the start class (from
 * `pixels`, its rendering) and the rival (rendered here through the same switches), the mean hinge
 * relu(m + e_n(y) - e_n(r)) over the batch, and which images' hinges are active (> 0).
 */
function contrastive(
  spec: ModelSpec, params: ModelParams, live: ForwardMaps, images: Arr, n: number, cls: number[], rivals: RivalBatch,
  pixels: ArrayLike<number>, variant: ReconVariant,
): { value: number; active: Uint8Array; rival: { cls: number[]; bt: ReturnType<typeof backtrace> } } {
  const C = spec.classes;
  const D = spec.input.channels * spec.input.height * spec.input.width;
  if (rivals.offsets.length < n) throw new Error(`lossAndGrads: ${rivals.offsets.length} rival offsets for ${n} images`);
  const rcls = cls.map((y, i) => {
    const k = rivals.offsets[i];
    if (!Number.isInteger(k) || k < 0 || k > C - 2) throw new Error(`lossAndGrads: rival offset ${k} of image ${i} is not in [0, ${C - 2}]`);
    return rivalClass(y, k, C);
  });
  const bt = backtrace(spec, params, live, { kind: 'class', classes: rcls }, variant);
  const err = (px: ArrayLike<number>, i: number) => {
    let e = 0;
    for (let j = i * D; j < (i + 1) * D; j++) e += (px[j] - images[j]) ** 2;
    return e / D;
  };
  const active = new Uint8Array(n);
  let value = 0;
  for (let i = 0; i < n; i++) {
    const h = rivals.margin + err(pixels, i) - err(bt.pixels, i);
    if (h > 0) {
      active[i] = 1;
      value += h / n;
    }
  }
  return { value, active, rival: { cls: rcls, bt } };
}

/**
 * Adds the gradient of a top-down pass (rendered from `cls`, its signal `bt`) given dL/dI_hat = G
 * to the weights and the class templates: dW(l) += su(l) (x) G(l-1), down to the start mu_c; the
 * nonnegativity penalty (weight aNn) on the pass's sr.
 */
function topDownInto(
  grads: Grads, spec: ModelSpec, params: ModelParams, live: ForwardMaps, bt: ReturnType<typeof backtrace>, cls: number[], n: number,
  variant: ReconVariant, aNn: number, G0: Float64Array,
): void {
  const sh = shapesOf(spec);
  let G = G0;
  sh.levels.forEach((l, i) => {
    const sig = bt.levels[i];
    convWeightGrad(sig.su, G, n, l.cin, l.hin, l.win, l.c, l.hc, l.wc, l.k, l.pad).forEach((v, j) => (grads.weights[i][j] += v));
    const gsu = conv(G, n, l.cin, l.hin, l.win, params.weights[i], new Float64Array(l.c), l.c, l.k, l.pad);
    const a = live.levels[i].a;
    const units = n * l.c * l.hc * l.wc;
    const gsr = gsu.map((g, j) => (a[j] && (variant === 'gradient' || sig.sr[j] > 0) ? g : 0) - (aNn * 2 * Math.max(-sig.sr[j], 0)) / units);
    G = l.pool ? poolGather(gsr, live.levels[i].t!, n, l.c, l.hc, l.wc) : gsr;
  });
  // The start mu_c: dense, or spread 1/(H W) over positions (gap).
  const top = sh.top;
  const hw = top.h * top.w;
  const len = sh.templateLength;
  for (let i = 0; i < n; i++)
    for (let ch = 0; ch < top.c; ch++)
      for (let j = 0; j < hw; j++) {
        const g = G[(i * top.c + ch) * hw + j];
        if (spec.readout === 'gap') grads.mu[cls[i] * len + ch] += g / hw;
        else grads.mu[cls[i] * len + ch * hw + j] += g;
      }
}

/**
 * The class-balance term KL(pbar || u) = sum_c pbar_c log pbar_c + log C over the unlabelled images
 * (labels[i] < 0) of a batch, and its gradient w.r.t. the scores at weight 1:
 *   grad[n, k] = p_nk (log pbar_k - sum_c p_nc log pbar_c) / N_u  (unlabelled n; 0 for labelled ones).
 * log pbar is guarded with max(pbar, 1e-30), as the cross-entropy is. No unlabelled image: 0 and 0.
 */
export function balanceTerm(probs: ArrayLike<number>, labels: ArrayLike<number>, n: number, C: number): { value: number; grad: Float64Array; pbar: Float64Array } {
  const grad = new Float64Array(n * C);
  const pbar = new Float64Array(C);
  let nu = 0;
  for (let i = 0; i < n; i++) {
    if (labels[i] >= 0) continue;
    nu++;
    for (let k = 0; k < C; k++) pbar[k] += probs[i * C + k];
  }
  if (nu === 0) return { value: 0, grad, pbar };
  const logBar = new Float64Array(C);
  let value = Math.log(C);
  for (let k = 0; k < C; k++) {
    pbar[k] /= nu;
    logBar[k] = Math.log(Math.max(pbar[k], 1e-30));
    value += pbar[k] * logBar[k];
  }
  for (let i = 0; i < n; i++) {
    if (labels[i] >= 0) continue;
    let mean = 0;
    for (let c = 0; c < C; c++) mean += probs[i * C + c] * logBar[c];
    for (let k = 0; k < C; k++) grad[i * C + k] = (probs[i * C + k] * (logBar[k] - mean)) / nu;
  }
  return { value, grad, pbar };
}

/**
 * The forward pass with the a- and t-switches imposed from `sw` (the hard E-step's choices)
 * rather than re-chosen: the objective whose gradient the G-step follows.
 */
export function forwardWithSwitches(spec: ModelSpec, params: ModelParams, images: Arr, n: number, sw: ForwardMaps): ForwardMaps<Float64Array> {
  const sh = shapesOf(spec);
  let x: Arr = images;
  const levels = sh.levels.map((l, i) => {
    const u = conv(x, n, l.cin, l.hin, l.win, params.weights[i], params.biases[i], l.c, l.k, l.pad);
    const a = sw.levels[i].a;
    const r = u.map((v, j) => (a[j] ? v : 0));
    let out: Float64Array = r;
    let t: Uint8Array | null = null;
    if (l.pool) {
      t = sw.levels[i].t!;
      out = poolGather(r, t, n, l.c, l.hc, l.wc);
    }
    x = out;
    return { u, r, a, x: out, t };
  });
  const top = sh.top;
  const feat = readoutFeatures(x, n, top.c, top.h * top.w, spec.readout);
  const scores = new Float64Array(n * spec.classes);
  const len = sh.templateLength;
  for (let i = 0; i < n; i++)
    for (let k = 0; k < spec.classes; k++) {
      let s = params.classBias[k];
      for (let j = 0; j < len; j++) s += params.mu[k * len + j] * feat[i * len + j];
      scores[i * spec.classes + k] = s;
    }
  const probs = new Float64Array(scores.length);
  const pred = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const row = scores.subarray(i * spec.classes, (i + 1) * spec.classes);
    const m = Math.max(...row);
    const z = row.reduce((s, v) => s + Math.exp(v - m), 0);
    row.forEach((v, k) => (probs[i * spec.classes + k] = Math.exp(v - m) / z));
    pred[i] = row.indexOf(m);
  }
  return { n, levels, scores, probs, pred };
}
