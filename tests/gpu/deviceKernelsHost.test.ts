/**
 * The engine host's side of the page's kernel choice, on Dawn: `kernelsFor` decides the variants
 * of every inference engine it builds (the slot's and classifyAll's batch engines); without it, or
 * when it answers undefined or throws, the direct kernels run; `rebuildEngines` moves every GPU slot
 * onto a changed choice with the same version and answers that agree with the CPU reference as
 * before (a slot published from a training run by a GPU copy keeps its parameters: copied again
 * on the GPU); `onDevice` runs between the host's queued operations.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CpuEngine } from '../../src/engine/cpuEngine';
import { directChoice, type KernelChoice } from '../../src/engine/gpu/convSteps';
import { EngineHost, type HostHooks } from '../../src/engine/host/engineHost';
import { PRESETS, initParams, paramList, type ModelSpec } from '../../src/engine/model';
import { expectClose } from '../helpers/compare';
import { fakeSplit } from '../helpers/data';
import { assertNoUncapturedErrors, getTestDevice } from '../helpers/gpu';

const SPEC = PRESETS['drmm-compact'];
const L = SPEC.levels.length;
const GEMM: KernelChoice = { forward: ['32x64', 'direct', '16x64'], transpose: ['direct', '8x64', '32x32'], wgrad: ['direct', 'direct', 'direct'] };
const digits = fakeSplit(8, 3);
const images = (first: number, n: number) => Float32Array.from(digits.pixels.subarray(first * 784, (first + n) * 784), (v) => v / 255);
const start = { kind: 'class' as const, classes: 'predicted' as const };
/** float32 on the GPU (any kernel variant) against the float64 reference. */
const TOL = { rel: 1e-4, abs: 1e-4 };

const hosts: { host: EngineHost; slots: string[] }[] = [];
afterEach(async () => {
  // The hosts run on the test file's shared device: remove their slots, never destroy() them.
  for (const { host, slots } of hosts.splice(0)) for (const s of slots) await host.remove(s);
  await assertNoUncapturedErrors();
});

async function hostWith(kernelsFor: HostHooks['kernelsFor'], slots: string[]): Promise<EngineHost> {
  const device = await getTestDevice();
  const host = new EngineHost(async () => ({ ok: true, device, adapter: { vendor: 'test', architecture: 'dawn', description: '', isFallback: false } }), { kernelsFor });
  await host.start();
  hosts.push({ host, slots });
  return host;
}

/** The CPU reference's scores and rendering for the same digits (float64): what every choice must agree with. */
async function reference(spec: ModelSpec, params: ReturnType<typeof initParams>, x: Float32Array, n: number) {
  const cpu = new CpuEngine(spec, params);
  const r = await cpu.infer({ images: x, n, start, variant: 'rendering' });
  cpu.destroy();
  return r;
}

describe('EngineHost kernel choice', () => {
  it('builds inference engines on kernelsFor’s choice, the direct kernels without one; rebuildEngines applies a new choice, same version', async () => {
    let choice: KernelChoice | undefined;
    const asked: string[] = [];
    const host = await hostWith((spec, adapter) => {
      asked.push(`${adapter.architecture}:${spec.levels.length}`);
      return choice;
    }, ['pretrained']);
    const params = initParams(SPEC, 3);
    const x = images(0, 4);
    const want = await reference(SPEC, params, x, 4);

    const v = (await host.install('pretrained', SPEC, params)).version;
    expect(asked).toEqual([`dawn:${L}`]);
    expect(host.kernelReport('pretrained')).toMatchObject({ choice: directChoice(L), source: 'default' });
    const before = await host.infer('pretrained', { images: x, n: 4, start, variant: 'rendering' }, v);
    expectClose(before!.result.forward.scores, want.forward.scores, 'direct scores', TOL);

    choice = GEMM;
    expect(await host.rebuildEngines()).toEqual(['pretrained']);
    expect(host.version('pretrained')).toBe(v);
    expect(host.kernelReport('pretrained')).toMatchObject({ choice: GEMM, source: 'given' });
    const after = await host.infer('pretrained', { images: x, n: 4, start, variant: 'rendering' }, v);
    expectClose(after!.result.forward.scores, want.forward.scores, 'GEMM scores', TOL);
    expectClose(after!.result.backtrace.pixels, want.backtrace.pixels, 'GEMM rendering', TOL);
    expect(Array.from(after!.result.forward.pred)).toEqual(Array.from(want.forward.pred));

    // A new engine for the slot (another model of the same shapes keeps its engine; install of a
    // fresh slot builds one) asks again; a batch engine of classifyAll asks too.
    const n0 = asked.length;
    expect(await host.classifyAll('pretrained', images, 8, v, () => undefined)).toBe(true);
    expect(asked.length).toBe(n0 + 1);
  });

  it('a kernelsFor that throws counts as none: the direct kernels', async () => {
    const host = await hostWith(() => {
      throw new Error('storage exploded');
    }, ['pretrained']);
    await host.install('pretrained', SPEC, initParams(SPEC, 1));
    expect(host.kernelReport('pretrained')?.choice).toEqual(directChoice(L));
  });

  it('a slot whose parameters are only on the GPU (published) keeps them through a rebuild (copied on the GPU)', async () => {
    let choice: KernelChoice | undefined;
    const host = await hostWith(() => choice, ['training']);
    const device = host.device!;
    const trained = initParams(SPEC, 7);
    await host.install('training', SPEC, initParams(SPEC, 1));
    // A "training run" on the same device: its parameter buffers, in paramList order.
    const bufs = paramList(trained).map((t) => {
      const b = device.createBuffer({ size: t.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
      device.queue.writeBuffer(b, 0, t);
      return b;
    });
    try {
      let reads = 0;
      const info = await host.publish('training', { device, spec: SPEC, paramBuffers: () => bufs }, async () => {
        reads++;
        return trained;
      }, SPEC);
      choice = GEMM;
      expect(await host.rebuildEngines()).toEqual(['training']);
      expect(reads).toBe(0); // copied on the GPU from the old engine, nothing read back
      expect(host.kernelReport('training')?.choice).toEqual(GEMM);
      const x = images(2, 3);
      const got = await host.infer('training', { images: x, n: 3, start, variant: 'rendering' }, info.version);
      const want = await reference(SPEC, trained, x, 3);
      expectClose(got!.result.forward.scores, want.forward.scores, 'published scores', TOL);
      expectClose(got!.result.backtrace.pixels, want.backtrace.pixels, 'published rendering', TOL);
    } finally {
      bufs.forEach((b) => b.destroy());
    }
  });

  it('onDevice runs after the operations queued before it, and nothing queued after it runs until it ends', async () => {
    const host = await hostWith(undefined, ['pretrained']);
    const v = (await host.install('pretrained', SPEC, initParams(SPEC, 1))).version;
    const order: string[] = [];
    const a = host.infer('pretrained', { images: images(0, 1), n: 1, start, variant: 'rendering' }, v).then(() => order.push('infer before'));
    const b = host.onDevice(async (d) => {
      order.push('onDevice start');
      expect(d).toBe(host.device);
      await new Promise((r) => setTimeout(r, 50));
      order.push('onDevice end');
    });
    const c = host.infer('pretrained', { images: images(1, 1), n: 1, start, variant: 'rendering' }, v).then(() => order.push('infer after'));
    await Promise.all([a, b, c]);
    expect(order).toEqual(['infer before', 'onDevice start', 'onDevice end', 'infer after']);
  });

  it('without a device, onDevice rejects with a clear message and rebuildEngines does nothing', async () => {
    const host = new EngineHost(async () => ({ ok: false, reason: 'no WebGPU in this test' }));
    await host.start();
    await host.install('pretrained', SPEC, initParams(SPEC, 1));
    await expect(host.onDevice(async () => 1)).rejects.toThrow(/no GPU device/);
    expect(await host.rebuildEngines()).toEqual([]);
    expect(host.kernelReport('pretrained')).toBeNull();
    host.destroy();
  });
});
