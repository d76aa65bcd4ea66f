/**
 * The public facade: `createEngine` with a device (WebGPU) and without (CPU reference) gives the
 * same answers through the same interface, including the read-back of a sub-range of the batch.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine, initParams, PRESETS, type DrmmEngine } from '../../src/engine';
import { expectClose, randomArray } from '../helpers/compare';
import { assertNoUncapturedErrors, getTestDevice } from '../helpers/gpu';

const made: DrmmEngine[] = [];
afterAll(async () => {
  made.forEach((e) => e.destroy());
  await assertNoUncapturedErrors();
});

describe('createEngine', () => {
  it('WebGPU and CPU engines agree on image 1 of a batch of 3 (forward, backtrace, paths)', async () => {
    const spec = PRESETS['drmm-compact'];
    const params = initParams(spec, 9);
    const images = randomArray(3 * 784, 10, 0, 1);
    const gpu = await createEngine({ device: await getTestDevice(), spec, params, maxBatch: 3 });
    const cpu = await createEngine({ device: null, spec, params });
    made.push(gpu, cpu);
    expect(gpu.backend).toBe('webgpu');
    expect(cpu.backend).toBe('cpu');
    const req = { images, n: 3, start: { kind: 'class' as const, classes: 'predicted' as const }, variant: 'rendering' as const, paths: true, first: 1, count: 1 };
    const [g, c] = [await gpu.infer(req), await cpu.infer(req)];
    expect(g.forward.n).toBe(1);
    expectClose(g.forward.probs, c.forward.probs, 'probs');
    expect(Array.from(g.forward.pred)).toEqual(Array.from(c.forward.pred));
    expectClose(g.backtrace.pixels, c.backtrace.pixels, 'reconstruction');
    expect(g.paths!.pixelsActiveLog10).toBeCloseTo(c.paths!.pixelsActiveLog10, 3);
  });
  it('classify: only the bottom-up pass, the same probabilities and argmax on both engines', async () => {
    const spec = PRESETS['drmm-compact'];
    const params = initParams(spec, 4);
    const images = randomArray(5 * 784, 11, 0, 1);
    const gpu = await createEngine({ device: await getTestDevice(), spec, params, maxBatch: 8 });
    const cpu = await createEngine({ device: null, spec, params });
    made.push(gpu, cpu);
    const [g, c] = [await gpu.classify(images, 5), await cpu.classify(images, 5)];
    expect(g.probs.length).toBe(5 * spec.classes);
    expectClose(g.probs, c.probs, 'probs');
    expect(Array.from(g.pred)).toEqual(Array.from(c.pred));
    // The same as infer's forward result for each image.
    const one = await cpu.infer({ images, n: 5, start: { kind: 'class', classes: 'predicted' }, variant: 'rendering', first: 3, count: 1 });
    expectClose(c.probs.subarray(3 * spec.classes, 4 * spec.classes), one.forward.probs, 'image 3');
  });
});
