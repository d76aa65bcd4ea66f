/**
 * The engine host (src/engine/host/engineHost.ts) without any UI, on Dawn: several models at once
 * by slot, one version counter (a stale version gets null, never another model's answer), a
 * training run on the same device published by a GPU copy (the slot then answers exactly as an
 * engine built from the run's parameters), a backtrace on the last bottom-up pass that equals a
 * fresh inference's, counterfactual renderings, batch classification, and recovery from a lost
 * device; and the same operations on the CPU when there is no WebGPU.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { create } from 'webgpu';
import { counterfactualInput } from '../../src/engine/renderingFigures';
import { CpuEngine } from '../../src/engine/cpuEngine';
import { GpuEngine } from '../../src/engine/gpuEngine';
import { EngineHost } from '../../src/engine/host/engineHost';
import { PRESETS, initParams, paramList } from '../../src/engine/model';
import { defaultRunConfig } from '../../src/engine/train/config';
import { byteSplit } from '../../src/engine/train/data';
import { GpuTrainRun } from '../../src/engine/train/gpuRun';
import { fakeSplit } from '../helpers/data';
import { assertNoUncapturedErrors, getTestDevice } from '../helpers/gpu';

// One Dawn instance for the hosts' devices: it must outlive them (tests/helpers/gpu.ts says why).
let dawn: GPU | undefined;

const SPEC = PRESETS['drmm-compact'];
const SHALLOW = PRESETS['rmm-shallow'];
const hosts: EngineHost[] = [];
afterEach(async () => {
  hosts.splice(0).forEach((h) => h.destroy());
  await assertNoUncapturedErrors();
});

/** A host on a device of its own from the test adapter (it destroys it), or on none (the CPU). */
async function makeHost(gpu: boolean, hooks = {}): Promise<EngineHost> {
  const shared = await getTestDevice();
  const host = new EngineHost(async () => {
    if (!gpu) return { ok: false, reason: 'no WebGPU in this test' };
    // A device of the test adapter's kind, which the host may destroy (an adapter gives one device).
    dawn ??= create([]);
    const adapter = await dawn.requestAdapter();
    if (!adapter) throw new Error('no adapter');
    const device = await adapter.requestDevice({ requiredLimits: { maxStorageBuffersPerShaderStage: shared.limits.maxStorageBuffersPerShaderStage, maxStorageBufferBindingSize: shared.limits.maxStorageBufferBindingSize, maxBufferSize: shared.limits.maxBufferSize } });
    return { ok: true, device, adapter: { vendor: 'test', architecture: '', description: '', isFallback: false } };
  }, hooks);
  hosts.push(host);
  await host.start();
  return host;
}

const digits = fakeSplit(20, 4);
const images = (first: number, n: number) => Float32Array.from(digits.pixels.subarray(first * 784, (first + n) * 784), (v) => v / 255);
const classStart = { kind: 'class' as const, classes: 'predicted' as const };

describe('EngineHost', () => {
  for (const gpu of [true, false]) {
    it(`${gpu ? 'WebGPU' : 'CPU'}: holds several models at once; a replaced version answers null`, async () => {
      const host = await makeHost(gpu);
      expect(host.outcome.kind).toBe(gpu ? 'webgpu' : 'cpu');
      const a = await host.install('pretrained', SPEC, initParams(SPEC, 1));
      const b = await host.install('compare', SHALLOW, initParams(SHALLOW, 2));
      expect(a.backend).toBe(gpu ? 'webgpu' : 'cpu');
      expect(b.version).toBeGreaterThan(a.version);
      const x = images(0, 4);
      const ra = await host.infer('pretrained', { images: x, n: 4, start: classStart, variant: 'rendering' }, a.version);
      const rb = await host.infer('compare', { images: x, n: 4, start: classStart, variant: 'rendering' }, b.version);
      const wantA = await new CpuEngine(SPEC, initParams(SPEC, 1)).infer({ images: x, n: 4, start: classStart, variant: 'rendering' });
      expect(Array.from(ra!.result.forward.pred)).toEqual(Array.from(wantA.forward.pred));
      expect(rb!.result.forward.scores.length).toBe(4 * 10);
      // New weights for 'pretrained': its old version is gone, 'compare' is untouched.
      const a2 = await host.install('pretrained', SPEC, initParams(SPEC, 3));
      expect(await host.infer('pretrained', { images: x, n: 1, start: classStart, variant: 'rendering' }, a.version)).toBeNull();
      expect(await host.infer('pretrained', { images: x, n: 1, start: classStart, variant: 'rendering' }, a2.version)).not.toBeNull();
      expect(await host.infer('compare', { images: x, n: 1, start: classStart, variant: 'rendering' }, b.version)).not.toBeNull();
    });

    it(`${gpu ? 'WebGPU' : 'CPU'}: a backtrace through the last pass and counterfactual renderings equal fresh inferences`, async () => {
      const host = await makeHost(gpu);
      const params = initParams(SPEC, 5);
      const v = (await host.install('pretrained', SPEC, params)).version;
      const x = images(3, 1);
      const unit = { kind: 'unit' as const, level: 2, stage: 'relu' as const, channel: 3, y: 5, x: 6 };
      const first = await host.infer('pretrained', { images: x, n: 1, start: classStart, variant: 'rendering' }, v);
      const bt = await host.backtrace('pretrained', x, 1, { start: unit, variant: 'gradient' }, v);
      expect(bt!.passes).toBe(0); // the infer's pass was the last: no second bottom-up pass
      const fresh = await host.infer('pretrained', { images: x, n: 1, start: unit, variant: 'gradient' }, v);
      expect(Array.from(bt!.maps.pixels)).toEqual(Array.from(fresh!.result.backtrace.pixels));
      // Another slot's operation in between: the pass runs again, with the same answer.
      await host.install('compare', SHALLOW, initParams(SHALLOW, 1));
      const again = await host.backtrace('pretrained', x, 1, { start: unit, variant: 'gradient' }, v);
      expect(again!.passes).toBe(1);
      expect(Array.from(again!.maps.pixels)).toEqual(Array.from(fresh!.result.backtrace.pixels));
      const cf = await host.renderClasses('pretrained', x, [0, 7], v);
      for (const [i, c] of [0, 7].entries()) {
        const one = await host.infer('pretrained', { images: x, n: 1, start: { kind: 'class', classes: [c] }, variant: 'rendering' }, v);
        expect(Array.from(cf!.pixels[i]), `class ${c}`).toEqual(Array.from(one!.result.backtrace.pixels));
      }
      expect(cf!.pred).toBe(first!.result.forward.pred[0]);
      // What the model sees in each rendering (the Rendering panel's "seen as"): classified on the
      // slot's engine as the CPU reference does, after which its maps no longer hold x's pass.
      const seen = new Float32Array(2 * x.length);
      cf!.pixels.forEach((px, i) => counterfactualInput(x, px, seen, i * x.length));
      const seenAs = await host.classify('pretrained', seen, 2, v);
      expect(Array.from(seenAs!)).toEqual(Array.from((await new CpuEngine(SPEC, params).classify(seen, 2)).pred));
      expect((await host.backtrace('pretrained', x, 1, { start: unit, variant: 'gradient' }, v))!.passes).toBe(1);
      expect(await host.classify('pretrained', seen, 2, v + 1000)).toBeNull(); // a model that is not the slot's
      // The whole batch, chunked on an engine of its own.
      const pred = new Int32Array(20).fill(-1);
      expect(await host.classifyAll('pretrained', images, 20, v, (f, _p, c) => pred.set(c, f))).toBe(true);
      const want = await new CpuEngine(SPEC, params).classify(images(0, 20), 20);
      expect(Array.from(pred)).toEqual(Array.from(want.pred));
    });
  }

  it('publishes a training run on its device by a GPU copy: the slot answers as an engine of the run\'s parameters', async () => {
    const host = await makeHost(true);
    const device = host.device!;
    const train = fakeSplit(200, 1);
    const config = defaultRunConfig('supervised', { batchSize: 8, data: { source: 'mnist', trainCount: 200, validation: { count: 0, seed: 1 }, subset: null } });
    const run = await GpuTrainRun.create(device, SPEC, 'drmm-compact', config, { train: byteSplit(train.pixels, train.labels), test: null });
    try {
      await host.install('training', SPEC, initParams(SPEC, config.seed));
      for (let i = 0; i < 3; i++) await run.step();
      let reads = 0;
      const info = await host.publish('training', run, async () => {
        reads++;
        return run.params();
      }, SPEC);
      expect(reads).toBe(0); // copied on the GPU, nothing read back
      const x = images(0, 4);
      const got = await host.infer('training', { images: x, n: 4, start: classStart, variant: 'rendering' }, info.version);
      const ref = await GpuEngine.create(device, SPEC, await run.params(), { maxBatch: 4 });
      const want = await ref.infer({ images: x, n: 4, start: classStart, variant: 'rendering' });
      ref.destroy();
      expect(Array.from(got!.result.forward.scores)).toEqual(Array.from(want.forward.scores));
      expect(Array.from(got!.result.backtrace.pixels)).toEqual(Array.from(want.backtrace.pixels));
      // A batch engine of a GPU-only slot reads the parameters from the run.
      expect(await host.classifyAll('training', images, 8, info.version, () => undefined)).toBe(true);
      expect(reads).toBe(1);
      expect(paramList(await run.params()).length).toBe(8);
    } finally {
      run.destroy();
    }
  });

  it('recovers from a lost device: slots with parameters are rebuilt on a new device, a GPU-only slot is dropped', async () => {
    const lost: string[] = [];
    const host = await makeHost(true, { onLost: (m: string) => lost.push(m) });
    const first = host.device!;
    const v = (await host.install('pretrained', SPEC, initParams(SPEC, 1))).version;
    const x = images(0, 1);
    const before = await host.infer('pretrained', { images: x, n: 1, start: classStart, variant: 'rendering' }, v);
    const train = fakeSplit(40, 1);
    const config = defaultRunConfig('supervised', { batchSize: 4, data: { source: 'mnist', trainCount: 40, validation: { count: 0, seed: 1 }, subset: null } });
    const run = await GpuTrainRun.create(first, SPEC, 'drmm-compact', config, { train: byteSplit(train.pixels, train.labels), test: null });
    await host.install('training', SPEC, initParams(SPEC, 1));
    await host.publish('training', run, () => run.params(), SPEC);
    first.destroy();
    await first.lost;
    await new Promise((r) => setTimeout(r, 0));
    expect(lost.length).toBe(1);
    expect(host.device).toBeNull();
    const r = await host.recover();
    expect(r.outcome.kind).toBe('webgpu');
    expect(r.rebuilt).toEqual(['pretrained']);
    expect(r.dropped).toEqual(['training']);
    expect(host.version('training')).toBe(0);
    expect(host.device).not.toBe(first);
    const v2 = host.version('pretrained');
    expect(v2).toBeGreaterThan(v);
    const after = await host.infer('pretrained', { images: x, n: 1, start: classStart, variant: 'rendering' }, v2);
    expect(Array.from(after!.result.forward.scores)).toEqual(Array.from(before!.result.forward.scores));
  });
});
