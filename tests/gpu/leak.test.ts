/**
 * Leak soak on Dawn: live GPU buffers (device.createBuffer / buffer.destroy counted) and the JS
 * heap (after a forced GC) stay flat while
 *
 * - the app's engine host (src/ui/engineHost.ts) switches models and inputs hundreds of times:
 *   new architectures, new weights for the same one, every backtrace start and variant with the
 *   path counts, and whole-test-set classification in chunks;
 * - the page's TrainingSession (src/ui/train/session.ts) trains hundreds of steps of a tiny model
 *   (epoch ends with their GPU evaluation, autosaves, live weight copies, pauses and resumes).
 *
 * Buffers must be exactly flat after a warm-up; the heap within a generous bound. The figures are
 * printed (and written down in docs/RELIABILITY.md).
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { create } from 'webgpu';
import { PRESETS, initParams, rng, type ModelSpec } from '../../src/engine/model';
import { writeModelFile } from '../../src/engine/modelFile';
import { EngineHost } from '../../src/engine/host/engineHost';
import { hostOn } from '../helpers/services';
import { createAppStore } from '../../src/ui/store';
import { Autosaver } from '../../src/ui/train/autosave';
import { TrainingSession } from '../../src/ui/train/session';
import { fakeSplit } from '../helpers/data';
import { assertNoUncapturedErrors, getTestDevice } from '../helpers/gpu';
import { MemKv } from '../helpers/memKv';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** Counts the device's live buffers: created and not yet destroyed. */
function countBuffers(device: GPUDevice): { live: () => number; created: () => number } {
  const live = new Set<GPUBuffer>();
  let created = 0;
  const make = device.createBuffer.bind(device);
  device.createBuffer = (desc: GPUBufferDescriptor) => {
    const b = make(desc);
    created++;
    live.add(b);
    const destroy = b.destroy.bind(b);
    b.destroy = () => {
      live.delete(b);
      destroy();
    };
    return b;
  };
  return { live: () => live.size, created: () => created };
}

async function heapMb(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 10));
  }
  return process.memoryUsage().heapUsed / 2 ** 20;
}

const TINY: ModelSpec = { input: { channels: 1, height: 28, width: 28 }, levels: [{ kernel: 5, channels: 4, pad: 0, pool: true }], readout: 'dense', classes: 10 };

afterAll(() => assertNoUncapturedErrors());

describe('leak soak', () => {
  it('the engine host: 300 model and input switches, buffers flat, heap bounded', async () => {
    await getTestDevice(); // installs Dawn's globals (GPUBufferUsage, ...)
    const gpu = create([]);
    const host = new EngineHost(
      async () => {
        const adapter = await gpu.requestAdapter();
        return adapter ? { ok: true, device: await adapter.requestDevice(), adapter: { vendor: 'test', architecture: '', description: '', isFallback: false } } : { ok: false, reason: 'no adapter' };
      },
      { onLost: (m) => { throw new Error(`device lost: ${m}`); } },
    );
    const outcome = await host.start();
    expect(outcome.kind).toBe('webgpu');
    const counter = countBuffers(host.device!);
    const specs: ModelSpec[] = [PRESETS['drmm-compact'], PRESETS['rmm-shallow'], TINY];
    const r = rng(7);
    const image = () => Float32Array.from({ length: 784 }, () => (r() < 0.2 ? r() : 0));
    const test = fakeSplit(40, 5);
    const images = (first: number, n: number) => Float32Array.from(test.pixels.subarray(first * 784, (first + n) * 784), (v) => v / 255);
    let version = 0;
    const samples: { i: number; buffers: number; heap: number }[] = [];
    for (let i = 0; i < 300; i++) {
      const spec = specs[Math.floor(i / 3) % specs.length];
      // Every third switch changes the architecture (a new engine); the others only the weights.
      version = (await host.install('pretrained', spec, initParams(spec, i))).version;
      const start = i % 2 ? { kind: 'class' as const, classes: 'predicted' as const } : { kind: 'unit' as const, level: 1, stage: 'relu' as const, channel: i % 4, y: 10, x: 10 };
      const variant = (['rendering', 'gradient', 'deconvnet'] as const)[i % 3];
      const out = await host.infer('pretrained', { images: image(), n: 1, start, variant, paths: true }, version);
      expect(out).not.toBeNull();
      if (i % 25 === 24) expect(await host.classifyAll('pretrained', images, 40, version, () => {}, () => false)).toBe(true);
      // Sampled at the same point of the cycle (architecture, start kind, variant): every 54 switches.
      if ((i + 1) % 54 === 0) samples.push({ i: i + 1, buffers: counter.live(), heap: await heapMb() });
    }
    console.log('[leak] engine host:', JSON.stringify({ created: counter.created(), samples: samples.map((s) => ({ ...s, heap: +s.heap.toFixed(1) })) }));
    // Warm-up: the first 54 switches (every architecture built, every start kind and variant seen).
    for (const s of samples.slice(1)) expect(s.buffers, `live buffers after ${s.i} switches`).toBe(samples[0].buffers);
    expect(samples[samples.length - 1].heap - samples[0].heap).toBeLessThan(32);
    host.destroy();
  }, 600_000);

  it('the training session: 300+ steps of a tiny model, with evaluations, autosaves, pauses; buffers flat, heap bounded', async () => {
    const device = await getTestDevice();
    const counter = countBuffers(device);
    const store = createAppStore();
    store.getState().setSplitReady('train', fakeSplit(600, 1));
    store.getState().setSplitReady('test', fakeSplit(100, 2));
    store.getState().setTrainingSettings({ mode: 'supervised', seed: 3, batch: 8, epochs: 1000 });
    const kv = new MemKv();
    const engines = await hostOn(device);
    const session = new TrainingSession({ store, engines, autosaver: new Autosaver(kv), download: () => {}, now: () => performance.now() });
    try {
      const bytes = writeModelFile({ spec: TINY, preset: null, params: initParams(TINY, 1) });
      await session.loadFile({ name: 'tiny.drmm', arrayBuffer: async () => bytes.slice().buffer });
      const spe = store.getState().training.progress!.stepsPerEpoch; // 600 / 8 = 75
      expect(spe).toBe(75);
      const samples: { step: number; buffers: number; heap: number }[] = [];
      for (let k = 1; k <= 4; k++) {
        // Past each epoch's end (an evaluation of the test digits) and a little more, then pause (an autosave).
        const target = k * spe + 10;
        session.start();
        await new Promise<void>((resolve, reject) => {
          const check = () => {
            const t = store.getState().training;
            if (t.notice?.kind === 'error') reject(new Error(t.notice.text));
            else if ((t.progress?.step ?? 0) >= target) resolve();
            else setTimeout(check, 20);
          };
          check();
        });
        await session.pause();
        samples.push({ step: store.getState().training.progress!.step, buffers: counter.live(), heap: await heapMb() });
      }
      const t = store.getState().training;
      console.log('[leak] training:', JSON.stringify({ created: counter.created(), published: engines.version('training'), lastTest: t.metrics.lastTest, samples: samples.map((s) => ({ ...s, heap: +s.heap.toFixed(1) })) }));
      expect(samples[samples.length - 1].step).toBeGreaterThanOrEqual(310);
      expect(t.lastSaved?.where).toBe('autosave');
      for (const s of samples.slice(1)) expect(s.buffers, `live buffers at step ${s.step}`).toBe(samples[0].buffers);
      expect(samples[samples.length - 1].heap - samples[0].heap).toBeLessThan(32);
    } finally {
      await session.destroy();
      await engines.remove('training');
    }
  }, 600_000);
});
