/**
 * The arithmetic behind one unit r(l)[c, y, x] of the current result, with the real numbers: what
 * the overview's unit card shows, term by term. Pure (no DOM); recomputed from the model's
 * parameters and the saved maps, in float64, so the card can show that the engine's numbers are
 * these sums.
 *
 * Bottom-up (docs/MODEL.md, the DP as a convnet):
 *   template matching  u = sum_{ci, dy, dx} W(l)[c, ci, dy, dx] x(l-1)[ci, y + dy - pad, x + dx - pad] + b(l)[c]
 *                      (x(l-1) is the input image at level 1; a position in the padding is 0)
 *   max over a         r = max(0, u), a = [u > 0]: the ON branch scores u, the OFF branch 0
 *   max over t         x(l)[c, y/2, x/2] = max of the window's four r values; t = the first argmax
 * Top-down (the backtrace from the start class, same switches):
 *   arriving           sx(L) = mu_c placed through the read-out's adjoint (dense: mu_c[c, y, x];
 *                      global average: mu_c[c] / (H W)); below the top,
 *                      sx(l)[c, Y, X] = sum_{c', dy, dx} su(l+1)[c', Y - dy + pad, X - dx + pad] W(l+1)[c', c, dy, dx]
 *   unpool through t   sr = sx of the window when t chose this position, else 0
 *   mask by a          su = a max(0, sr) (rendering), a sr (gradient), max(0, sr) (deconvnet)
 */
import { shapesOf, type LevelShape, type ModelParams } from '../../engine';
import type { UnitRef, ViewResult } from '../store';

export interface MatchTerm {
  /** Input channel and offset in the template. */
  ci: number;
  dy: number;
  dx: number;
  w: number;
  /** The input value under this template entry (0 in the padding). */
  x: number;
  product: number;
  /** False where the template lies over the zero padding. */
  inside: boolean;
}

export interface DownTerm {
  /** The level-(l+1) unit painting into this one, and the template entry it paints with. */
  channel: number;
  y: number;
  x: number;
  su: number;
  w: number;
  product: number;
}

export interface UnitArithmetic {
  /** The r(l) unit (a pooled unit is shown as the unit its t-switch chose). */
  unit: { level: number; channel: number; y: number; x: number };
  shape: LevelShape;
  match: {
    terms: MatchTerm[];
    /** Sum of the products (float64), the bias, and their sum; the engine's u. */
    sum: number;
    bias: number;
    u: number;
    engineU: number;
  };
  relu: { on: boolean; r: number; engineR: number; engineA: number };
  /** The pooling window the unit is in (null: the level does not pool, or a trailing row/column). */
  pool: { values: number[]; winner: number; chosenHere: boolean; max: number; engineX: number; y: number; x: number } | null;
  down: {
    variant: ViewResult['variant'];
    startClass: number;
    /** Where sx came from: the class template (top level) or the level above's painting. */
    source:
      | { kind: 'class'; readout: 'gap' | 'dense'; mu: number; positions: number; value: number }
      | { kind: 'level'; level: number; terms: DownTerm[]; nonzero: number; value: number };
    /** The engine's sx at the unit's pooled position (or the unit itself without pooling). */
    engineSx: number;
    sr: number;
    engineSr: number;
    su: number;
    engineSu: number;
  };
}

/** The r(l) unit a UnitRef names: itself, or for a pooled unit the one its t-switch chose. */
export function rUnitOf(view: ViewResult, u: UnitRef): { level: number; channel: number; y: number; x: number } {
  const s = shapesOf(view.spec).levels[u.level - 1];
  if (!s) throw new Error(`There is no level ${u.level} in this ${view.spec.levels.length}-level model.`);
  if (u.stage === 'pool' && s.pool) {
    if (u.y < 0 || u.y >= s.hout || u.x < 0 || u.x >= s.wout || u.channel < 0 || u.channel >= s.c) throw new Error(`Pooled unit (${u.channel}, ${u.y}, ${u.x}) is outside level ${u.level}'s map.`);
    const q = view.result.forward.levels[u.level - 1].t![(u.channel * s.hout + u.y) * s.wout + u.x];
    return { level: u.level, channel: u.channel, y: 2 * u.y + (q >> 1), x: 2 * u.x + (q & 1) };
  }
  return { level: u.level, channel: u.channel, y: u.y, x: u.x };
}

/** The unit's arithmetic; throws when the unit is outside the model. */
export function unitArithmetic(view: ViewResult, params: ModelParams, ref: UnitRef): UnitArithmetic {
  const shapes = shapesOf(view.spec);
  const L = shapes.levels.length;
  const { level: l, channel: c, y, x } = rUnitOf(view, ref);
  const s = shapes.levels[l - 1];
  if (c < 0 || c >= s.c || y < 0 || y >= s.hc || x < 0 || x >= s.wc || !Number.isInteger(y) || !Number.isInteger(x))
    throw new Error(`Unit (channel ${c + 1}, ${y}, ${x}) is outside level ${l}'s ${s.c}×${s.hc}×${s.wc} map.`);
  const fwd = view.result.forward.levels[l - 1];
  const bt = view.result.backtrace.levels[l - 1];
  const input = l === 1 ? view.image : view.result.forward.levels[l - 2].x;
  const W = params.weights[l - 1];
  const i = (c * s.hc + y) * s.wc + x;

  // Template matching, every term of the sum.
  const terms: MatchTerm[] = [];
  let sum = 0;
  for (let ci = 0; ci < s.cin; ci++)
    for (let dy = 0; dy < s.k; dy++)
      for (let dx = 0; dx < s.k; dx++) {
        const yy = y + dy - s.pad;
        const xx = x + dx - s.pad;
        const inside = yy >= 0 && yy < s.hin && xx >= 0 && xx < s.win;
        const w = W[((c * s.cin + ci) * s.k + dy) * s.k + dx];
        const xv = inside ? input[(ci * s.hin + yy) * s.win + xx] : 0;
        const product = w * xv;
        sum += product;
        terms.push({ ci, dy, dx, w, x: xv, product, inside });
      }
  const bias = params.biases[l - 1][c];
  const u = sum + bias;

  // The pooling window.
  let pool: UnitArithmetic['pool'] = null;
  if (s.pool && y < 2 * s.hout && x < 2 * s.wout) {
    const py = y >> 1;
    const px = x >> 1;
    const values = [0, 1, 2, 3].map((q) => fwd.r[(c * s.hc + 2 * py + (q >> 1)) * s.wc + 2 * px + (q & 1)]);
    const j = (c * s.hout + py) * s.wout + px;
    const winner = fwd.t![j];
    pool = { values, winner, chosenHere: winner === (y & 1) * 2 + (x & 1), max: Math.max(...values), engineX: fwd.x[j], y: py, x: px };
  }

  // Top-down: the signal arriving at the unit's x(l) position.
  const Y = s.pool ? y >> 1 : y;
  const X = s.pool ? x >> 1 : x;
  const hx = s.pool ? s.hout : s.hc;
  const wx = s.pool ? s.wout : s.wc;
  const inX = !s.pool || pool !== null;
  const engineSx = inX ? bt.sx[(c * hx + Y) * wx + X] : 0;
  let source: UnitArithmetic['down']['source'];
  if (l === L) {
    const top = shapes.top;
    const positions = view.spec.readout === 'gap' ? top.h * top.w : 1;
    const mu = view.spec.readout === 'gap' ? params.mu[view.startClass * top.c + c] : inX ? params.mu[view.startClass * shapes.templateLength + (c * top.h + Y) * top.w + X] : 0;
    source = { kind: 'class', readout: view.spec.readout, mu, positions, value: inX ? mu / positions : 0 };
  } else {
    const up = shapes.levels[l];
    const suUp = view.result.backtrace.levels[l].su;
    const W2 = params.weights[l];
    const all: DownTerm[] = [];
    let value = 0;
    if (inX)
      for (let co = 0; co < up.c; co++)
        for (let dy = 0; dy < up.k; dy++) {
          const yr = Y - dy + up.pad;
          if (yr < 0 || yr >= up.hc) continue;
          for (let dx = 0; dx < up.k; dx++) {
            const xr = X - dx + up.pad;
            if (xr < 0 || xr >= up.wc) continue;
            const sv = suUp[(co * up.hc + yr) * up.wc + xr];
            if (sv === 0) continue;
            const w = W2[((co * up.cin + c) * up.k + dy) * up.k + dx];
            const product = sv * w;
            value += product;
            all.push({ channel: co, y: yr, x: xr, su: sv, w, product });
          }
        }
    all.sort((a, b) => Math.abs(b.product) - Math.abs(a.product));
    source = { kind: 'level', level: l + 1, terms: all, nonzero: all.length, value };
  }
  const sx = source.value;
  const sr = !s.pool ? sx : pool && pool.chosenHere ? sx : 0;
  const a = fwd.a[i];
  const su = view.variant === 'gradient' ? (a ? sr : 0) : view.variant === 'deconvnet' ? Math.max(0, sr) : a ? Math.max(0, sr) : 0;

  return {
    unit: { level: l, channel: c, y, x },
    shape: s,
    match: { terms, sum, bias, u, engineU: fwd.u[i] },
    relu: { on: u > 0, r: Math.max(0, u), engineR: fwd.r[i], engineA: a },
    pool,
    down: { variant: view.variant, startClass: view.startClass, source, engineSx, sr, engineSr: bt.sr[i], su, engineSu: bt.su[i] },
  };
}

/** The running sum of the first n terms (n clamped to 0..terms), what the card shows as it goes from one term to the whole sum. */
export function partialSum(terms: MatchTerm[], n: number): number {
  const m = Math.max(0, Math.min(terms.length, Math.trunc(n)));
  let s = 0;
  for (let i = 0; i < m; i++) s += terms[i].product;
  return s;
}
