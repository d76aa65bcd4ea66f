// The rendering figures of issue 15 item 4 (src/engine/renderingFigures.ts) on the CPU engine,
// against a brute force that renders every class of every image with its own inference: the share
// of negative top-down signal at the units the t-switches point to, the true class rendering
// best, and counterfactual renderings classified as their class.
import { describe, expect, it } from 'vitest';
import { CpuEngine } from '../../src/engine/cpuEngine';
import { initParams, shapesOf, type ModelSpec } from '../../src/engine/model';
import { counterfactualInput, renderingFigures } from '../../src/engine/renderingFigures';
import { fakeSplit } from '../helpers/data';

const SPEC: ModelSpec = {
  input: { channels: 1, height: 28, width: 28 },
  levels: [
    { kernel: 5, channels: 4, pad: 2, pool: true },
    { kernel: 3, channels: 6, pad: 1, pool: false },
  ],
  readout: 'dense',
  classes: 10,
};

describe('counterfactualInput', () => {
  it('scales a rendering by its least-squares factor and clips it to [0, 1], at an offset', () => {
    const image = [0, 0.5, 1, 1];
    const rendering = [1, -1, 2, 4];
    // alpha = <I, R> / <R, R> = (0 - 0.5 + 2 + 4) / (1 + 1 + 4 + 16) = 5.5 / 22 = 0.25.
    expect(Array.from(counterfactualInput(image, rendering))).toEqual([0.25, 0, 0.5, 1]);
    const out = new Float32Array(6).fill(9);
    counterfactualInput(image, rendering, out, 2);
    expect(Array.from(out)).toEqual([9, 9, 0.25, 0, 0.5, 1]);
    // An all-zero rendering has no factor: it stays zero.
    expect(Array.from(counterfactualInput(image, [0, 0, 0, 0]))).toEqual([0, 0, 0, 0]);
  });
});

describe('rendering figures', () => {
  it('equal a brute force over every image and class', async () => {
    const d = fakeSplit(12, 3);
    const images = Float32Array.from(d.pixels, (v) => v / 255);
    const params = initParams(SPEC, 4);
    const engine = new CpuEngine(SPEC, params);
    const got = await renderingFigures(engine, SPEC, images, d.labels, 12, 5);

    const sh = shapesOf(SPEC);
    const D = 784;
    const neg = [0, 0];
    const units = [0, 0];
    let best = 0;
    let bestScaled = 0;
    let recognised = 0;
    const one = new CpuEngine(SPEC, params);
    for (let i = 0; i < 12; i++) {
      const im = images.subarray(i * D, (i + 1) * D);
      const r = await one.infer({ images: im, n: 1, start: { kind: 'class', classes: 'predicted' }, variant: 'rendering' });
      // Level 1 pools: one unit a window, where t points; level 2 does not: every unit.
      const l1 = sh.levels[0];
      const t = r.forward.levels[0].t!;
      for (let w = 0; w < l1.c * l1.hout * l1.wout; w++) {
        const ch = Math.floor(w / (l1.hout * l1.wout));
        const y = Math.floor(w / l1.wout) % l1.hout;
        const x = w % l1.wout;
        const k = t[w];
        units[0]++;
        if (r.backtrace.levels[0].sr[(ch * l1.hc + 2 * y + (k >> 1)) * l1.wc + 2 * x + (k & 1)] < 0) neg[0]++;
      }
      for (const v of r.backtrace.levels[1].sr) {
        units[1]++;
        if (v < 0) neg[1]++;
      }
      const errs: number[] = [];
      const scaled: number[] = [];
      for (let c = 0; c < 10; c++) {
        const px = (await one.infer({ images: im, n: 1, start: { kind: 'class', classes: [c] }, variant: 'rendering' })).backtrace.pixels;
        errs.push(im.reduce((s, v, j) => s + (v - px[j]) ** 2, 0));
        const ip = im.reduce((s, v, j) => s + v * px[j], 0);
        const pp = Array.from(px).reduce((s, v) => s + v * v, 0);
        const alpha = pp > 0 ? ip / pp : 0;
        // The error of the rendering scaled by its least-squares factor.
        scaled.push(im.reduce((s, v, j) => s + (v - alpha * px[j]) ** 2, 0));
        if (c === d.labels[i]) continue;
        const cf = Float32Array.from(px, (v) => Math.min(1, Math.max(0, alpha * v)));
        if ((await one.classify(cf, 1)).pred[0] === c) recognised++;
      }
      if (errs.indexOf(Math.min(...errs)) === d.labels[i]) best++;
      if (scaled.indexOf(Math.min(...scaled)) === d.labels[i]) bestScaled++;
    }
    expect(got.images).toBe(12);
    expect(got.pairs).toBe(12 * 9);
    expect(got.negativeShare[0]).toBeCloseTo(neg[0] / units[0], 12);
    expect(got.negativeShare[1]).toBeCloseTo(neg[1] / units[1], 12);
    expect(got.trueClassBest).toBeCloseTo(best / 12, 12);
    expect(got.trueClassBestScaled).toBeCloseTo(bestScaled / 12, 12);
    expect(got.counterfactualRecognised).toBeCloseTo(recognised / (12 * 9), 12);
    // A random model's rendering is far from nonnegative: the test is not vacuous.
    expect(neg[0] + neg[1]).toBeGreaterThan(0);
  });
});
