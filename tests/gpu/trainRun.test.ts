/**
 * The training core (src/engine/train/run.ts) on both backends: the CPU and the GPU TrainRun take
 * the same step (loss terms, gradients, updated parameters within 1e-4 of the largest entry) on a
 * batch where no switch differs between the float32 GPU pass and the float64 reference; a run
 * stopped at a checkpoint and restored takes the very next steps of one that never stopped (to the
 * last bit, parameters and moments); and the reference Adam is the kernel's update.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DrmmGpuEngine } from '../../src/engine/gpu/engine';
import { GpuEngine } from '../../src/engine/gpuEngine';
import { renderingFigures } from '../../src/engine/renderingFigures';
import { PRESETS, initParams, paramList } from '../../src/engine/model';
import { forward } from '../../src/engine/reference/pipeline';
import { adamStep, emptyAdam } from '../../src/engine/train/adam';
import { decodeRun } from '../../src/engine/train/checkpoint';
import { defaultRunConfig, type RunConfig } from '../../src/engine/train/config';
import { CpuTrainRun } from '../../src/engine/train/cpuRun';
import { byteSplit, fillBatch, scheduleFor, type RunData } from '../../src/engine/train/data';
import { GpuTrainRun } from '../../src/engine/train/gpuRun';
import { fakeSplit } from '../helpers/data';
import { assertNoUncapturedErrors, getTestDevice } from '../helpers/gpu';

const SPEC = PRESETS['drmm-compact'];
const owned: { destroy(): void }[] = [];
afterEach(async () => {
  owned.splice(0).forEach((o) => o.destroy());
  await assertNoUncapturedErrors();
});

function data(): RunData {
  const train = fakeSplit(400, 1);
  const test = fakeSplit(40, 2);
  return { train: byteSplit(train.pixels, train.labels), test: byteSplit(test.pixels, test.labels) };
}

function config(over: Partial<RunConfig> = {}): RunConfig {
  return defaultRunConfig('semi-supervised', {
    seed: 3, batchSize: 8, labelled: 20, epochs: 2,
    data: { source: 'mnist', trainCount: 400, validation: { count: 40, seed: 5 }, subset: null },
    cadence: { logEvery: 2, evalsPerEpoch: 4, checkpointEvery: 4 },
    ...over,
  });
}

/** max |a - b| over max |b|, per tensor. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let m = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return m > 0 ? d / m : d;
}

describe('TrainRun: CPU and GPU', () => {
  // Every loss term on, the class-balance term included; then with the contrastive rendering term too.
  const WEIGHTS = [
    ['every loss term', { rc: 0.5, kl: 0.1, nn: 0.1, bal: 0.5 }],
    ['every loss term and the contrastive rendering term', { rc: 0.5, kl: 0.1, nn: 0.1, bal: 0.5, cr: 2 }],
  ] as const;
  for (const [what, weights] of WEIGHTS)
  it(`take the same step where the switches agree (${what}): loss terms, gradients and updated parameters`, async () => {
    const device = await getTestDevice();
    const d = data();
    // Find a step of the schedule whose batch has the same switches on the GPU (float32) as on the
    // reference (float64): a unit with u within rounding of 0 could flip; assert how many were tried.
    let tried = 0;
    let at = -1;
    const probe = await DrmmGpuEngine.create(device, SPEC, initParams(SPEC, 3), { maxBatch: 8 });
    owned.push(probe);
    const c = config({ weights: { ...weights }, cadence: { logEvery: 1, evalsPerEpoch: 1, checkpointEvery: 1000 } });
    const schedule = scheduleFor(c, d.train.labels);
    const images = new Float32Array(8 * 784);
    const labels = new Int32Array(8);
    for (let k = 0; k < 10 && at < 0; k++) {
      tried++;
      fillBatch(c, schedule, d.train, 0, k, images, labels);
      probe.run({ images, n: 8 });
      const g = await probe.readForward(0, 8);
      const r = forward(SPEC, initParams(SPEC, 3), images, 8);
      const same = r.levels.every((l, i) => l.a.every((v, j) => v === g.levels[i].a[j]) && (!l.t || l.t.every((v, j) => v === g.levels[i].t![j])));
      if (same) at = k;
    }
    expect(at, `no batch with agreeing switches in ${tried} tried`).toBeGreaterThanOrEqual(0);

    const gpu = await GpuTrainRun.create(device, SPEC, 'drmm-compact', c, d);
    const cpu = CpuTrainRun.create(SPEC, 'drmm-compact', c, d);
    owned.push(gpu, cpu);
    // Both runs start at that step of the schedule (the parameters are still the seed's).
    (gpu.progress as { stepInEpoch: number }).stepInEpoch = at;
    (cpu.progress as { stepInEpoch: number }).stepInEpoch = at;
    const rg = await gpu.step();
    const rc = await cpu.step();
    for (const k of ['ce', 'rc', 'ent', 'nn', 'total'] as const) expect(relErr([rg.row![k] as number], [rc.row![k] as number]), k).toBeLessThan(1e-4);
    // KL(pbar || u) is small near the start (about 0.05 here): float32's log C + sum pbar log pbar to 1e-6.
    expect(rc.row!.bal as number).toBeGreaterThan(0);
    expect(Math.abs((rg.row!.bal as number) - (rc.row!.bal as number))).toBeLessThan(1e-6);
    if ('cr' in weights) {
      // The hinge's mean over the batch (some images' hinges active, at the default margin).
      expect(rc.row!.cr as number).toBeGreaterThan(0);
      expect(relErr([rg.row!.cr as number], [rc.row!.cr as number])).toBeLessThan(1e-4);
    } else expect(rg.row!.cr).toBeUndefined();
    const gg = await gpu.grads();
    const gc = cpu.grads();
    expect(gg.length).toBe(gc.length);
    gc.forEach((t, i) => expect(relErr(gg[i], t), `gradient ${i}`).toBeLessThan(1e-4));
    const pg = paramList(await gpu.params());
    const pc = paramList(await cpu.params());
    pc.forEach((t, i) => expect(relErr(pg[i], t), `parameters ${i}`).toBeLessThan(1e-4));
  });

  it('the reference Adam is the kernel\'s update, over several steps', async () => {
    const device = await getTestDevice();
    const d = data();
    const c = config({ lr: 3e-3, weightDecay: 0.01, beta1: 0.85, beta2: 0.99 });
    const gpu = await GpuTrainRun.create(device, SPEC, 'drmm-compact', c, d);
    owned.push(gpu);
    const want = paramList(await gpu.params());
    const state = emptyAdam(want.map((t) => t.length));
    // Each step's gradients come from the GPU (their check against the reference is train.test.ts);
    // the reference Adam applies them, and the moments carry over from step to step.
    for (let k = 0; k < 4; k++) {
      await gpu.step();
      adamStep(want, await gpu.grads(), state, { lr: 3e-3, beta1: 0.85, beta2: 0.99, eps: c.eps, weightDecay: 0.01 });
      const got = paramList(await gpu.params());
      want.forEach((t, i) => expect(relErr(got[i], t), `step ${k + 1}, tensor ${i}`).toBeLessThan(1e-5));
      // Go on from the GPU's parameters, so that float32 rounding does not accumulate.
      got.forEach((t, i) => want[i].set(t));
    }
  });
});

describe('TrainRun: the nonnegative DRMM', () => {
  it('keeps the top-down templates >= 0 on both backends (the same parameters within 1e-3 after 3 steps), and its rendering has no negative signal', async () => {
    const device = await getTestDevice();
    const d = data();
    const c = config({ nonnegative: 'top-down', lr: 1e-2 });
    const gpu = await GpuTrainRun.create(device, SPEC, 'drmm-compact', c, d);
    const cpu = CpuTrainRun.create(SPEC, 'drmm-compact', c, d);
    owned.push(gpu, cpu);
    for (let i = 0; i < 3; i++) {
      await gpu.step();
      await cpu.step();
    }
    const pg = paramList(await gpu.params());
    const pc = paramList(await cpu.params());
    const L = SPEC.levels.length;
    const kept = [...Array.from({ length: L - 1 }, (_, i) => 2 * (i + 1)), 2 * L];
    for (const k of kept) {
      expect(Math.min(...pg[k]), `tensor ${k} on the GPU`).toBeGreaterThanOrEqual(0);
      expect(Math.min(...pc[k]), `tensor ${k} on the CPU`).toBeGreaterThanOrEqual(0);
      // Some entries sit at the bound: the projection acted (He-normal starts are half negative).
      expect(pg[k].filter((v) => v === 0).length, `tensor ${k} has projected entries`).toBeGreaterThan(0);
    }
    expect(Math.min(...pg[0])).toBeLessThan(0); // the first level's templates stay signed
    // Three steps of float32 against float64 (a switch near 0 may even differ): looser than one step's 1e-4.
    pc.forEach((t, i) => expect(relErr(pg[i], t), `parameters ${i}`).toBeLessThan(1e-3));
    const e = await GpuEngine.create(device, SPEC, await gpu.params(), { maxBatch: 8 });
    owned.push(e);
    const test = fakeSplit(16, 9);
    const f = await renderingFigures(e, SPEC, Float32Array.from(test.pixels, (v) => v / 255), test.labels, 16, 8);
    expect(f.negativeShare).toEqual(SPEC.levels.map(() => 0));
  });
});

describe('TrainRun: the images/s it logs', () => {
  it('count the GPU time of the steps (a step only submits; the read-back waits for them), not just their encoding', async () => {
    const device = await getTestDevice();
    const run = await GpuTrainRun.create(device, SPEC, 'drmm-compact', config({ cadence: { logEvery: 4, evalsPerEpoch: 1, checkpointEvery: 1000 } }), data());
    owned.push(run);
    await run.step(); // pipelines built
    const t0 = performance.now();
    let row = null;
    for (let i = 0; i < 7; i++) row = (await run.step()).row ?? row;
    const wall = (performance.now() - t0) / 1000;
    // Rows at steps 4 and 8: the one at step 8 covers steps 5 to 8.
    const rate = row!.imagesPerSecond as number;
    expect(rate).toBeGreaterThan(0);
    expect(rate).toBeLessThan((3 * 7 * 8) / wall);
  });
});

describe('TrainRun: a checkpoint continues exactly', () => {
  // The contrastive term draws its rivals as a function of the step: a restored run draws the same.
  for (const [backend, cr] of [['webgpu', 0], ['cpu', 0], ['webgpu', 0.5], ['cpu', 0.5]] as const) {
    it(`on ${backend}${cr ? ', with the contrastive rendering term' : ''}: stop after 3 steps, restore, 3 more = 6 steps without stopping (parameters and moments to the last bit)`, async () => {
      const device = await getTestDevice();
      const d = data();
      const c = config({ augment: 1, average: { from: 0 }, weights: { rc: 0.5, kl: 0.1, nn: 0.1, cr }, ramps: { kl: { from: 0, to: 0.2 } } });
      const make = () => (backend === 'webgpu' ? GpuTrainRun.create(device, SPEC, 'drmm-compact', c, d) : CpuTrainRun.create(SPEC, 'drmm-compact', c, d));
      const restore = (b: Uint8Array) => (backend === 'webgpu' ? GpuTrainRun.restore(device, b, d) : CpuTrainRun.restore(b, d));
      const whole = await make();
      owned.push(whole);
      for (let i = 0; i < 6; i++) await whole.step();
      const a = decodeRun(await whole.checkpoint());

      const first = await make();
      owned.push(first);
      for (let i = 0; i < 3; i++) await first.step();
      const mid = await first.checkpoint();
      const second = await restore(mid);
      owned.push(second);
      expect(second.config).toEqual(first.config);
      expect(second.progress).toEqual(first.progress);
      for (let i = 0; i < 3; i++) await second.step();
      const b = decodeRun(await second.checkpoint());

      expect(b.progress.step).toBe(6);
      expect(b.progress.averageCount).toBe(a.progress.averageCount);
      expect(a.progress.averageCount).toBeGreaterThan(0);
      expect(b.log.map((r) => r.step)).toEqual(a.log.map((r) => r.step));
      paramList(b.params).forEach((t, i) => expect(Array.from(t), `parameters ${i}`).toEqual(Array.from(paramList(a.params)[i])));
      b.adam!.m.forEach((t, i) => expect(Array.from(t), `m ${i}`).toEqual(Array.from(a.adam!.m[i])));
      b.adam!.v.forEach((t, i) => expect(Array.from(t), `v ${i}`).toEqual(Array.from(a.adam!.v[i])));
      const avg = (s: typeof a) => s.extra.filter((e) => e.name.startsWith('opt.avg.'));
      avg(b).forEach((e, i) => expect(Array.from(e.data), e.name).toEqual(Array.from(avg(a)[i].data)));
    });
  }
});
