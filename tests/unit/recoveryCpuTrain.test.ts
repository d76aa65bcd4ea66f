// Training without WebGPU (src/ui/recovery/cpuTrainer.ts): the class-balanced subset, Adam on the
// CPU reference's gradients (the first step moves each weight by the learning rate against its
// gradient's sign), a loss that goes down and an accuracy that goes up on digit-like data, and
// the estimate the page shows.
import { describe, expect, it } from 'vitest';
import { initParams, paramList, type ModelSpec } from '../../src/engine/model';
import { lossAndGrads } from '../../src/engine/reference/train';
import { CpuTrainer, cpuEstimate, takeSubset } from '../../src/ui/recovery/cpuTrainer';
import { fakeSplit } from '../helpers/data';

const TINY: ModelSpec = { input: { channels: 1, height: 28, width: 28 }, levels: [{ kernel: 5, channels: 4, pad: 0, pool: true }], readout: 'dense', classes: 10 };
const W = { rc: 0.5, kl: 0, nn: 0.1 };

describe('CPU training', () => {
  it('takes a class-balanced subset, scaled to [0, 1]', () => {
    const d = fakeSplit(600, 1);
    const s = takeSubset(d.pixels, d.labels, 100, 3);
    expect(s.images.length).toBe(100 * 784);
    const counts = new Array(10).fill(0);
    s.labels.forEach((y) => counts[y]++);
    expect(counts).toEqual(new Array(10).fill(10));
    const i = s.indices[7];
    expect(s.labels[7]).toBe(d.labels[i]);
    expect(s.images[7 * 784 + 300]).toBeCloseTo(d.pixels[i * 784 + 300] / 255, 6);
  });

  it("Adam's first step moves each weight by the learning rate against its gradient", () => {
    const d = fakeSplit(200, 2);
    const data = takeSubset(d.pixels, d.labels, 40, 1);
    const params = initParams(TINY, 4);
    const cfg = { lr: 0.01, weights: W, batch: 40, seed: 5 };
    const t = new CpuTrainer(TINY, params, data, cfg);
    // One epoch of one step: the batch is the whole subset, in the permuted order (the gradient is a mean, so the order does not matter).
    const { grads } = lossAndGrads(TINY, params, data.images, data.labels, 40, W);
    t.next();
    const g = [...grads.weights.flatMap((w, i) => [w, grads.biases[i]]), grads.mu, grads.classBias];
    const before = paramList(params);
    const after = paramList(t.weights());
    let checked = 0;
    before.forEach((w, k) =>
      w.forEach((v, j) => {
        if (Math.abs(g[k][j]) < 1e-6) return;
        expect(after[k][j] - v).toBeCloseTo(-0.01 * Math.sign(g[k][j]), 4);
        checked++;
      }),
    );
    expect(checked).toBeGreaterThan(1000);
  });

  it('lowers the loss and learns digit-like classes', async () => {
    const d = fakeSplit(400, 3);
    const data = takeSubset(d.pixels, d.labels, 200, 1);
    const test = fakeSplit(100, 9);
    const testImages = Float32Array.from(test.pixels, (v) => v / 255);
    const t = new CpuTrainer(TINY, initParams(TINY, 1), data, { lr: 3e-3, weights: W, batch: 8, seed: 1 });
    expect(t.stepsPerEpoch).toBe(25);
    const before = await t.evaluate(testImages, test.labels, 100);
    const first = t.next();
    expect(first).toMatchObject({ step: 1, epoch: 0, stepInEpoch: 1 });
    let last = first;
    for (let i = 0; i < 74; i++) last = t.next();
    expect(last).toMatchObject({ step: 75, epoch: 2, stepInEpoch: 25 });
    expect(last.terms.total).toBeLessThan(first.terms.total);
    const after = await t.evaluate(testImages, test.labels, 100);
    expect(after).toBeGreaterThan(Math.max(before, 0.5));
  });

  it('estimates an epoch of the subset and of MNIST from the step time', () => {
    expect(cpuEstimate(500, 8, 1000)).toEqual({ subsetEpochS: 62.5, fullEpochS: 3750 });
  });
});
