/**
 * The t-switch-sparse kernels (shaders/sparse.wgsl) against the CPU reference on every conv case
 * the other conv kernels are tested on, each as a pooled level: the reference unpools the coarse
 * signal through the t-switch and runs the dense product (ops.convTranspose, convWeightGrad), the
 * kernel reads the coarse signal and the switches. A third of the coarse values are 0 (units the
 * ReLU or the a-switch turned off: the kernels skip them). Outputs are pre-filled with NaN.
 */
import { afterAll, afterEach, describe, it } from 'vitest';
import { KERNELS, type KernelDesc } from '../../src/engine/gpu/kernels';
import { sparseConvParams, sparseWgradParams, switchMaskParams, wgradReduceParams, type KernelParams } from '../../src/engine/gpu/params';
import { Step } from '../../src/engine/gpu/runner';
import { SPARSE_KERNELS, sparseTransposePlan, sparseWgradPlan } from '../../src/engine/gpu/sparse';
import * as ref from '../../src/engine/reference/ops';
import { convWeightGrad, poolGather } from '../../src/engine/reference/grads';
import { expectClose, randomArray } from '../helpers/compare';
import { BufferTracker, assertNoUncapturedErrors, expectNoGpuErrors, getTestDevice, readBuffer, uploadF32, uploadU32 } from '../helpers/gpu';
import { CONV_CASES, WGRAD_CASES, geometry, type ConvCase } from './gemmCases';

const tracker = new BufferTracker();
afterEach(async () => {
  tracker.destroyAll();
  await assertNoUncapturedErrors();
});
afterAll(() => tracker.destroyAll());

const f32 = async (b: GPUBuffer) => new Float32Array(await readBuffer(await getTestDevice(), b));
const bufF = async (data: ArrayLike<number>) => tracker.track(uploadF32(await getTestDevice(), data.length ? data : [0]));
const bufU = async (data: ArrayLike<number>) => tracker.track(uploadU32(await getTestDevice(), data.length ? data : [0]));
const out = async (n: number) => bufF(new Float32Array(Math.max(1, n)).fill(NaN));

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

/** A coarse signal with every third value 0 and random t-switches (0..3), for the case's template-match map. */
function switched(c: ConvCase, seed: number) {
  const { ho, wo } = geometry(c);
  const hp = Math.floor(ho / 2);
  const wp = Math.floor(wo / 2);
  const units = c.n * c.cout * hp * wp;
  const s = randomArray(units, seed).map((v, i) => (i % 3 === 1 ? 0 : v));
  const t = Uint32Array.from(randomArray(units, seed + 1, 0, 4), (v) => Math.min(3, Math.floor(v)));
  return { s, t, fine: ref.unpool(s, t, c.n, c.cout, ho, wo), hp, wp };
}

describe('sparse.wgsl against the reference (every conv case as a pooled level)', () => {
  for (const c of CONV_CASES)
    it(`sparse_transpose ${JSON.stringify(c)}`, async () => {
      const { ho, wo, dims } = geometry(c);
      const { s, t, fine } = switched(c, 40);
      const W = randomArray(c.cout * c.cin * c.k * c.k, 41);
      const o = await out(c.n * c.cin * c.h * c.w);
      const plan = sparseTransposePlan(c.n, c.cin, c.h, c.w);
      await run(plan.kernel, [await bufF(s), await bufU(t), await bufF(W), o, await bufU([0])], sparseConvParams(dims, plan.threads));
      expectClose(await f32(o), ref.convTranspose(fine, c.n, c.cout, ho, wo, W, c.cin, c.h, c.w, c.k, c.pad), 'transpose');
    });

  for (const c of WGRAD_CASES)
    it(`sparse_weight_grad + wgrad_reduce ${JSON.stringify(c)}`, async () => {
      const { ho, wo, dims } = geometry(c);
      const { s, t, fine } = switched(c, 50);
      const Bv = randomArray(c.n * c.cin * c.h * c.w, 51);
      const plan = sparseWgradPlan(c.n, c.cout, c.cin, c.k);
      const weights = c.cout * c.cin * c.k * c.k;
      const scratch = await out(plan.scratch);
      const dW = await bufF(new Float32Array(weights).fill(0.5)); // accumulate onto 0.5
      await run(plan.kernel, [await bufF(s), await bufU(t), await bufF(Bv), scratch, await bufU([0])], sparseWgradParams(dims, plan));
      await run(KERNELS.wgradReduce, [scratch, await bufF([0]), dW], wgradReduceParams(plan.chunks, weights, true));
      const want = convWeightGrad(fine, Bv, c.n, c.cin, c.h, c.w, c.cout, ho, wo, c.k, c.pad).map((v) => v + 0.5);
      expectClose(await f32(dW), want, 'dW', { rel: 1e-4, abs: 1e-4 });
    });

  for (const c of CONV_CASES)
    it(`switch_mask: unpool then the a-mask, at the switched positions ${JSON.stringify(c)}`, async () => {
      const { ho, wo } = geometry(c);
      const { s, t, hp, wp } = switched(c, 60);
      const a = Uint32Array.from(randomArray(c.n * c.cout * ho * wo, 61), (v) => (v > 0 ? 1 : 0));
      const o = await out(s.length);
      const g = { n: c.n, channels: c.cout, hin: ho, win: wo, hout: hp, wout: wp };
      await run(SPARSE_KERNELS.switchMask, [await bufF(s), await bufU(t), await bufF([0]), o, await bufU(a)], switchMaskParams(g));
      const want = poolGather(ref.reluTopDown(ref.unpool(s, t, c.n, c.cout, ho, wo), a, 'gradient'), t, c.n, c.cout, ho, wo);
      expectClose(await f32(o), want, 'masked', { rel: 0, abs: 0 });
    });
});
