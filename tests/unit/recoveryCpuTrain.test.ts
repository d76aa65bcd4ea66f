// Training without WebGPU (src/ui/recovery/cpuTrainer.ts over the training core's CPU run): the
// class-balanced subset and the data the worker gets (only the subset's images, read back by
// training-set index), Adam's first step on the reference gradients (each weight moves by the
// learning rate against its gradient's sign), a loss that goes down and an accuracy that goes up
// on digit-like data, and the estimate the page shows.
import { describe, expect, it } from 'vitest';
import { initParams, paramList, type ModelSpec } from '../../src/engine/model';
import { lossAndGrads } from '../../src/engine/reference/train';
import { CpuTrainRun } from '../../src/engine/train/cpuRun';
import { byteSplit, floatSplit, gather, scheduleFor } from '../../src/engine/train/data';
import { CPU_BATCH, CPU_SUBSET, cpuEstimate, cpuRunConfig, subsetData, subsetSplit } from '../../src/ui/recovery/cpuTrainer';
import { fakeSplit } from '../helpers/data';

const TINY: ModelSpec = { input: { channels: 1, height: 28, width: 28 }, levels: [{ kernel: 5, channels: 4, pad: 0, pool: true }], readout: 'dense', classes: 10 };

describe('CPU training', () => {
  it('sends the worker a class-balanced subset; the run reads exactly those images by training-set index', () => {
    const d = fakeSplit(3000, 1);
    const config = cpuRunConfig(3000, 3);
    expect(config).toMatchObject({ mode: 'supervised', batchSize: CPU_BATCH, data: { subset: CPU_SUBSET } });
    const sub = subsetData(config, d.pixels, d.labels);
    expect(sub.indices.length).toBe(CPU_SUBSET);
    const counts = new Array(10).fill(0);
    sub.indices.forEach((i) => counts[d.labels[i]]++);
    expect(counts).toEqual(new Array(10).fill(CPU_SUBSET / 10));
    const split = subsetSplit(sub);
    const i = sub.indices[7];
    const got = new Float32Array(784);
    split.image(i, got);
    expect(got[300]).toBeCloseTo(d.pixels[i * 784 + 300] / 255, 6);
    expect(() => split.image([...Array(3000).keys()].find((k) => !sub.indices.includes(k))!, got)).toThrow(/not in the CPU subset/);
    // The schedule draws only subset images.
    const inSub = new Set(sub.indices);
    scheduleFor(config, d.labels).batch(0, 3).indices.forEach((k) => expect(inSub.has(k)).toBe(true));
  });

  it("Adam's first step moves each weight by the learning rate against its gradient", async () => {
    const d = fakeSplit(200, 2);
    const config = { ...cpuRunConfig(200, 5), lr: 0.01, batchSize: 40, weights: { rc: 0.5, kl: 0, nn: 0.1 }, data: { ...cpuRunConfig(200).data, subset: 40 } };
    const params = initParams(TINY, 4);
    const data = { train: byteSplit(d.pixels, d.labels), test: null };
    const run = CpuTrainRun.create(TINY, null, config, data, { params });
    // One step: the batch is the whole subset (the gradient is a mean, so the order does not matter).
    const b = scheduleFor(config, d.labels).batch(0, 0);
    const batch = gather(data.train, b.indices);
    const { grads } = lossAndGrads(TINY, params, batch.images, batch.labels, 40, config.weights);
    await run.step();
    const g = [...grads.weights.flatMap((w, i) => [w, grads.biases[i]]), grads.mu, grads.classBias];
    const before = paramList(params);
    const after = paramList(await run.params());
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
    const test = fakeSplit(100, 9);
    const config = { ...cpuRunConfig(400, 1), lr: 3e-3, weights: { rc: 0.5, kl: 0, nn: 0.1 }, data: { ...cpuRunConfig(400).data, subset: 200 } };
    const run = CpuTrainRun.create(TINY, null, config, { train: byteSplit(d.pixels, d.labels), test: floatSplit(Float32Array.from(test.pixels, (v) => v / 255), test.labels) }, { params: initParams(TINY, 1) });
    expect(run.stepsPerEpoch).toBe(25);
    const before = (await run.evaluate('test')).accuracy;
    const first = await run.step();
    expect(run.progress).toMatchObject({ step: 1, epoch: 0, stepInEpoch: 1 });
    let last = first;
    for (let i = 0; i < 74; i++) last = await run.step();
    expect(run.progress).toMatchObject({ step: 75, epoch: 3, stepInEpoch: 0 });
    expect(last.epochEnd && last.evaluated).toBe(true);
    expect(last.row!.total as number).toBeLessThan(first.row!.total as number);
    const after = (await run.evaluate('test')).accuracy;
    expect(after).toBe(last.row!.testAccuracy);
    expect(after).toBeGreaterThan(Math.max(before, 0.5));
  });

  it('estimates an epoch of the subset and of MNIST from the step time', () => {
    expect(cpuEstimate(500, 8, 1000)).toEqual({ subsetEpochS: 62.5, fullEpochS: 3750 });
  });
});
