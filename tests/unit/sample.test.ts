/**
 * The generative sampler (src/engine/reference/sample.ts) checked against the reference
 * backtrace: rendering a class through given switches is the same computation whether the
 * switches came from the bottom-up DP or from the priors.
 */
import { describe, expect, it } from 'vitest';
import { PRESETS, initParams, shapesOf, type ModelSpec } from '../../src/engine/model';
import { SMALL, TWO_LEVEL } from '../helpers/specs';
import { backtrace, forward } from '../../src/engine/reference/pipeline';
import { onProbabilities, priorsFromCounts, sample, switchCounts, type DrmmSample } from '../../src/engine/reference/sample';
import type { ForwardMaps } from '../../src/engine/types';
import { randomArray } from '../helpers/compare';

/** A ForwardMaps that holds only given switches: all the backtrace reads. */
function switchesAsForward(spec: ModelSpec, a: Uint8Array[], t: (Uint8Array | null)[]): ForwardMaps {
  const shapes = shapesOf(spec).levels;
  return {
    n: 1,
    levels: shapes.map((l, i) => ({
      u: new Float64Array(l.c * l.hc * l.wc),
      r: new Float64Array(l.c * l.hc * l.wc),
      a: a[i],
      x: new Float64Array(l.c * l.hout * l.wout),
      t: t[i],
    })),
    scores: new Float64Array(spec.classes),
    probs: new Float64Array(spec.classes),
    pred: new Int32Array(1),
  };
}

const onCount = (s: DrmmSample) => s.a.reduce((n, a) => n + a.reduce((m, v) => m + v, 0), 0);

describe('sample: determinism and shapes', () => {
  const spec = PRESETS['drmm-compact'];
  const params = initParams(spec, 3);
  it('the same seed draws the same switches and pixels; another seed draws others', () => {
    const req = { cls: 4, seed: 11, onPrior: { kind: 'fixed' as const, p: 0.5 }, noise: 0.1 };
    const x = sample(spec, params, req);
    const y = sample(spec, params, req);
    expect(y.pixels).toEqual(x.pixels);
    expect(y.a).toEqual(x.a);
    expect(y.t).toEqual(x.t);
    const z = sample(spec, params, { ...req, seed: 12 });
    expect(z.a[0]).not.toEqual(x.a[0]);
    expect(z.pixels).not.toEqual(x.pixels);
  });

  for (const name of ['rmm-shallow', 'drmm-compact', 'drmm-mnist'] as const) {
    it(`${name}: one image of the input's size, switches of every level's size`, () => {
      const sp = PRESETS[name];
      const s = sample(sp, initParams(sp, 1), { cls: 9, seed: 1, onPrior: { kind: 'bias' } });
      expect(s.pixels.length).toBe(28 * 28);
      shapesOf(sp).levels.forEach((l, i) => {
        expect(s.a[i].length).toBe(l.c * l.hc * l.wc);
        expect(s.t[i]?.length ?? null).toBe(l.pool ? l.c * l.hout * l.wout : null);
        expect(s.levels[i].sx.length).toBe(l.c * l.hout * l.wout);
        expect(s.levels[i].su.length).toBe(l.c * l.hc * l.wc);
      });
      expect(s.pixels.every(Number.isFinite)).toBe(true);
    });
  }
});

describe('sample = the reference backtrace through the same switches', () => {
  for (const spec of [SMALL, { ...SMALL, readout: 'dense' as const }, PRESETS['drmm-compact']]) {
    const params = initParams(spec, 5);
    const shapes = shapesOf(spec);
    const D = spec.input.channels * spec.input.height * spec.input.width;
    const fwd = forward(spec, params, Float64Array.from(randomArray(D, 21, 0, 1)), 1);
    const tag = `${spec.levels.length} levels, ${spec.readout}`;

    it(`${tag}: every switch ON and the t-switches of a real image fixed`, () => {
      const allOn = shapes.levels.map((l) => new Uint8Array(l.c * l.hc * l.wc).fill(1));
      const t = fwd.levels.map((lm) => lm.t);
      const s = sample(spec, params, { cls: 2, seed: 1, onPrior: { kind: 'fixed', p: 1 }, fixed: { t } });
      expect(s.a).toEqual(allOn);
      const bt = backtrace(spec, params, switchesAsForward(spec, allOn, t), { kind: 'class', classes: [2] }, 'rendering');
      expect(s.pixels).toEqual(bt.pixels);
      bt.levels.forEach((lv, i) => {
        expect(s.levels[i].sr).toEqual(lv.sr);
        expect(s.levels[i].su).toEqual(lv.su);
      });
      // And not trivially: the rendering is not zero.
      expect(s.pixels.some((v) => v !== 0)).toBe(true);
    });

    it(`${tag}: drawn switches, nonnegative = rendering, signed = gradient`, () => {
      for (const [nonnegative, variant] of [[true, 'rendering'], [false, 'gradient']] as const) {
        const s = sample(spec, params, { cls: 1, seed: 77, onPrior: { kind: 'fixed', p: 0.6 }, nonnegative });
        const on = onCount(s);
        expect(on).toBeGreaterThan(0);
        expect(on).toBeLessThan(shapes.levels.reduce((n, l) => n + l.c * l.hc * l.wc, 0));
        const bt = backtrace(spec, params, switchesAsForward(spec, s.a, s.t), { kind: 'class', classes: [1] }, variant);
        expect(s.pixels).toEqual(bt.pixels);
      }
    });
  }

  it('the bottom-up switches of an image reproduce its reconstruction', () => {
    const spec = PRESETS['drmm-compact'];
    const params = initParams(spec, 8);
    const fwd = forward(spec, params, Float64Array.from(randomArray(784, 4, 0, 1)), 1);
    const s = sample(spec, params, { cls: 6, seed: 0, onPrior: { kind: 'bias' }, fixed: { a: fwd.levels.map((l) => l.a), t: fwd.levels.map((l) => l.t) } });
    expect(s.pixels).toEqual(backtrace(spec, params, fwd, { kind: 'class', classes: [6] }, 'rendering').pixels);
  });
});

describe('sample: priors', () => {
  const spec = TWO_LEVEL; // the messages below name its 12 level-1 channels
  const params = initParams(spec, 2);

  it('NN-DRMM: every rendered template below the top is >= 0; the signed model is not', () => {
    const nn = sample(spec, params, { cls: 0, seed: 3, onPrior: { kind: 'fixed', p: 0.5 } });
    for (const lv of nn.levels) expect(Math.min(...lv.su)).toBeGreaterThanOrEqual(0);
    const signed = sample(spec, params, { cls: 0, seed: 3, onPrior: { kind: 'fixed', p: 0.5 }, nonnegative: false });
    expect(Math.min(...signed.levels.flatMap((lv) => Array.from(lv.su)))).toBeLessThan(0);
  });

  it('P(ON) = p draws about a fraction p ON; p = 0 renders nothing', () => {
    const s = sample(spec, params, { cls: 0, seed: 9, onPrior: { kind: 'fixed', p: 0.3 } });
    const units = s.a.reduce((n, a) => n + a.length, 0);
    expect(onCount(s) / units).toBeGreaterThan(0.27);
    expect(onCount(s) / units).toBeLessThan(0.33);
    const off = sample(spec, params, { cls: 0, seed: 9, onPrior: { kind: 'fixed', p: 0 } });
    expect(onCount(off)).toBe(0);
    expect(off.pixels.every((v) => v === 0)).toBe(true);
  });

  it('bias prior: P(ON) = sigmoid(b) per channel', () => {
    const p = { ...params, biases: params.biases.map((b) => b.map((_, c) => (c % 2 ? 2 : -1))) };
    const probs = onProbabilities(spec, p, { kind: 'bias' });
    const l = shapesOf(spec).levels[1];
    const size = l.hc * l.wc;
    expect(probs[1][0]).toBeCloseTo(1 / (1 + Math.exp(1)), 12);
    expect(probs[1][size * 3 + 5]).toBeCloseTo(1 / (1 + Math.exp(-2)), 12);
  });

  it('per-channel rates apply to every position of the channel; t uniform uses all four positions', () => {
    const shapes = shapesOf(spec).levels;
    const rates = shapes.map((l) => Float64Array.from({ length: l.c }, (_, c) => (c === 0 ? 1 : 0)));
    const s = sample(spec, params, { cls: 5, seed: 4, onPrior: { kind: 'rates', rates } });
    shapes.forEach((l, i) => {
      const size = l.hc * l.wc;
      expect(s.a[i].subarray(0, size).every((v) => v === 1)).toBe(true);
      expect(s.a[i].subarray(size).every((v) => v === 0)).toBe(true);
    });
    const counts = [0, 0, 0, 0];
    for (const v of s.t[0]!) counts[v]++;
    for (const c of counts) expect(c / s.t[0]!.length).toBeGreaterThan(0.2);
  });

  it('t frequencies: a one-hot frequency always picks that position', () => {
    const shapes = shapesOf(spec).levels;
    const freq = shapes.map((l) => (l.pool ? Float64Array.from({ length: 4 * l.c * l.hout * l.wout }, (_, j) => (j % 4 === 2 ? 1 : 0)) : null));
    const s = sample(spec, params, { cls: 5, seed: 4, onPrior: { kind: 'fixed', p: 0.5 }, tPrior: { kind: 'rates', freq } });
    expect(s.t.every((t) => t!.every((v) => v === 2))).toBe(true);
  });

  it('pixel noise: same switches, residual with the requested standard deviation', () => {
    const clean = sample(spec, params, { cls: 7, seed: 5, onPrior: { kind: 'fixed', p: 0.5 } });
    const noisy = sample(spec, params, { cls: 7, seed: 5, onPrior: { kind: 'fixed', p: 0.5 }, noise: 0.2 });
    expect(noisy.a).toEqual(clean.a);
    expect(noisy.mean).toEqual(clean.pixels);
    const d = noisy.pixels.map((v, i) => v - clean.pixels[i]);
    const sd = Math.sqrt(d.reduce((s, v) => s + v * v, 0) / d.length);
    expect(sd).toBeGreaterThan(0.17);
    expect(sd).toBeLessThan(0.23);
  });

  it('rejects bad requests with a clear message', () => {
    const ok = { cls: 0, seed: 1, onPrior: { kind: 'fixed' as const, p: 0.5 } };
    expect(() => sample(spec, params, { ...ok, cls: 10 })).toThrow(/class must be an integer in 0..9/);
    expect(() => sample(spec, params, { ...ok, onPrior: { kind: 'fixed', p: 1.5 } })).toThrow(/probability in \[0, 1\]/);
    expect(() => sample(spec, params, { ...ok, noise: -1 })).toThrow(/noise level/);
    expect(() => sample(spec, params, { ...ok, onPrior: { kind: 'rates', rates: [new Float64Array(3)] } })).toThrow(/level 1 needs 12 \(per channel\)/);
  });
});

describe('switchCounts and priorsFromCounts', () => {
  it('count ON units per unit and window positions only where the window had an ON unit', () => {
    const spec = SMALL;
    const params = initParams(spec, 4);
    const D = 9 * 11;
    const n = 3;
    const fwd = forward(spec, params, Float64Array.from(randomArray(n * D, 8, 0, 1)), n);
    const counts = switchCounts(spec, fwd);
    expect(counts.images).toBe(n);
    shapesOf(spec).levels.forEach((l, i) => {
      const fine = l.c * l.hc * l.wc;
      for (const j of [0, 7, fine - 1]) expect(counts.on[i][j]).toBe(fwd.levels[i].a[j] + fwd.levels[i].a[fine + j] + fwd.levels[i].a[2 * fine + j]);
      if (!l.pool) return expect(counts.t[i]).toBeNull();
      const coarse = l.c * l.hout * l.wout;
      let positive = 0;
      for (let k = 0; k < n * coarse; k++) if (fwd.levels[i].x[k] > 0) positive++;
      expect(counts.t[i]!.reduce((s, v) => s + v, 0)).toBe(positive);
    });
    const again = switchCounts(spec, fwd, counts);
    expect(again.images).toBe(2 * n);
    const { onPrior } = priorsFromCounts(again);
    if (onPrior.kind !== 'rates') throw new Error('expected rates');
    expect(onPrior.rates[0][0]).toBeCloseTo(counts.on[0][0] / (2 * n), 12);
    expect(() => priorsFromCounts({ images: 0, on: [], t: [] })).toThrow(/no images/);
  });
});
