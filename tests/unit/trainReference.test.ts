/**
 * The reference G-step gradient against central finite differences of the objective, with the
 * E-step's switches and start classes held fixed (float64). Every term is switched on, on a
 * semi-supervised batch, for both reconstruction variants and both read-outs. The class-balance
 * term is also checked on its own: its value on known predictions, and its gradient w.r.t. the
 * scores against finite differences.
 */
import { describe, expect, it } from 'vitest';
import { initParams, paramList, paramsFromList } from '../../src/engine/model';
import { balanceTerm, lossAndGrads, type LossWeights } from '../../src/engine/reference/train';
import { randomArray } from '../helpers/compare';
import { expectGradientsMatchFd } from '../helpers/fd';
import { FD_SPEC } from '../helpers/specs';

const SPEC = FD_SPEC;
const W: LossWeights = { rc: 0.7, kl: 0.3, nn: 2.0, bal: 0.6 };

describe('reference gradients = central finite differences (switches fixed)', () => {
  for (const [readout, variant] of [['gap', 'rendering'], ['dense', 'rendering'], ['gap', 'gradient']] as const) {
    it(`${readout} read-out, ${variant} reconstruction`, () => {
      const spec = { ...SPEC, readout };
      const params = initParams(spec, 21);
      const n = 4;
      const images = Float64Array.from(randomArray(n * 56, 22, 0, 1));
      const labels = [2, -1, 0, -1];
      const base = lossAndGrads(spec, params, images, labels, n, W, variant);
      expect(base.terms.ce).toBeGreaterThan(0);
      expect(base.terms.rc).toBeGreaterThan(0);
      expect(base.terms.ent).toBeLessThan(0);
      expect(base.terms.bal).toBeGreaterThan(0);
      const fixed = { fwd: base.fwd, cls: base.cls };
      const grads = [...base.grads.weights.flatMap((w, i) => [w, base.grads.biases[i]]), base.grads.mu, base.grads.classBias];
      const checked = expectGradientsMatchFd(spec, params, grads, (p) => lossAndGrads(spec, p, images, labels, n, W, variant, fixed).terms.total);
      expect(checked).toBeGreaterThan(40);
    });
  }

  it('the entropy term sharpens: on a known p its value is H(p) - log C and its gradient lowers H', () => {
    const spec = { ...SPEC, readout: 'dense' as const };
    const params = initParams(spec, 3);
    const images = Float64Array.from(randomArray(56, 4, 0, 1));
    const { terms, grads, fwd } = lossAndGrads(spec, params, images, [-1], 1, { rc: 0, kl: 1, nn: 0 });
    const p = Array.from(fwd.probs);
    const H = -p.reduce((s, v) => s + v * Math.log(v), 0);
    expect(terms.ent).toBeCloseTo(H - Math.log(3), 12);
    expect(terms.ent).toBeLessThanOrEqual(0);
    // A small step against the gradient of the class biases lowers the entropy.
    const step = paramList(params).map((t) => Float64Array.from(t)) as unknown as Float32Array[];
    const bc = step[step.length - 1];
    grads.classBias.forEach((g, k) => (bc[k] -= 0.1 * g));
    const after = lossAndGrads(spec, paramsFromList(spec, step), images, [-1], 1, { rc: 0, kl: 1, nn: 0 }).terms.ent;
    expect(after).toBeLessThan(terms.ent);
  });
});

const softmax = (s: ArrayLike<number>, n: number, C: number): Float64Array => {
  const p = new Float64Array(n * C);
  for (let i = 0; i < n; i++) {
    const row = Array.from({ length: C }, (_, k) => s[i * C + k]);
    const m = Math.max(...row);
    const z = row.reduce((a, v) => a + Math.exp(v - m), 0);
    row.forEach((v, k) => (p[i * C + k] = Math.exp(v - m) / z));
  }
  return p;
};

describe('the class-balance term KL(pbar || uniform)', () => {
  const C = 10;
  it('is large when every unlabelled prediction picks one class, ~0 on a balanced batch, and ignores labelled images', () => {
    const n = 20;
    const oneHot = (k: number, sharp: number) => Array.from({ length: C }, (_, c) => (c === k ? sharp : (1 - sharp) / (C - 1)));
    // Every unlabelled image all but certain of class 0: pbar ~ e_0, KL ~ log C.
    const allZero = Float64Array.from(Array.from({ length: n }, () => oneHot(0, 0.999)).flat());
    const unl = new Array(n).fill(-1);
    const skewed = balanceTerm(allZero, unl, n, C);
    expect(skewed.value).toBeGreaterThan(0.95 * Math.log(C));
    expect(skewed.value).toBeLessThanOrEqual(Math.log(C));
    // Each class predicted (sharply) by two of the twenty: pbar uniform, KL = 0 although every p is sharp.
    const balanced = Float64Array.from(Array.from({ length: n }, (_, i) => oneHot(i % C, 0.999)).flat());
    const even = balanceTerm(balanced, unl, n, C);
    expect(Math.abs(even.value)).toBeLessThan(1e-12);
    // The value by its definition on a mildly skewed batch.
    const probs = softmax(Float64Array.from({ length: n * C }, (_, j) => Math.sin(3.1 * j) + (j % C === 5 ? 1 : 0)), n, C);
    const pbar = Array.from({ length: C }, (_, c) => Array.from({ length: n }, (_, i) => probs[i * C + c]).reduce((a, b) => a + b) / n);
    expect(balanceTerm(probs, unl, n, C).value).toBeCloseTo(pbar.reduce((a, q) => a + q * Math.log(q), 0) + Math.log(C), 12);
    // Labelled images neither count in pbar nor get a gradient; without unlabelled images the term is 0.
    const labels = Array.from({ length: n }, (_, i) => (i < 10 ? i % C : -1));
    const half = balanceTerm(allZero, labels, n, C);
    expect(half.value).toBeCloseTo(skewed.value, 12);
    for (let j = 0; j < 10 * C; j++) expect(half.grad[j]).toBe(0);
    const none = balanceTerm(allZero, labels.map((_, i) => i % C), n, C);
    expect(none.value).toBe(0);
    expect(none.grad.every((g) => g === 0)).toBe(true);
  });

  it('has the gradient dL/ds_nk = p_nk (log pbar_k - sum_c p_nc log pbar_c) / N_u of its value (central differences)', () => {
    const n = 7;
    const labels = [3, -1, -1, 0, -1, -1, -1];
    const scores = Float64Array.from({ length: n * C }, (_, j) => 2 * Math.sin(1.7 * j + 0.3) + (j % C === 2 ? 1.5 : 0));
    const { value, grad } = balanceTerm(softmax(scores, n, C), labels, n, C);
    expect(value).toBeGreaterThan(0.01);
    const h = 1e-6;
    let largest = 0;
    for (let j = 0; j < n * C; j++) {
      const at = (d: number) => {
        const s = Float64Array.from(scores);
        s[j] += d;
        return balanceTerm(softmax(s, n, C), labels, n, C).value;
      };
      const fd = (at(h) - at(-h)) / (2 * h);
      expect(Math.abs(fd - grad[j])).toBeLessThan(1e-8);
      largest = Math.max(largest, Math.abs(grad[j]));
    }
    expect(largest).toBeGreaterThan(1e-3);
  });

  it('lowers the imbalance: a step against its gradient on the class biases brings pbar closer to uniform', () => {
    const spec = { ...SPEC, readout: 'dense' as const };
    const params = initParams(spec, 8);
    // A skew to class 1 through its bias.
    params.classBias[1] += 2;
    const n = 6;
    const images = Float64Array.from(randomArray(n * 56, 9, 0, 1));
    const labels = new Array(n).fill(-1);
    const w = { rc: 0, kl: 0, nn: 0, bal: 1 };
    const { terms, grads } = lossAndGrads(spec, params, images, labels, n, w);
    expect(terms.bal).toBeGreaterThan(0.1);
    expect(terms.total).toBeCloseTo(terms.bal, 12);
    const step = paramList(params).map((t) => Float64Array.from(t)) as unknown as Float32Array[];
    const bc = step[step.length - 1];
    grads.classBias.forEach((g, k) => (bc[k] -= 0.5 * g));
    expect(grads.classBias[1]).toBeGreaterThan(0);
    expect(lossAndGrads(spec, paramsFromList(spec, step), images, labels, n, w).terms.bal).toBeLessThan(terms.bal);
  });
});
