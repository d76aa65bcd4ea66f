/**
 * Every WGSL kernel, one at a time, against the CPU reference, on a real WebGPU adapter (Dawn).
 * Inputs are chosen to exercise odd sizes, padding, batches > 1 and exact ties in pooling.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import common from '../../shaders/common.wgsl?raw';
import { DIMS_BYTES, DIMS_FIELDS, DIMS_REALS, writeDims, type Dims } from '../../src/engine/gpu/dims';
import { KERNELS, convForwardPlan, convThreads, convTransposePlan, wgradPlan, type KernelDesc, type KernelName } from '../../src/engine/gpu/kernels';
import { SPARSE_KERNELS, sparseTransposePlan, sparseWgradPlan } from '../../src/engine/gpu/sparse';
import {
  classStartParams, convParams, maxPoolParams, readoutScoresParams, reluParams, reluTopDownParams, softmaxParams, sparseConvParams,
  sparseWgradParams, switchMaskParams, unitStartParams, unpoolParams, weightGradParams, wgradReduceParams, type KernelParams,
} from '../../src/engine/gpu/params';
import { Step, gridFor } from '../../src/engine/gpu/runner';
import * as ref from '../../src/engine/reference/ops';
import { convWeightGrad, poolGather } from '../../src/engine/reference/grads';
import { expectClose, expectEqualInts, randomArray } from '../helpers/compare';
import { CONV_CASES, WGRAD_CASES, geometry, type ConvCase } from './gemmCases';
import { BufferTracker, assertNoUncapturedErrors, expectNoGpuErrors, getTestDevice, readBuffer, uploadF32, uploadU32 } from '../helpers/gpu';

const tracker = new BufferTracker();
afterEach(async () => {
  tracker.destroyAll();
  await assertNoUncapturedErrors();
});
afterAll(() => tracker.destroyAll());

const f32 = async (b: GPUBuffer) => new Float32Array(await readBuffer(await getTestDevice(), b));
const u32 = async (b: GPUBuffer) => new Uint32Array(await readBuffer(await getTestDevice(), b));
const bufF = async (data: ArrayLike<number>) => tracker.track(uploadF32(await getTestDevice(), data));
const bufU = async (data: ArrayLike<number>) => tracker.track(uploadU32(await getTestDevice(), data));
const out = async (n: number) => bufF(new Float32Array(Math.max(1, n)).fill(NaN));
const outU = async (n: number) => bufU(new Uint32Array(Math.max(1, n)).fill(0xdeadbeef));

async function runKernel(kernel: KernelName | KernelDesc, buffers: GPUBuffer[], dims: KernelParams) {
  const device = await getTestDevice();
  const desc = typeof kernel === 'string' ? KERNELS[kernel] : kernel;
  await expectNoGpuErrors(device, async () => {
    const step = tracker.track(new Step(device, desc, buffers, `test.${desc.name}`));
    step.setDims(dims);
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    step.encode(pass);
    pass.end();
    device.queue.submit([enc.finish()]);
    await device.queue.onSubmittedWorkDone();
  });
}

describe('Dims uniform', () => {
  it('the TS writer matches the WGSL struct layout field by field', async () => {
    const device = await getTestDevice();
    const code = `${common}
      @group(0) @binding(1) var<storage, read_write> o: array<u32>;
      @compute @workgroup_size(1) fn main() {
        o[0] = dims.n; o[1] = dims.cin; o[2] = dims.hin; o[3] = dims.win; o[4] = dims.cout; o[5] = dims.hout;
        o[6] = dims.wout; o[7] = dims.k; o[8] = dims.pad; o[9] = dims.classes; o[10] = dims.mode; o[11] = dims.total;
        o[12] = dims.a0; o[13] = dims.a1; o[14] = dims.a2; o[15] = dims.a3;
        o[16] = bitcast<u32>(dims.f0); o[17] = bitcast<u32>(dims.f1); o[18] = bitcast<u32>(dims.f2); o[19] = bitcast<u32>(dims.f3);
        o[20] = bitcast<u32>(dims.f4); o[21] = bitcast<u32>(dims.f5); o[22] = bitcast<u32>(dims.f6); o[23] = bitcast<u32>(dims.f7);
      }`;
    const values = {
      ...Object.fromEntries(DIMS_FIELDS.map((f, i) => [f, 1000 + i * 7])),
      ...Object.fromEntries(DIMS_REALS.map((f, i) => [f, -1.5 + i * 0.37])),
    } as unknown as Dims;
    const uni = tracker.track(device.createBuffer({ size: DIMS_BYTES, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST }));
    device.queue.writeBuffer(uni, 0, writeDims(values));
    const o = await outU(24);
    await expectNoGpuErrors(device, async () => {
      const p = device.createComputePipeline({ layout: 'auto', compute: { module: device.createShaderModule({ code }), entryPoint: 'main' } });
      const bg = device.createBindGroup({ layout: p.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: uni } }, { binding: 1, resource: { buffer: o } }] });
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass();
      pass.setPipeline(p);
      pass.setBindGroup(0, bg);
      pass.dispatchWorkgroups(1);
      pass.end();
      device.queue.submit([enc.finish()]);
    });
    const got = await u32(o);
    expect(Array.from(got.subarray(0, 16))).toEqual(DIMS_FIELDS.map((f) => values[f]));
    expect(Array.from(new Float32Array(got.buffer, 64, 8))).toEqual(DIMS_REALS.map((f) => Math.fround(values[f])));
  });

  it('rejects values that are not u32', () => {
    expect(() => writeDims({ n: -1 })).toThrow(/Dims.n must be a u32/);
    expect(() => writeDims({ k: 1.5 })).toThrow(/Dims.k/);
    expect(() => writeDims({ f2: NaN })).toThrow(/Dims.f2 must be finite/);
  });

  it('the grid covers large thread counts in rows of at most 65535 workgroups', () => {
    expect(gridFor(64)).toEqual([1, 1]);
    expect(gridFor(65)).toEqual([2, 1]);
    const [x, y] = gridFor(9_000_000);
    expect(x).toBeLessThanOrEqual(65535);
    expect(x * y * 64).toBeGreaterThanOrEqual(9_000_000);
  });
});

describe('conv.wgsl', () => {
  for (const c of CONV_CASES) {
    const ho = c.h + 2 * c.pad - c.k + 1;
    const wo = c.w + 2 * c.pad - c.k + 1;
    const dims = { n: c.n, cin: c.cin, hin: c.h, win: c.w, cout: c.cout, hout: ho, wout: wo, k: c.k, pad: c.pad };
    // 4- and 8-channel blocks on every case (channels past the last are clamped, not stored).
    for (const kernel of ['convForward', 'convForward8'] as const) {
      it(`${KERNELS[kernel].name} ${JSON.stringify(c)}`, async () => {
        const x = randomArray(c.n * c.cin * c.h * c.w, 1);
        const W = randomArray(c.cout * c.cin * c.k * c.k, 2);
        const b = randomArray(c.cout, 3);
        const u = await out(c.n * c.cout * ho * wo);
        await runKernel(kernel, [await bufF(x), await bufF(W), await bufF(b), u], convParams(dims, convForwardPlan(c.n, c.cout, ho, wo, kernel).threads));
        expectClose(await f32(u), ref.conv(x, c.n, c.cin, c.h, c.w, W, b, c.cout, c.k, c.pad), 'u');
      });
    }
    // Every blocking on every case (the engine picks rows below 4 input channels, 8 channels when 8 divides them).
    for (const kernel of ['convTranspose', 'convTranspose8', 'convTransposeRows'] as const) {
      it(`${KERNELS[kernel].name} ${JSON.stringify(c)}`, async () => {
        const s = randomArray(c.n * c.cout * ho * wo, 4);
        const W = randomArray(c.cout * c.cin * c.k * c.k, 5);
        const o = await out(c.n * c.cin * c.h * c.w);
        await runKernel(kernel, [await bufF(s), await bufF(W), await bufF([0]), o], convParams(dims, convTransposePlan(c.n, c.cin, c.h, c.w, kernel).threads));
        expectClose(await f32(o), ref.convTranspose(s, c.n, c.cout, ho, wo, W, c.cin, c.h, c.w, c.k, c.pad), kernel);
      });
    }
  }

  for (const c of WGRAD_CASES)
  for (const kernel of ['convWeightGrad', 'convWeightGrad8', 'convWeightGradTaps'] as const) {
    it(`${KERNELS[kernel].name} + wgrad_reduce ${JSON.stringify(c)}`, async () => {
      const ho = c.h + 2 * c.pad - c.k + 1;
      const wo = c.w + 2 * c.pad - c.k + 1;
      const A = randomArray(c.n * c.cout * ho * wo, 14);
      const B = randomArray(c.n * c.cin * c.h * c.w, 15);
      const plan = wgradPlan(c.n, c.cout, c.cin, c.k, kernel);
      const weights = c.cout * c.cin * c.k * c.k;
      const scratch = await out(plan.scratch);
      const dW = await bufF(new Float32Array(weights).fill(0.5)); // accumulate onto 0.5
      const d = { n: c.n, cin: c.cin, hin: c.h, win: c.w, cout: c.cout, hout: ho, wout: wo, k: c.k, pad: c.pad };
      await runKernel(kernel, [await bufF(A), await bufF(B), scratch], weightGradParams(d, plan));
      await runKernel('wgradReduce', [scratch, await bufF([0]), dW], wgradReduceParams(plan.chunks, weights, true));
      const want = convWeightGrad(A, B, c.n, c.cin, c.h, c.w, c.cout, ho, wo, c.k, c.pad).map((v) => v + 0.5);
      expectClose(await f32(dW), want, 'dW', { rel: 1e-4, abs: 1e-4 });
    });
  }

  it('conv_transpose is the adjoint of conv_forward: <conv(x), s> = <x, convT(s)>', async () => {
    const c = CONV_CASES[0];
    const ho = c.h + 2 * c.pad - c.k + 1;
    const wo = c.w + 2 * c.pad - c.k + 1;
    const x = randomArray(c.n * c.cin * c.h * c.w, 11);
    const s = randomArray(c.n * c.cout * ho * wo, 12);
    const W = randomArray(c.cout * c.cin * c.k * c.k, 13);
    const o = await out(x.length);
    await runKernel('convTranspose', [await bufF(s), await bufF(W), await bufF([0]), o],
      convParams({ n: c.n, cin: c.cin, hin: c.h, win: c.w, cout: c.cout, hout: ho, wout: wo, k: c.k, pad: c.pad }, convThreads(c.n, c.cin, c.h, c.w)),
    );
    const xt = await f32(o);
    const cx = ref.conv(x, c.n, c.cin, c.h, c.w, W, new Float32Array(c.cout), c.cout, c.k, c.pad);
    let lhs = 0;
    let rhs = 0;
    for (let i = 0; i < cx.length; i++) lhs += cx[i] * s[i];
    for (let i = 0; i < x.length; i++) rhs += x[i] * xt[i];
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-4 * Math.abs(lhs) + 1e-4);
  });
});

describe('relu.wgsl', () => {
  it('relu_forward writes r = max(0, u) and the a-switch (u = 0 is OFF)', async () => {
    const u = randomArray(1001, 21);
    u[0] = 0;
    u[1] = -0;
    u[2] = 1e-30;
    const r = await out(u.length);
    const a = await outU(u.length);
    await runKernel('reluForward', [await bufF(u), r, a], reluParams(u.length));
    const e = ref.relu(u);
    expectClose(await f32(r), e.r, 'r');
    expectEqualInts(await u32(a), e.a, 'a-switch');
  });
  for (const variant of ref.VARIANTS) {
    it(`relu_topdown, ${variant}`, async () => {
      const s = randomArray(777, 22);
      const sw = Uint32Array.from(randomArray(777, 23), (v) => (v > 0 ? 1 : 0));
      const o = await out(s.length);
      await runKernel('reluTopDown', [await bufF(s), o, await bufU(sw)], reluTopDownParams(variant, s.length));
      expectClose(await f32(o), ref.reluTopDown(s, sw, variant), variant);
    });
  }
});

describe('pool.wgsl', () => {
  for (const [h, w] of [[6, 8], [7, 9], [5, 5]]) {
    it(`maxpool_forward ${h}x${w} (odd sizes drop the last row/column), with exact ties`, async () => {
      const n = 2;
      const c = 3;
      // Values on a coarse grid so that many windows hold exact ties (also ties at 0 after a ReLU).
      const r = Float32Array.from(randomArray(n * c * h * w, 31), (v) => Math.max(0, Math.round(v * 3)));
      const ho = Math.floor(h / 2);
      const wo = Math.floor(w / 2);
      const p = await out(n * c * ho * wo);
      const t = await outU(n * c * ho * wo);
      await runKernel('maxPool', [await bufF(r), p, t], maxPoolParams({ n, channels: c, hin: h, win: w, hout: ho, wout: wo }));
      const e = ref.maxPool(r, n, c, h, w);
      let ties = 0;
      for (let i = 0; i < e.p.length; i++) {
        const nc = Math.floor(i / (ho * wo));
        const y = Math.floor(i / wo) % ho;
        const x = i % wo;
        const win = [0, 1, 2, 3].map((j) => r[(nc * h + 2 * y + (j >> 1)) * w + 2 * x + (j & 1)]);
        if (win.filter((v) => v === e.p[i]).length > 1) ties++;
      }
      expect(ties).toBeGreaterThan(5); // the case really exercises the first-index rule
      expectClose(await f32(p), e.p, 'pooled');
      expectEqualInts(await u32(t), e.t, 't-switch');
    });
    it(`unpool ${h}x${w}`, async () => {
      const n = 2;
      const c = 3;
      const ho = Math.floor(h / 2);
      const wo = Math.floor(w / 2);
      const s = randomArray(n * c * ho * wo, 32);
      const t = Uint32Array.from(randomArray(n * c * ho * wo, 33, 0, 4), (v) => Math.floor(v));
      const o = await out(n * c * h * w);
      await runKernel('unpool', [await bufF(s), o, await bufU(t)], unpoolParams({ n, channels: c, hin: h, win: w, hout: ho, wout: wo }));
      expectClose(await f32(o), ref.unpool(s, t, n, c, h, w), 'unpooled');
    });
  }
});

describe('readout.wgsl, softmax.wgsl, start.wgsl', () => {
  const n = 3;
  const c = 5;
  const h = 3;
  const w = 4;
  const classes = 7;
  for (const mode of ['gap', 'dense'] as const) {
    const len = mode === 'gap' ? c : c * h * w;
    it(`readout_scores (${mode})`, async () => {
      const x = randomArray(n * c * h * w, 41, 0, 2);
      const mu = randomArray(classes * len, 42);
      const bc = randomArray(classes, 43);
      const s = await out(n * classes);
      await runKernel('readoutScores', [await bufF(x), await bufF(mu), await bufF(bc), s], readoutScoresParams({ n, channels: c, h, w, classes, readout: mode }));
      expectClose(await f32(s), ref.readout(x, n, c, h, w, mu, bc, classes, mode), 'scores');
    });
    it(`class_start: the read-out's adjoint (${mode})`, async () => {
      const mu = randomArray(classes * len, 44);
      const cls = [6, 0, 3];
      const o = await out(n * c * h * w);
      await runKernel('classStart', [await bufF(mu), await bufU(cls), o], classStartParams({ n, channels: c, h, w, classes, readout: mode }));
      expectClose(await f32(o), ref.readoutAdjoint(cls, n, c, h, w, mu, mode), 'start');
    });
  }
  it('softmax_argmax: probabilities sum to one, the first maximum wins ties', async () => {
    const scores = randomArray(n * classes, 45, -20, 20);
    scores[3] = scores[5] = 30; // image 0: tie between classes 3 and 5
    const p = await out(n * classes);
    const pred = await outU(n);
    await runKernel('softmaxArgmax', [await bufF(scores), p, pred], softmaxParams(n, classes));
    const e = ref.softmax(scores, n, classes);
    expectClose(await f32(p), e.probs, 'probs');
    expectEqualInts(await u32(pred), e.pred, 'pred');
    expect(e.pred[0]).toBe(3);
  });
  it('unit_start: a one-hot on the unit of every image', async () => {
    const o = await out(n * c * h * w);
    await runKernel('unitStart', [await bufF([0]), await bufU([0]), o], unitStartParams({ n, channels: c, h, w }, { channel: 4, y: 2, x: 1 }));
    const e = new Float32Array(n * c * h * w);
    for (let i = 0; i < n; i++) e[((i * c + 4) * h + 2) * w + 1] = 1;
    expectClose(await f32(o), e, 'one-hot');
  });
});

// The t-switch-sparse kernels (shaders/sparse.wgsl) on every conv case as a pooled level: the
// reference unpools the coarse signal through the t-switch and runs the dense product, the kernel
// reads the coarse signal and the switches. A third of the coarse values are 0 (units the ReLU or
// the a-switch turned off: the kernels skip them).
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
      await runKernel(plan.kernel, [await bufF(s), await bufU(t), await bufF(W), o, await bufU([0])], sparseConvParams(dims, plan.threads));
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
      await runKernel(plan.kernel, [await bufF(s), await bufU(t), await bufF(Bv), scratch, await bufU([0])], sparseWgradParams(dims, plan));
      await runKernel(KERNELS.wgradReduce, [scratch, await bufF([0]), dW], wgradReduceParams(plan.chunks, weights, true));
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
      await runKernel(SPARSE_KERNELS.switchMask, [await bufF(s), await bufU(t), await bufF([0]), o, await bufU(a)], switchMaskParams(g));
      const want = poolGather(ref.reluTopDown(ref.unpool(s, t, c.n, c.cout, ho, wo), a, 'gradient'), t, c.n, c.cout, ho, wo);
      expectClose(await f32(o), want, 'masked', { rel: 0, abs: 0 });
    });
});
