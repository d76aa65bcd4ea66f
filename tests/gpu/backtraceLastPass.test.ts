/**
 * DrmmEngine.backtrace: a backtrace through the switches of the last bottom-up pass, without
 * running that pass again (what the Rendering panel's ten counterfactuals need). On Dawn
 * (SwiftShader) and on the CPU reference:
 *
 * - each backtrace equals what `infer` (bottom-up pass + backtrace from that start) gives, on the
 *   same engine: exactly, since the same kernels read the same maps;
 * - the WebGPU and CPU engines agree with each other;
 * - there is no backtrace without a pass on the current parameters;
 * - the app's engine host renders the ten classes through it, with the same pixels as ten infers,
 *   also when another inference runs on the engine between two classes.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { create } from 'webgpu';
import { createEngine, initParams, PRESETS, type DrmmEngine, type Start, type Variant } from '../../src/engine';
import { NO_FORWARD_PASS } from '../../src/engine/api';
import { EngineHost } from '../../src/engine/host/engineHost';
import { expectClose, randomArray } from '../helpers/compare';
import { assertNoUncapturedErrors, getTestDevice } from '../helpers/gpu';

const made: DrmmEngine[] = [];
afterAll(async () => {
  made.forEach((e) => e.destroy());
  await assertNoUncapturedErrors();
});

const spec = PRESETS['drmm-compact'];
const CLASSES = Array.from({ length: spec.classes }, (_, c) => c);

async function engines(seed: number, maxBatch: number) {
  const params = initParams(spec, seed);
  const gpu = await createEngine({ device: await getTestDevice(), spec, params, maxBatch });
  const cpu = await createEngine({ device: null, spec, params });
  made.push(gpu, cpu);
  return { gpu, cpu, params };
}

describe('DrmmEngine.backtrace (through the last bottom-up pass)', () => {
  it('equals infer’s backtrace for every class and for a unit start, on both engines, which agree', async () => {
    const { gpu, cpu } = await engines(5, 2);
    const images = randomArray(2 * 784, 21, 0, 1);
    const starts: [string, Start, Variant][] = [
      ...CLASSES.map((c) => [`class ${c}`, { kind: 'class', classes: [c, (c + 3) % 10] }, 'rendering'] as [string, Start, Variant]),
      ['unit', { kind: 'unit', level: 2, stage: 'pool', channel: 3, y: 2, x: 1 }, 'gradient'],
    ];
    for (const engine of [gpu, cpu]) {
      // One bottom-up pass (classify), then every start through its maps; image 1 of the batch read back.
      await engine.classify(images, 2);
      const again = [];
      for (const [, start, variant] of starts) again.push(await engine.backtrace({ start, variant, first: 1, count: 1 }));
      // The old way: a bottom-up pass and a backtrace for each start.
      for (const [k, [name, start, variant]] of starts.entries()) {
        const old = await engine.infer({ images, n: 2, start, variant, first: 1, count: 1 });
        const got = again[k];
        expect(got.variant, name).toBe(variant);
        expect(Array.from(got.pixels), `${engine.backend} ${name} pixels`).toEqual(Array.from(old.backtrace.pixels));
        got.levels.forEach((l, i) => {
          for (const m of ['sx', 'sr', 'su'] as const) expect(Array.from(l[m]), `${engine.backend} ${name} level ${i + 1} ${m}`).toEqual(Array.from(old.backtrace.levels[i][m]));
        });
      }
    }
    // GPU against the CPU reference, with the pixels alone read back.
    await gpu.classify(images, 2);
    await cpu.classify(images, 2);
    for (const [name, start, variant] of starts) {
      const [g, c] = [await gpu.backtrace({ start, variant, levels: false }), await cpu.backtrace({ start, variant, levels: false })];
      expect([g.levels.length, c.levels.length]).toEqual([0, 0]);
      expectClose(g.pixels, c.pixels, `${name}: WebGPU vs CPU`);
    }
    // After an infer that read back image 1 only (the CPU engine computed image 1 alone), a
    // backtrace of image 0 still gives image 0's rendering.
    const start: Start = { kind: 'class', classes: [4, 6] };
    for (const engine of [gpu, cpu]) {
      const want = (await engine.infer({ images, n: 2, start, variant: 'rendering', first: 0, count: 1 })).backtrace.pixels;
      await engine.infer({ images, n: 2, start, variant: 'rendering', first: 1, count: 1 });
      const got = await engine.backtrace({ start, variant: 'rendering', first: 0, count: 1, levels: false });
      expect(Array.from(got.pixels), `${engine.backend}: image 0 after an infer of image 1`).toEqual(Array.from(want));
    }
  });

  it('refuses without a bottom-up pass on the current parameters', async () => {
    const { gpu, cpu, params } = await engines(6, 1);
    const req = { start: { kind: 'class', classes: [0] } as Start, variant: 'rendering' as Variant };
    for (const engine of [gpu, cpu]) {
      await expect(engine.backtrace(req), engine.backend).rejects.toThrow(NO_FORWARD_PASS);
      await engine.classify(randomArray(784, 22, 0, 1), 1);
      await expect(engine.backtrace(req)).resolves.toBeDefined();
      // New weights: the saved switches were chosen by the old ones.
      engine.setParams(params);
      await expect(engine.backtrace(req), `${engine.backend} after setParams`).rejects.toThrow(NO_FORWARD_PASS);
      await expect(engine.backtrace({ ...req, start: { kind: 'class', classes: [0, 1] } })).rejects.toThrow(/2 classes for 1 images|no bottom-up pass/);
    }
  });

  it('the engine host renders the ten classes like ten infers, also with an inference in between', async () => {
    await getTestDevice(); // installs Dawn's globals (GPUBufferUsage, ...)
    const gpu = create([]);
    const host = new EngineHost(async () => {
      const adapter = await gpu.requestAdapter();
      if (!adapter) return { ok: false, reason: 'no adapter' };
      return { ok: true, device: await adapter.requestDevice(), adapter: { vendor: 'test', architecture: '', description: '', isFallback: false } };
    });
    expect((await host.start()).kind).toBe('webgpu');
    const params = initParams(spec, 7);
    const info = await host.install('pretrained', spec, params);
    expect(info.backend).toBe('webgpu');
    const v = info.version;
    const image = randomArray(784, 23, 0, 1);
    const other = randomArray(784, 24, 0, 1);
    const oracle = await createEngine({ device: await getTestDevice(), spec, params, maxBatch: 1 });
    made.push(oracle);
    const expected: (Float32Array | Float64Array)[] = [];
    for (const c of CLASSES) expected.push((await oracle.infer({ images: image, n: 1, start: { kind: 'class', classes: [c] }, variant: 'rendering' })).backtrace.pixels);
    const pred = (await oracle.classify(image, 1)).pred[0];

    const alone = await host.renderClasses('pretrained', image, CLASSES, v);
    expect(alone!.backend).toBe('webgpu');
    expect(alone!.pred).toBe(pred);
    expect(alone!.passes).toBe(1);
    alone!.pixels.forEach((p, c) => expect(Array.from(p), `class ${c}`).toEqual(Array.from(expected[c])));

    // Another input's inference queued while the classes render: it replaces the engine's maps,
    // so the classes after it must run the bottom-up pass on the image again (the first class
    // reuses the pass the call above left on the same image: one pass in all).
    const rendering = host.renderClasses('pretrained', image, CLASSES, v);
    const between = host.infer('pretrained', { images: other, n: 1, start: { kind: 'class', classes: 'predicted' }, variant: 'rendering' }, v);
    const [mixed] = await Promise.all([rendering, between]);
    expect(mixed!.passes).toBe(1);
    mixed!.pixels.forEach((p, c) => expect(Array.from(p), `class ${c} with an inference in between`).toEqual(Array.from(expected[c])));
    host.destroy();
  });
});
