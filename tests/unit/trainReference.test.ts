/**
 * The reference G-step gradient against central finite differences of the objective, with the
 * E-step's switches and start classes held fixed (float64). Every term is switched on, on a
 * semi-supervised batch, for both reconstruction variants and both read-outs.
 */
import { describe, expect, it } from 'vitest';
import { initParams, paramList, paramsFromList, type ModelSpec } from '../../src/engine/model';
import { lossAndGrads, type LossWeights } from '../../src/engine/reference/train';
import { randomArray } from '../helpers/compare';

const SPEC: ModelSpec = {
  input: { channels: 1, height: 8, width: 7 },
  levels: [
    { kernel: 3, channels: 3, pad: 1, pool: true },
    { kernel: 2, channels: 4, pad: 1, pool: false },
  ],
  readout: 'gap',
  classes: 3,
};
const W: LossWeights = { rc: 0.7, kl: 0.3, nn: 2.0 };

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
      const fixed = { fwd: base.fwd, cls: base.cls };
      const grads = [...base.grads.weights.flatMap((w, i) => [w, base.grads.biases[i]]), base.grads.mu, base.grads.classBias];
      const h = 1e-6;
      let checked = 0;
      paramList(params).forEach((tensor, ti) => {
        const stride = Math.max(1, Math.floor(tensor.length / 12));
        for (let j = 0; j < tensor.length; j += stride) {
          const at = (delta: number) => {
            const list = paramList(params).map((t) => Float64Array.from(t)) as unknown as Float32Array[];
            list[ti][j] += delta;
            return lossAndGrads(spec, paramsFromList(spec, list), images, labels, n, W, variant, fixed).terms.total;
          };
          const fd = (at(h) - at(-h)) / (2 * h);
          expect(Math.abs(fd - grads[ti][j])).toBeLessThan(1e-5 * Math.max(1, Math.abs(fd)));
          checked++;
        }
      });
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
