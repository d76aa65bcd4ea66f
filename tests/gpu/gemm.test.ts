/**
 * The implicit-GEMM kernels (shaders/gemm.wgsl) against the CPU reference, every product with
 * every tile shape on every conv case, on a real WebGPU adapter. Outputs are pre-filled with
 * poison (NaN, 0xdeadbeef) so that an unwritten value shows.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { GEMM_TILES, gemmKernel, gemmPlan, type GemmEntry, type GemmTileName } from '../../src/engine/gpu/gemm';
import { gemmParams, wgradReduceParams, type KernelParams } from '../../src/engine/gpu/params';
import { KERNELS, type KernelDesc } from '../../src/engine/gpu/kernels';
import { Step } from '../../src/engine/gpu/runner';
import * as ref from '../../src/engine/reference/ops';
import { convWeightGrad } from '../../src/engine/reference/grads';
import { expectClose, expectEqualInts, randomArray } from '../helpers/compare';
import { BufferTracker, assertNoUncapturedErrors, expectNoGpuErrors, getTestDevice, readBuffer, uploadF32, uploadU32 } from '../helpers/gpu';
import { CONV_CASES, WGRAD_CASES, geometry } from './gemmCases';

const tracker = new BufferTracker();
afterEach(async () => {
  tracker.destroyAll();
  await assertNoUncapturedErrors();
});
afterAll(() => tracker.destroyAll());

const f32 = async (b: GPUBuffer) => new Float32Array(await readBuffer(await getTestDevice(), b));
const u32 = async (b: GPUBuffer) => new Uint32Array(await readBuffer(await getTestDevice(), b));
const bufF = async (data: ArrayLike<number>) => tracker.track(uploadF32(await getTestDevice(), data));
const out = async (n: number) => bufF(new Float32Array(Math.max(1, n)).fill(NaN));
const outU = async (n: number) => tracker.track(uploadU32(await getTestDevice(), new Uint32Array(Math.max(1, n)).fill(0xdeadbeef)));

async function run(desc: KernelDesc, buffers: GPUBuffer[], params: KernelParams) {
  const device = await getTestDevice();
  await expectNoGpuErrors(device, async () => {
    const step = tracker.track(new Step(device, desc, buffers, `test.${desc.name}`));
    step.setDims(params);
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    step.encode(pass);
    pass.end();
    device.queue.submit([enc.finish()]);
    await device.queue.onSubmittedWorkDone();
  });
}

const TILES = Object.keys(GEMM_TILES) as GemmTileName[];

describe('gemm.wgsl: template matching', () => {
  for (const c of CONV_CASES)
    for (const tile of TILES) {
      const { ho, wo, dims } = geometry(c);
      const x = randomArray(c.n * c.cin * c.h * c.w, 1);
      const W = randomArray(c.cout * c.cin * c.k * c.k, 2);
      const b = randomArray(c.cout, 3);
      const fine = c.n * c.cout * ho * wo;
      it(`forward ${tile} ${JSON.stringify(c)}`, async () => {
        const u = await out(fine);
        await run(gemmKernel('forward', tile), [await bufF(x), await bufF(W), await bufF(b), u], gemmParams(dims, gemmPlan('forward', dims, tile)));
        expectClose(await f32(u), ref.conv(x, c.n, c.cin, c.h, c.w, W, b, c.cout, c.k, c.pad), 'u');
      });
      for (const entry of ['forwardRelu', 'forwardPool'] as GemmEntry[])
        it(`${entry} ${tile} ${JSON.stringify(c)}: u, r, the a-switch${entry === 'forwardPool' ? ', the pooled map and the t-switch' : ''}`, async () => {
          const hp = Math.floor(ho / 2);
          const wp = Math.floor(wo / 2);
          const coarse = c.n * c.cout * hp * wp;
          const [u, r, p] = [await out(fine), await out(fine), await out(coarse)];
          const [a, t] = [await outU(fine), await outU(coarse)];
          await run(gemmKernel(entry, tile), [await bufF(x), await bufF(W), await bufF(b), u, r, a, p, t], gemmParams(dims, gemmPlan(entry, dims, tile)));
          const gu = await f32(u);
          expectClose(gu, ref.conv(x, c.n, c.cin, c.h, c.w, W, b, c.cout, c.k, c.pad), 'u');
          // r and a follow exactly from the kernel's own u; the pool from its own r (ties included).
          const e = ref.relu(gu);
          const gr = await f32(r);
          expectClose(gr, e.r, 'r', { rel: 0, abs: 0 });
          expectEqualInts(await u32(a), e.a, 'a-switch');
          if (entry === 'forwardPool') {
            const pool = ref.maxPool(gr, c.n, c.cout, ho, wo);
            expectClose(await f32(p), pool.p, 'pooled', { rel: 0, abs: 0 });
            expectEqualInts(await u32(t), pool.t, 't-switch');
          } else {
            // Not a pooling kernel: the pool bindings stay untouched.
            expect(Array.from(await u32(t)).every((v) => v === 0xdeadbeef)).toBe(true);
          }
        });
    }
});

describe('gemm.wgsl: transpose and weight gradient', () => {
  for (const c of CONV_CASES)
    for (const tile of TILES)
      it(`transpose ${tile} ${JSON.stringify(c)}`, async () => {
        const { ho, wo, dims } = geometry(c);
        const s = randomArray(c.n * c.cout * ho * wo, 4);
        const W = randomArray(c.cout * c.cin * c.k * c.k, 5);
        const o = await out(c.n * c.cin * c.h * c.w);
        await run(gemmKernel('transpose', tile), [await bufF(s), await bufF(W), await bufF([0]), o], gemmParams(dims, gemmPlan('transpose', dims, tile)));
        expectClose(await f32(o), ref.convTranspose(s, c.n, c.cout, ho, wo, W, c.cin, c.h, c.w, c.k, c.pad), 'transpose');
      });

  for (const c of WGRAD_CASES)
    for (const tile of TILES)
      it(`wgrad ${tile} + wgrad_reduce ${JSON.stringify(c)}`, async () => {
        const { ho, wo, dims } = geometry(c);
        const A = randomArray(c.n * c.cout * ho * wo, 14);
        const B = randomArray(c.n * c.cin * c.h * c.w, 15);
        const plan = gemmPlan('wgrad', dims, tile);
        const weights = c.cout * c.cin * c.k * c.k;
        const scratch = await out(plan.scratch);
        const dW = await bufF(new Float32Array(weights).fill(0.5)); // accumulate onto 0.5
        await run(gemmKernel('wgrad', tile), [await bufF(A), await bufF(B), await bufF([0]), scratch], gemmParams(dims, plan));
        await run(KERNELS.wgradReduce, [scratch, await bufF([0]), dW], wgradReduceParams(plan.chunks, weights, true));
        const want = convWeightGrad(A, B, c.n, c.cin, c.h, c.w, c.cout, ho, wo, c.k, c.pad).map((v) => v + 0.5);
        expectClose(await f32(dW), want, 'dW', { rel: 1e-4, abs: 1e-4 });
      });
});
