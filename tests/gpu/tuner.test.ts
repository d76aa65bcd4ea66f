/**
 * The kernel tuner and the engine on chosen variants: the choice's text form, tuning on a real
 * adapter (every variant timed, the fastest kept), the store (tuned once, then read back), a
 * named choice that overrides it, and the whole DP and a training step on GEMM variants against
 * the CPU reference (each stage's reference from the GPU's own input to it, as pipeline.test.ts).
 * The tuner's timing path: every candidate timed where it fits (sparse with the bottom-up work it
 * replaces), a valid choice, a pooled level's pair chosen with its shared preparation counted once.
 * The 'sparse' variant: where it is refused, the rendering backtrace (class starts, and a start at
 * one ReLU unit of a pooled level, which falls back to the direct transpose there) and an EG step on
 * sparse choices against the same engine on the direct kernels and against the CPU reference.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DrmmGpuEngine } from '../../src/engine/gpu/engine';
import { GpuTrainer } from '../../src/engine/gpu/trainer';
import { KERNEL_FAMILIES, KERNEL_VARIANTS, checkChoice, directChoice, formatChoice, parseChoice, variantFits, type KernelChoice } from '../../src/engine/gpu/convSteps';
import { describeKernels, useKernelTuner, type KernelStore } from '../../src/engine/gpu/tuner';
import { choosePooledPair, tuneKernels } from '../../src/engine/gpu/tunerTiming';
import { initParams, shapesOf, type ModelSpec } from '../../src/engine/model';
import * as ref from '../../src/engine/reference/ops';
import { backtrace } from '../../src/engine/reference/pipeline';
import { lossAndGrads, type LossWeights } from '../../src/engine/reference/train';
import type { Start } from '../../src/engine/types';
import { expectClose, expectEqualInts, randomArray } from '../helpers/compare';
import { assertNoUncapturedErrors, expectNoGpuErrors, getTestDevice } from '../helpers/gpu';

const owned: { destroy(): void }[] = [];
afterEach(async () => {
  owned.splice(0).forEach((o) => o.destroy());
  await assertNoUncapturedErrors();
});

// Odd sizes, a dropped row/column under pooling, a level without pooling, one input channel.
const SPEC: ModelSpec = {
  input: { channels: 1, height: 12, width: 11 },
  levels: [
    { kernel: 3, channels: 5, pad: 1, pool: true },
    { kernel: 3, channels: 6, pad: 1, pool: false },
    { kernel: 2, channels: 4, pad: 0, pool: true },
  ],
  readout: 'gap',
  classes: 4,
};

// Every tile in every family somewhere.
const GEMM: KernelChoice = {
  forward: ['32x64', '16x64', '8x64'],
  transpose: ['8x64', '32x32', '16x64'],
  wgrad: ['16x64', '32x64', '32x32'],
};

function memStore(): KernelStore & { map: Map<string, string>; sets: number } {
  const map = new Map<string, string>();
  const s = { map, sets: 0, get: (k: string) => map.get(k) ?? null, set: (k: string, v: string) => { s.sets++; map.set(k, v); } };
  return s;
}

describe('kernel choice', () => {
  it('text form round-trips and bad text is refused by name', () => {
    expect(parseChoice(formatChoice(GEMM), 3)).toEqual(GEMM);
    expect(parseChoice('direct', 3)).toEqual(directChoice(3));
    expect(() => parseChoice('forward=direct,direct,direct;transpose=direct,direct,direct', 3)).toThrow(/no wgrad=/);
    expect(() => parseChoice('forward=direct,64x64,direct;transpose=direct,direct,direct;wgrad=direct,direct,direct', 3)).toThrow(/unknown variant '64x64'/);
    expect(() => parseChoice(formatChoice(GEMM), 2)).toThrow(/3 variants for a model of 2 levels/);
  });

  it('the tuner times every variant where it fits and keeps the fastest (a pooled level\'s pair together)', async () => {
    const device = await getTestDevice();
    const t = await expectNoGpuErrors(device, () => tuneKernels(device, SPEC, 8));
    const levels = shapesOf(SPEC).levels;
    // Every candidate timed exactly once where it fits: 'sparse' at the transpose and weight gradient of the two pooled levels.
    const want = KERNEL_FAMILIES.flatMap((f) => levels.flatMap((l, i) => KERNEL_VARIANTS.filter((v) => variantFits(f, v, l)).map((v) => `${f}${i + 1}.${v}`)));
    expect(t.timings.map((x) => `${x.family}${x.level}.${x.variant}`).sort()).toEqual(want.sort());
    expect(t.timings.length).toBe(3 * 3 * (KERNEL_VARIANTS.length - 1) + 2 * 2);
    for (const tm of t.timings) expect(tm.ms).toBeGreaterThan(0);
    // The shared bottom-up preparation of each pooled level, timed alone.
    expect(t.shared.map((x) => x.level)).toEqual([1, 3]);
    for (const x of t.shared) expect(Math.min(x.unpoolMask, x.switchMask)).toBeGreaterThan(0);
    // A valid choice: the engine's own check, so never sparse for the forward family or at level 2.
    expect(() => checkChoice(t.choice, levels)).not.toThrow();
    expect(t.choice.forward).not.toContain('sparse');
    expect([t.choice.transpose[1], t.choice.wgrad[1]]).not.toContain('sparse');
    const rows = (fam: string, l: number) => t.timings.filter((x) => x.family === fam && x.level === l);
    for (const fam of KERNEL_FAMILIES)
      for (let l = 1; l <= 3; l++) {
        if (l === 3 && fam !== 'forward') continue;
        const best = rows(fam, l).reduce((a, b) => (b.ms < a.ms ? b : a));
        expect(t.choice[fam][l - 1]).toBe(best.variant);
      }
    expect([t.choice.transpose[2], t.choice.wgrad[2]]).toEqual(choosePooledPair(rows('transpose', 3), rows('wgrad', 3), t.shared[1]));
  });

  it('a pooled level\'s transpose and weight gradient are chosen together, their shared preparation counted once', () => {
    const rows = (direct: number, sparse: number) => [{ variant: 'direct' as const, ms: direct }, { variant: '32x32' as const, ms: direct + 1 }, { variant: 'sparse' as const, ms: sparse }];
    // Each family alone would pick (sparse, direct); with one unpool + mask shared by two direct products, both direct win.
    expect(choosePooledPair(rows(10, 9), rows(10, 11), { level: 2, unpoolMask: 5, switchMask: 1 })).toEqual(['direct', 'direct']);
    // ... and with one switch_mask shared by two sparse products, both sparse.
    expect(choosePooledPair(rows(10, 9), rows(10, 11), { level: 2, unpoolMask: 0.5, switchMask: 3 })).toEqual(['sparse', 'sparse']);
    // One of each runs both preparations: its time is the two families' sum.
    expect(choosePooledPair(rows(10, 2), rows(3, 11), { level: 2, unpoolMask: 1, switchMask: 1 })).toEqual(['sparse', 'direct']);
    // A tie goes to the non-sparse pair; the non-sparse variant is each family's fastest (GEMM here).
    expect(choosePooledPair(rows(5, 5), rows(5, 5), { level: 2, unpoolMask: 1, switchMask: 1 })).toEqual(['direct', 'direct']);
    expect(choosePooledPair([{ variant: '16x64', ms: 4 }, { variant: 'direct', ms: 6 }], rows(5, 9), { level: 2, unpoolMask: 1, switchMask: 1 })).toEqual(['16x64', 'direct']);
    // Without sparse candidates, the fastest of each family.
    expect(choosePooledPair(rows(7, 1).slice(0, 2), rows(9, 1).slice(0, 2), { level: 2, unpoolMask: 1, switchMask: 1 })).toEqual(['direct', 'direct']);
  });

  it('an engine tunes once per adapter and shapes, stores the choice, reads it back; a named choice wins', async () => {
    const device = await getTestDevice();
    const store = memStore();
    const params = initParams(SPEC, 1);
    useKernelTuner(device, { adapter: 'test adapter', store, candidates: ['direct', '16x64'] });
    const a = await DrmmGpuEngine.create(device, SPEC, params, { maxBatch: 4 });
    owned.push(a);
    expect(a.kernelReport.source).toBe('tuned');
    expect(a.kernelReport.timings.length).toBe(3 * 3 * 2);
    expect(store.sets).toBe(1);
    expect([...store.map.keys()][0]).toContain('test adapter');
    // A new tuner on the same store (a new page or CLI run): read, not timed.
    useKernelTuner(device, { adapter: 'test adapter', store });
    const b = await DrmmGpuEngine.create(device, SPEC, params, { maxBatch: 4 });
    owned.push(b);
    expect(b.kernelReport.source).toBe('stored');
    expect(b.kernels).toEqual(a.kernels);
    expect(store.sets).toBe(1);
    expect(describeKernels(b.kernelReport)).toMatch(/^test adapter: kernels forward .*; transpose .*; wgrad .* \(tuned earlier in \d+ ms \(\d+ ms timing\) at batch 4, [\d.]+ of the direct kernels' time\)$/);
    useKernelTuner(device, { adapter: 'test adapter', store, kernels: formatChoice(GEMM) });
    const c = await DrmmGpuEngine.create(device, SPEC, params, { maxBatch: 4 });
    owned.push(c);
    expect(c.kernelReport.source).toBe('forced');
    expect(c.kernels).toEqual(GEMM);
    useKernelTuner(device, { adapter: 'test adapter', kernels: 'forward=direct;transpose=direct,direct,direct' });
    await expect(DrmmGpuEngine.create(device, SPEC, params, { maxBatch: 4 })).rejects.toThrow(/forward names 1 variants for a model of 3 levels/);
  });
});

describe('the engine on GEMM variants', () => {
  it('bottom-up pass stage by stage and the rendering backtrace, against the reference', async () => {
    const device = await getTestDevice();
    const params = initParams(SPEC, 3);
    const n = 3;
    const images = randomArray(n * 132, 7, 0, 1);
    const engine = await DrmmGpuEngine.create(device, SPEC, params, { maxBatch: 4, kernels: formatChoice(GEMM) });
    owned.push(engine);
    const start = { kind: 'class', classes: 'predicted' } as const;
    const [gpu, bt] = await expectNoGpuErrors(device, async () => {
      engine.run({ images, n, start, variant: 'rendering' });
      return [await engine.readForward(), await engine.readBacktrace()] as const;
    });
    let x: Float32Array = images;
    shapesOf(SPEC).levels.forEach((l, i) => {
      const g = gpu.levels[i];
      expectClose(g.u, ref.conv(x, n, l.cin, l.hin, l.win, params.weights[i], params.biases[i], l.c, l.k, l.pad), `level ${i + 1} u`);
      const rr = ref.relu(g.u);
      expectClose(g.r, rr.r, `level ${i + 1} r`, { rel: 0, abs: 0 });
      expectEqualInts(g.a, rr.a, `level ${i + 1} a`);
      if (l.pool) {
        const rp = ref.maxPool(g.r, n, l.c, l.hc, l.wc);
        expectClose(g.x, rp.p, `level ${i + 1} x`, { rel: 0, abs: 0 });
        expectEqualInts(g.t!, rp.t, `level ${i + 1} t`);
      }
      x = g.x;
    });
    const want = backtrace(SPEC, params, gpu, start, 'rendering');
    want.levels.forEach((l, i) => expectClose(bt.levels[i].su, l.su, `level ${i + 1} su`));
    expectClose(bt.pixels, want.pixels, 'pixels');
    expect(want.pixels.some((v) => v !== 0)).toBe(true);
  });

  it('an EG step: every gradient against the reference, with the GPU switches', async () => {
    const device = await getTestDevice();
    const params = initParams(SPEC, 1);
    const engine = await DrmmGpuEngine.create(device, SPEC, params, { maxBatch: 8, kernels: GEMM });
    const weights = { rc: 0.7, kl: 0.3, nn: 2 };
    const trainer = new GpuTrainer(engine, { weights, variant: 'rendering', lr: 0 });
    owned.push(trainer, engine);
    const labels = [1, -1, 3, -1, 0, 2];
    const n = labels.length;
    const images = randomArray(n * 132, 5, 0, 1);
    await expectNoGpuErrors(device, async () => {
      trainer.setBatch(images, labels, n);
      trainer.step();
    });
    const fwd = await engine.readForward(0, n);
    const want = lossAndGrads(SPEC, params, images, labels, n, weights, 'rendering', { fwd, cls: labels.map((y, i) => (y >= 0 ? y : fwd.pred[i])) });
    const got = await trainer.readGrads();
    const refs = [...want.grads.weights.flatMap((w, i) => [w, want.grads.biases[i]]), want.grads.mu, want.grads.classBias];
    const names = trainer.paramNames();
    got.forEach((g, i) => {
      const scale = Math.max(...refs[i].map(Math.abs), 1e-12);
      expectClose(g, refs[i], `grad ${names[i]}`, { rel: 1e-3, abs: 1e-4 * scale });
    });
  });
});

const DIRECT = 'direct';
const SPARSE: KernelChoice = { forward: ['direct', 'direct', 'direct'], transpose: ['sparse', 'direct', 'sparse'], wgrad: ['sparse', 'direct', 'sparse'] };
// One product sparse and the other not at a level: the bottom-up gradient needs both forms.
const MIXED: KernelChoice = { forward: ['direct', '16x64', 'direct'], transpose: ['sparse', '32x32', 'direct'], wgrad: ['direct', 'direct', 'sparse'] };

async function engineOn(kernels: KernelChoice | string, seed = 3) {
  const device = await getTestDevice();
  const params = initParams(SPEC, seed);
  const engine = await DrmmGpuEngine.create(device, SPEC, params, { maxBatch: 8, kernels });
  owned.push(engine);
  return { device, params, engine };
}

describe('the sparse variant: choice', () => {
  it('round-trips in the text form; refused for the forward family and at a level without pooling', async () => {
    expect(parseChoice(formatChoice(SPARSE), 3)).toEqual(SPARSE);
    expect(() => parseChoice('forward=sparse,direct,direct;transpose=direct,direct,direct;wgrad=direct,direct,direct', 3)).toThrow(/'sparse' is for transpose and wgrad only/);
    const device = await getTestDevice();
    await expect(DrmmGpuEngine.create(device, SPEC, initParams(SPEC, 1), { maxBatch: 4, kernels: 'forward=direct,direct,direct;transpose=direct,sparse,direct;wgrad=direct,direct,direct' }))
      .rejects.toThrow(/'sparse' cannot run transpose at level 2, which does not pool/);
    await expect(DrmmGpuEngine.create(device, SPEC, initParams(SPEC, 1), { maxBatch: 4, kernels: { ...SPARSE, wgrad: ['sparse', 'sparse', 'direct'] } }))
      .rejects.toThrow(/'sparse' cannot run wgrad at level 2/);
  });
});

describe('the sparse variant: rendering backtrace', () => {
  // Unit starts at a unit that is ON in image 0 (an OFF one renders nothing): [level, stage].
  const starts: Record<string, 'class' | [number, 'relu' | 'pool']> = {
    'the predicted class': 'class',
    'a ReLU unit of level 1 (the direct fallback there)': [1, 'relu'],
    'a ReLU unit of level 3 (the same)': [3, 'relu'],
    'a pooled unit of level 1': [1, 'pool'],
  };
  for (const [name, where] of Object.entries(starts))
    it(`from ${name}: every level's signal and the pixels equal the direct kernels'`, async () => {
      const n = 3;
      const images = randomArray(n * 132, 7, 0, 1);
      const { device, engine: d } = await engineOn(DIRECT);
      const { engine: s } = await engineOn(SPARSE);
      d.run({ images, n });
      let start: Start = { kind: 'class', classes: 'predicted' };
      if (where !== 'class') {
        const [level, stage] = where;
        const f = (await d.readForward(0, 1)).levels[level - 1];
        const l = shapesOf(SPEC).levels[level - 1];
        const [h, w] = stage === 'relu' ? [l.hc, l.wc] : [l.hout, l.wout];
        const j = stage === 'relu' ? f.a.findIndex((v) => v === 1) : f.x.findIndex((v) => v > 0);
        expect(j).toBeGreaterThanOrEqual(0);
        start = { kind: 'unit', level, stage, channel: Math.floor(j / (h * w)), y: Math.floor(j / w) % h, x: j % w };
      }
      const [want, got] = await expectNoGpuErrors(device, async () => {
        d.run({ images, n, start, variant: 'rendering' });
        s.run({ images, n, start, variant: 'rendering' });
        return [await d.readBacktrace(), await s.readBacktrace()] as const;
      });
      want.levels.forEach((l, i) => expectClose(got.levels[i].su, l.su, `level ${i + 1} su`, { rel: 1e-5, abs: 1e-6 }));
      expectClose(got.pixels, want.pixels, 'pixels', { rel: 1e-5, abs: 1e-6 });
      expect(want.pixels.some((v) => v !== 0)).toBe(true);
    });
});

const CASES: [string, LossWeights, 'rendering' | 'gradient', number[], KernelChoice][] = [
  ['semi-supervised, rendering', { rc: 0.7, kl: 0.3, nn: 2 }, 'rendering', [1, -1, 3, -1, 0, 2], SPARSE],
  ['supervised, gradient reconstruction', { rc: 0.5, kl: 0.1, nn: 1 }, 'gradient', [1, 0, 3, 2, 0, 2], SPARSE],
  ['convnet baseline (no top-down pass)', { rc: 0, kl: 0, nn: 0 }, 'rendering', [1, 0, 3, 2, 0, 2], SPARSE],
  ['semi-supervised, one product sparse at a level', { rc: 0.7, kl: 0.3, nn: 2 }, 'rendering', [1, -1, 3, -1, 0, 2], MIXED],
];

describe('the sparse variant: an EG step', () => {
  for (const [name, weights, variant, labels, choice] of CASES)
    it(`${name}: losses and gradients equal the direct kernels' and the reference's`, async () => {
      const n = labels.length;
      const images = randomArray(n * 132, 5, 0, 1);
      const steps = await Promise.all([DIRECT, choice].map(async (kernels) => {
        const { device, params, engine } = await engineOn(kernels, 1);
        const trainer = new GpuTrainer(engine, { weights, variant, lr: 0 });
        owned.push(trainer);
        await expectNoGpuErrors(device, async () => {
          trainer.setBatch(images, labels, n);
          trainer.step();
        });
        return { params, engine, grads: await trainer.readGrads(), metrics: await trainer.readMetrics(), names: trainer.paramNames() };
      }));
      const [d, s] = steps;
      // The same forward kernels, so the same switches: the loss terms agree to float rounding.
      for (const term of ['ce', 'rc', 'ent', 'nn', 'total'] as const) expect(s.metrics[term]).toBeCloseTo(d.metrics[term], 6);
      const fwd = await d.engine.readForward(0, n);
      const want = lossAndGrads(SPEC, d.params, images, labels, n, weights, variant, { fwd, cls: labels.map((y, i) => (y >= 0 ? y : fwd.pred[i])) });
      const refs = [...want.grads.weights.flatMap((w, i) => [w, want.grads.biases[i]]), want.grads.mu, want.grads.classBias];
      s.grads.forEach((g, i) => {
        const scale = Math.max(...refs[i].map(Math.abs), 1e-12);
        expectClose(g, d.grads[i], `grad ${s.names[i]} against the direct kernels`, { rel: 1e-4, abs: 1e-5 * scale });
        expectClose(g, refs[i], `grad ${s.names[i]} against the reference`, { rel: 1e-3, abs: 1e-4 * scale });
      });
    });
});
