/**
 * Drawing images from the DRMM's generative process (docs/MODEL.md sections 1-2; the paper's
 * equations 4-6): pick the class c, set z(L) = mu_c placed through the read-out's adjoint, then
 * level by level from L down to 1 draw the nuisances g(l) = (t(l), a(l)) and render
 *
 *   z(l-1) = Gamma(l) M_a(l) T_t(l) z(l)
 *
 * (unpool to the chosen window position, zero the OFF units, paint with the transposed
 * templates), and finally I = z(0) + N(0, sigma^2). In the nonnegative DRMM (the default here, as
 * in the paper) every intermediate rendered template is kept >= 0 by a ReLU on the way down,
 * exactly as the `rendering` backtrace does; the pixels are never rectified.
 *
 * Priors. The relaxed model (a convnet with signed templates, trained discriminatively and by
 * reconstruction through MAP switches) never learns pi_a or pi_t, so they must be supplied:
 * - t: uniform over the four positions of each 2x2 window, or given frequencies per pooled unit
 *   (e.g. the empirical ones from `switchCounts`);
 * - a: a fixed P(ON) for every unit; or P(ON) = sigmoid(b(l)_channel), reading the level's bias as
 *   the paper's b_0 = ln(pi_ON / pi_OFF) (an interpretation: in a trained convnet the bias also
 *   absorbs -||mu||^2 / 2 sigma^2); or given rates per unit or per channel (e.g. the empirical ON
 *   rates over a set of digits from `switchCounts`).
 * Switches are drawn independently of each other: the model has no prior on their correlations.
 *
 * This is the CPU reference, in float64 and seedable. There is no GPU sampler yet.
 */
import { gaussian, rng, shapesOf, type ModelParams, type ModelSpec } from '../model';
import type { ForwardMaps, LevelSignal } from '../types';
import { convTranspose, readoutAdjoint, unpool } from './ops';

export type OnPrior =
  | { kind: 'fixed'; p: number }
  | { kind: 'bias' }
  /** Per level: one P(ON) per r(l) unit ([C * Hc * Wc]) or per channel ([C]). */
  | { kind: 'rates'; rates: ArrayLike<number>[] };

export type TPrior =
  | { kind: 'uniform' }
  /** Per pooling level (null elsewhere): four probabilities per pooled unit, [C * Ho * Wo * 4]. */
  | { kind: 'rates'; freq: (ArrayLike<number> | null)[] };

export interface SampleRequest {
  /** The class c whose template is rendered. */
  cls: number;
  /** Seeds the switches (and, through a second stream, the pixel noise). */
  seed: number;
  onPrior: OnPrior;
  tPrior?: TPrior;
  /** Keep every z(l) >= 0 (the NN-DRMM); false renders the signed DRMM. Default true. */
  nonnegative?: boolean;
  /** Standard deviation of the Gaussian pixel noise. Default 0. */
  noise?: number;
  /** Switches to use instead of drawing them, per level (a: [C*Hc*Wc]; t: [C*Ho*Wo], null without pooling). */
  fixed?: { a?: (Uint8Array | null)[]; t?: (Uint8Array | null)[] };
}

export interface DrmmSample {
  cls: number;
  seed: number;
  /** The switches used, per level. */
  a: Uint8Array[];
  t: (Uint8Array | null)[];
  /** The rendered signal at every level, as the backtrace names it (sx arriving at x(l), sr unpooled, su after the mask). */
  levels: LevelSignal<Float64Array>[];
  /** z(0): the rendered template, before noise. */
  mean: Float64Array;
  /** I = z(0) + noise. */
  pixels: Float64Array;
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

function checkProb(p: number, what: string): void {
  if (!(Number.isFinite(p) && p >= 0 && p <= 1)) throw new Error(`sample: ${what} must be a probability in [0, 1], got ${p}`);
}

/** P(ON) for every r(l) unit of every level, from the prior. */
export function onProbabilities(spec: ModelSpec, params: ModelParams, prior: OnPrior): Float64Array[] {
  const shapes = shapesOf(spec).levels;
  return shapes.map((l, i) => {
    const size = l.hc * l.wc;
    const out = new Float64Array(l.c * size);
    if (prior.kind === 'fixed') {
      checkProb(prior.p, 'the fixed ON prior');
      out.fill(prior.p);
    } else if (prior.kind === 'bias') {
      for (let c = 0; c < l.c; c++) out.fill(sigmoid(params.biases[i][c]), c * size, (c + 1) * size);
    } else {
      const r = prior.rates[i];
      if (!r || (r.length !== l.c && r.length !== l.c * size))
        throw new Error(`sample: level ${i + 1} needs ${l.c} (per channel) or ${l.c * size} (per unit) ON rates, got ${r ? r.length : 'none'}`);
      for (let j = 0; j < out.length; j++) {
        const p = r.length === l.c ? r[Math.floor(j / size)] : r[j];
        checkProb(p, `level ${i + 1}'s ON rate ${j}`);
        out[j] = p;
      }
    }
    return out;
  });
}

/** Index 0..3 drawn from four weights (uniform when they sum to 0). */
function drawQuarter(u: number, f: ArrayLike<number>, off: number): number {
  const total = f[off] + f[off + 1] + f[off + 2] + f[off + 3];
  if (!(total > 0)) return Math.min(3, Math.floor(u * 4));
  let acc = 0;
  for (let q = 0; q < 3; q++) {
    acc += f[off + q] / total;
    if (u < acc) return q;
  }
  return 3;
}

/** One draw from the generative process. Deterministic given the request. */
export function sample(spec: ModelSpec, params: ModelParams, req: SampleRequest): DrmmSample {
  const shapes = shapesOf(spec);
  if (!Number.isInteger(req.cls) || req.cls < 0 || req.cls >= spec.classes) throw new Error(`sample: class must be an integer in 0..${spec.classes - 1}, got ${req.cls}`);
  if (!Number.isFinite(req.seed)) throw new Error(`sample: the seed must be a number, got ${req.seed}`);
  const noise = req.noise ?? 0;
  if (!(Number.isFinite(noise) && noise >= 0)) throw new Error(`sample: the noise level must be a number >= 0, got ${noise}`);
  const nonnegative = req.nonnegative ?? true;
  const tPrior = req.tPrior ?? { kind: 'uniform' };
  const pOn = req.fixed?.a ? null : onProbabilities(spec, params, req.onPrior);
  const u = rng(req.seed);
  const L = shapes.levels.length;
  const a: Uint8Array[] = new Array(L);
  const t: (Uint8Array | null)[] = new Array(L);
  const levels: LevelSignal<Float64Array>[] = new Array(L);

  const { top } = shapes;
  let s = readoutAdjoint([req.cls], 1, top.c, top.h, top.w, params.mu, spec.readout);
  // Coarse to fine: draw the level's switches, then render into the level below.
  for (let i = L - 1; i >= 0; i--) {
    const l = shapes.levels[i];
    const fine = l.c * l.hc * l.wc;
    let ti: Uint8Array | null = null;
    if (l.pool) {
      const coarse = l.c * l.hout * l.wout;
      const given = req.fixed?.t?.[i];
      if (given) {
        if (given.length !== coarse) throw new Error(`sample: level ${i + 1} needs ${coarse} t-switches, got ${given.length}`);
        ti = given;
      } else {
        ti = new Uint8Array(coarse);
        const freq = tPrior.kind === 'rates' ? tPrior.freq[i] : null;
        if (freq && freq.length !== 4 * coarse) throw new Error(`sample: level ${i + 1} needs ${4 * coarse} window-position frequencies, got ${freq.length}`);
        for (let j = 0; j < coarse; j++) ti[j] = freq ? drawQuarter(u(), freq, 4 * j) : Math.min(3, Math.floor(u() * 4));
      }
    }
    let ai: Uint8Array;
    const givenA = req.fixed?.a?.[i];
    if (givenA) {
      if (givenA.length !== fine) throw new Error(`sample: level ${i + 1} needs ${fine} a-switches, got ${givenA.length}`);
      ai = givenA;
    } else {
      if (!pOn) throw new Error(`sample: level ${i + 1} has no fixed a-switches and no ON prior`);
      ai = new Uint8Array(fine);
      for (let j = 0; j < fine; j++) ai[j] = u() < pOn[i][j] ? 1 : 0;
    }
    const sr = ti ? unpool(s, ti, 1, l.c, l.hc, l.wc) : s;
    const su = new Float64Array(fine);
    for (let j = 0; j < fine; j++) su[j] = ai[j] ? (nonnegative ? Math.max(0, sr[j]) : sr[j]) : 0;
    levels[i] = { sx: s, sr, su };
    a[i] = ai;
    t[i] = ti;
    s = convTranspose(su, 1, l.c, l.hc, l.wc, params.weights[i], l.cin, l.hin, l.win, l.k, l.pad);
  }
  const mean = s;
  let pixels = mean;
  if (noise > 0) {
    // A second stream, so the noise level never changes which switches a seed draws.
    const g = gaussian(rng((Math.trunc(req.seed) ^ 0x5bd1e995) >>> 0));
    pixels = Float64Array.from(mean, (v) => v + noise * g());
  }
  return { cls: req.cls, seed: req.seed, a, t, levels, mean, pixels };
}

/** Switch statistics over a set of images: how often each unit is ON, and each window position chosen. */
export interface SwitchCounts {
  images: number;
  /** Per level: ON count per r(l) unit [C * Hc * Wc]. */
  on: Float64Array[];
  /** Per pooling level: count of each position per pooled unit, [C * Ho * Wo * 4], counted only where the window had an ON unit. */
  t: (Float64Array | null)[];
}

/**
 * Adds the switches of a batch of bottom-up results to `counts` (a fresh set when omitted). A
 * window whose units are all OFF (pooled value 0) is not counted: the tie rule chose its position,
 * not the image.
 */
export function switchCounts(spec: ModelSpec, fwd: ForwardMaps, counts?: SwitchCounts): SwitchCounts {
  const shapes = shapesOf(spec).levels;
  const out: SwitchCounts = counts ?? {
    images: 0,
    on: shapes.map((l) => new Float64Array(l.c * l.hc * l.wc)),
    t: shapes.map((l) => (l.pool ? new Float64Array(4 * l.c * l.hout * l.wout) : null)),
  };
  shapes.forEach((l, i) => {
    const fine = l.c * l.hc * l.wc;
    const coarse = l.c * l.hout * l.wout;
    const lm = fwd.levels[i];
    if (lm.a.length !== fwd.n * fine) throw new Error(`switchCounts: level ${i + 1}'s a-switches do not match the model`);
    for (let n = 0; n < fwd.n; n++) {
      for (let j = 0; j < fine; j++) out.on[i][j] += lm.a[n * fine + j];
      const tc = out.t[i];
      if (tc && lm.t) for (let j = 0; j < coarse; j++) if (lm.x[n * coarse + j] > 0) tc[4 * j + lm.t[n * coarse + j]]++;
    }
  });
  out.images += fwd.n;
  return out;
}

/** Priors from counts: ON rate = ON count / images; t frequencies as counted (uniform where nothing was counted). */
export function priorsFromCounts(counts: SwitchCounts): { onPrior: OnPrior; tPrior: TPrior } {
  if (counts.images < 1) throw new Error('priorsFromCounts: no images were counted');
  return {
    onPrior: { kind: 'rates', rates: counts.on.map((c) => Float64Array.from(c, (v) => v / counts.images)) },
    tPrior: { kind: 'rates', freq: counts.t.map((c) => (c ? c.slice() : null)) },
  };
}
