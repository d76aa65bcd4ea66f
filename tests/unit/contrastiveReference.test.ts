/**
 * The contrastive rendering term of the reference objective (reference/train.ts):
 *   L_cr = a_cr / N sum_n relu(m + e_n(y_n) - e_n(r_n)),  e_n(c) = ||I_n - I_hat_c||^2 / D,
 * r_n = (y_n + 1 + k_n) mod C. Its value against renderings made here class by class with the
 * pipeline's own backtrace, and the whole objective's gradient (every term on, some hinges active
 * and some not, away from the kink) against central finite differences, switches fixed.
 */
import { describe, expect, it } from 'vitest';
import { initParams, type ModelSpec } from '../../src/engine/model';
import { backtrace, forward } from '../../src/engine/reference/pipeline';
import { lossAndGrads, rivalClass, type LossWeights } from '../../src/engine/reference/train';
import { randomArray } from '../helpers/compare';
import { expectGradientsMatchFd } from '../helpers/fd';
import { FD_SPEC } from '../helpers/specs';

const SPEC = FD_SPEC;
const D = 56;

/** e_n(c) for every image and class, each class rendered through the images' own switches. */
function errors(spec: ModelSpec, seed: number, images: Float64Array, n: number): number[][] {
  const params = initParams(spec, seed);
  const fwd = forward(spec, params, images, n);
  const out = Array.from({ length: n }, () => new Array<number>(spec.classes).fill(0));
  for (let c = 0; c < spec.classes; c++) {
    const px = backtrace(spec, params, fwd, { kind: 'class', classes: new Array(n).fill(c) }, 'rendering').pixels;
    for (let i = 0; i < n; i++) {
      let e = 0;
      for (let j = 0; j < D; j++) e += (px[i * D + j] - images[i * D + j]) ** 2;
      out[i][c] = e / D;
    }
  }
  return out;
}

describe('the contrastive rendering term', () => {
  it('rival classes: (y + 1 + k) mod C covers every other class and never y', () => {
    for (let y = 0; y < 10; y++) {
      const r = Array.from({ length: 9 }, (_, k) => rivalClass(y, k, 10));
      expect(new Set(r).size).toBe(9);
      expect(r).not.toContain(y);
    }
  });

  it('its value is the mean hinge over renderings made class by class, and the total adds a_cr times it', () => {
    const n = 5;
    const images = Float64Array.from(randomArray(n * D, 31, 0, 1));
    const labels = [2, -1, 0, 1, -1];
    const offsets = [0, 1, 1, 0, 1];
    const e = errors(SPEC, 30, images, n);
    const pred = forward(SPEC, initParams(SPEC, 30), images, n).pred;
    const y = labels.map((l, i) => (l >= 0 ? l : pred[i]));
    const d = y.map((c, i) => e[i][c] - e[i][rivalClass(c, offsets[i], 3)]);
    // A margin that leaves some hinges active and some not.
    const margin = -[...d].sort((a, b) => a - b)[2] + 1e-4;
    const want = d.reduce((s, v) => s + Math.max(margin + v, 0), 0) / n;
    const params = initParams(SPEC, 30);
    const w: LossWeights = { rc: 0.5, kl: 0.2, nn: 0.1, cr: 3 };
    const { terms } = lossAndGrads(SPEC, params, images, labels, n, w, 'rendering', undefined, { offsets, margin });
    expect(d.some((v) => margin + v > 0) && d.some((v) => margin + v < 0)).toBe(true);
    expect(terms.cr).toBeGreaterThan(0);
    expect(terms.cr).toBeCloseTo(want, 12);
    const off = lossAndGrads(SPEC, params, images, labels, n, { ...w, cr: 0 }).terms;
    expect(off.cr).toBe(0);
    expect(terms.total - off.total).toBeCloseTo(3 * want, 12);
    // Without the term the rest of the objective is unchanged.
    expect([terms.ce, terms.rc, terms.nn, terms.ent]).toEqual([off.ce, off.rc, off.nn, off.ent]);
  });

  it('refuses a_cr > 0 without rival offsets, and an offset outside [0, C - 2]', () => {
    const params = initParams(SPEC, 1);
    const images = Float64Array.from(randomArray(2 * D, 2, 0, 1));
    expect(() => lossAndGrads(SPEC, params, images, [0, 1], 2, { rc: 1, kl: 0, nn: 0, cr: 1 })).toThrow('needs the rival offsets');
    expect(() => lossAndGrads(SPEC, params, images, [0, 1], 2, { rc: 1, kl: 0, nn: 0, cr: 1 }, 'rendering', undefined, { offsets: [0, 2], margin: 0 })).toThrow('rival offset 2');
  });

  for (const [readout, variant] of [['gap', 'rendering'], ['dense', 'gradient']] as const) {
    it(`gradient = central finite differences of the whole objective (${readout} read-out, ${variant} pass)`, () => {
      const spec = { ...SPEC, readout };
      const params = initParams(spec, 41);
      const n = 6;
      const images = Float64Array.from(randomArray(n * D, 42, 0, 1));
      const labels = [2, -1, 0, -1, 1, 1];
      const offsets = [1, 0, 0, 1, 1, 0];
      const W: LossWeights = { rc: 0.7, kl: 0.3, nn: 2, bal: 0.6, cr: 2.5 };
      // The hinge arguments at margin 0, to put the margin between two of them (some active, some not).
      const probe = lossAndGrads(spec, params, images, labels, n, W, variant, undefined, { offsets, margin: 0 });
      const fwd = probe.fwd;
      const rend = (cls: number[]) => backtrace(spec, params, fwd, { kind: 'class', classes: cls }, variant).pixels;
      const err = (px: ArrayLike<number>, i: number) => {
        let e = 0;
        for (let j = 0; j < D; j++) e += (px[i * D + j] - images[i * D + j]) ** 2;
        return e / D;
      };
      const py = rend(probe.cls);
      const pr = rend(probe.cls.map((c, i) => rivalClass(c, offsets[i], 3)));
      const d = Array.from({ length: n }, (_, i) => err(py, i) - err(pr, i)).sort((a, b) => a - b);
      const margin = -(d[2] + d[3]) / 2;
      const gap = Math.min(...d.map((v) => Math.abs(margin + v)));
      expect(gap).toBeGreaterThan(1e-5);
      const rivals = { offsets, margin };
      const base = lossAndGrads(spec, params, images, labels, n, W, variant, undefined, rivals);
      expect(base.terms.cr).toBeGreaterThan(0);
      const fixed = { fwd: base.fwd, cls: base.cls };
      const grads = [...base.grads.weights.flatMap((w, i) => [w, base.grads.biases[i]]), base.grads.mu, base.grads.classBias];
      // The term changes the gradient (so the comparison below sees it).
      const without = lossAndGrads(spec, params, images, labels, n, { ...W, cr: 0 }, variant, fixed);
      expect(Math.max(...base.grads.mu.map((g, j) => Math.abs(g - without.grads.mu[j])))).toBeGreaterThan(1e-4);
      const checked = expectGradientsMatchFd(spec, params, grads, (p) => lossAndGrads(spec, p, images, labels, n, W, variant, fixed, rivals).terms.total);
      expect(checked).toBeGreaterThan(40);
    });
  }
});
