/**
 * The whole DP through the engine's public API on a real WebGPU adapter, compared stage by stage
 * with the CPU reference from shared inputs: each stage's reference is computed from the GPU's own
 * input to that stage, so a switch flipped by rounding at a near-tie is counted and reported
 * rather than cascading into false failures downstream.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DrmmGpuEngine } from '../../src/engine/gpu/engine';
import { PRESETS, initParams, shapesOf, type ModelSpec } from '../../src/engine/model';
import * as ref from '../../src/engine/reference/ops';
import { backtrace, countPaths, forward } from '../../src/engine/reference/pipeline';
import type { ForwardMaps, Start } from '../../src/engine/types';
import { expectClose, expectEqualInts, randomArray } from '../helpers/compare';
import { scoreGradientByDifferences } from '../helpers/finiteDiff';
import { assertNoUncapturedErrors, expectNoGpuErrors, getTestDevice } from '../helpers/gpu';

const engines: DrmmGpuEngine[] = [];
afterEach(async () => {
  engines.splice(0).forEach((e) => e.destroy());
  await assertNoUncapturedErrors();
});
afterAll(() => engines.forEach((e) => e.destroy()));

const MODELS: Record<string, ModelSpec> = {
  // Odd sizes everywhere, pooling with a dropped row/column, a level without pooling, gap read-out.
  odd: {
    input: { channels: 1, height: 13, width: 11 },
    levels: [
      { kernel: 3, channels: 5, pad: 1, pool: true },
      { kernel: 3, channels: 6, pad: 0, pool: false },
      { kernel: 2, channels: 7, pad: 1, pool: true },
    ],
    readout: 'gap',
    classes: 6,
  },
  'drmm-compact': PRESETS['drmm-compact'],
  'rmm-shallow': PRESETS['rmm-shallow'],
};

const NEAR = 1e-5; // |u| or a window's top-two gap below this may flip a switch by rounding

/** Compares the a-switches; a flip counts as a near-tie when |u| is tiny, otherwise it fails. */
function compareSwitchesA(gpuA: Uint8Array, refA: Uint8Array, u: ArrayLike<number>, name: string): number {
  let nearTies = 0;
  for (let i = 0; i < refA.length; i++)
    if (gpuA[i] !== refA[i]) {
      if (Math.abs(u[i]) < NEAR) nearTies++;
      else throw new Error(`${name}: a-switch ${i} flipped with u = ${u[i]}`);
    }
  return nearTies;
}

async function stageByStage(spec: ModelSpec, gpu: ForwardMaps<Float32Array>, images: Float32Array, params: ReturnType<typeof initParams>) {
  const sh = shapesOf(spec);
  const n = gpu.n;
  let flips = 0;
  let x: Float32Array = images;
  sh.levels.forEach((l, i) => {
    const g = gpu.levels[i];
    const name = `level ${i + 1}`;
    expectClose(g.u, ref.conv(x, n, l.cin, l.hin, l.win, params.weights[i], params.biases[i], l.c, l.k, l.pad), `${name} template match u`);
    const rr = ref.relu(g.u);
    expectClose(g.r, rr.r, `${name} r`);
    flips += compareSwitchesA(g.a, rr.a, g.u, name);
    if (l.pool) {
      const rp = ref.maxPool(g.r, n, l.c, l.hc, l.wc);
      expectClose(g.x, rp.p, `${name} pooled`);
      expectEqualInts(g.t!, rp.t, `${name} t-switch`); // same inputs: no rounding can separate them
    }
    x = g.x;
  });
  const top = sh.top;
  expectClose(gpu.scores, ref.readout(x, n, top.c, top.h, top.w, params.mu, params.classBias, spec.classes, spec.readout), 'scores');
  const sm = ref.softmax(gpu.scores, n, spec.classes);
  expectClose(gpu.probs, sm.probs, 'probs');
  expectEqualInts(gpu.pred, sm.pred, 'pred');
  return flips;
}

async function setup(name: string, n: number, seed: number) {
  const device = await getTestDevice();
  const spec = MODELS[name];
  const params = initParams(spec, seed);
  const per = spec.input.channels * spec.input.height * spec.input.width;
  const images = randomArray(n * per, seed + 100, 0, 1);
  const engine = await DrmmGpuEngine.create(device, spec, params, { maxBatch: 4, label: `test.${name}` });
  engines.push(engine);
  return { device, spec, params, images, engine };
}

describe('bottom-up pass, stage by stage', () => {
  for (const name of Object.keys(MODELS)) {
    it(`${name}, batch 3`, async () => {
      const { device, spec, params, images, engine } = await setup(name, 3, 1);
      const gpu = await expectNoGpuErrors(device, async () => {
        engine.run({ images, n: 3 });
        return engine.readForward();
      });
      const flips = await stageByStage(spec, gpu, images, params);
      expect(flips).toBeLessThanOrEqual(2);
      // End to end from the images alone, the reference agrees on the classes.
      expect(Array.from(gpu.pred)).toEqual(Array.from(forward(spec, params, images, 3).pred));
    });
  }
});

const STARTS: Record<string, (spec: ModelSpec) => Start> = {
  'predicted class': () => ({ kind: 'class', classes: 'predicted' }),
  'chosen classes (counterfactual)': () => ({ kind: 'class', classes: [1, 4, 0] }),
  'a ReLU unit of level 1': () => ({ kind: 'unit', level: 1, stage: 'relu', channel: 2, y: 5, x: 4 }),
  'a pooled unit of level 1': () => ({ kind: 'unit', level: 1, stage: 'pool', channel: 1, y: 2, x: 3 }),
  'a unit of the top level': (spec) => ({ kind: 'unit', level: spec.levels.length, stage: 'pool', channel: 0, y: 1, x: 1 }),
};

describe('backtrace, every variant, from shared switches', () => {
  for (const name of ['odd', 'drmm-compact']) {
    for (const [label, mk] of Object.entries(STARTS)) {
      it(`${name}: ${label}`, async () => {
        const { device, spec, params, images, engine } = await setup(name, 3, 2);
        const start = mk(spec);
        for (const variant of ref.VARIANTS) {
          const [gpu, bt] = await expectNoGpuErrors(device, async () => {
            engine.run({ images, n: 3, start, variant });
            return [await engine.readForward(), await engine.readBacktrace()] as const;
          });
          expect(bt.variant).toBe(variant);
          // The reference descends through the GPU's own switches.
          const want = backtrace(spec, params, gpu, start, variant);
          want.levels.forEach((l, i) => {
            expectClose(bt.levels[i].sx, l.sx, `${variant} level ${i + 1} sx`);
            expectClose(bt.levels[i].sr, l.sr, `${variant} level ${i + 1} sr`);
            expectClose(bt.levels[i].su, l.su, `${variant} level ${i + 1} su`);
          });
          expectClose(bt.pixels, want.pixels, `${variant} pixels`);
          expect(want.pixels.some((v) => v !== 0) || start.kind === 'unit').toBe(true);
        }
      });
    }
  }

  it('the gradient backtrace of a class score is its input gradient (finite differences on the reference)', async () => {
    const { device, spec, params, images, engine } = await setup('odd', 1, 5);
    const start: Start = { kind: 'class', classes: [2] };
    const bt = await expectNoGpuErrors(device, async () => {
      engine.run({ images, n: 1, start, variant: 'gradient' });
      return engine.readBacktrace();
    });
    const img = Float64Array.from(images.subarray(0, 143));
    const diffs = scoreGradientByDifferences(spec, params, img, 2);
    for (const { pixel, fd } of diffs) expect(Math.abs(bt.pixels[pixel] - fd)).toBeLessThan(1e-4 * Math.abs(fd) + 1e-5);
    expect(diffs.length).toBeGreaterThan(130);
  });
});

describe('active-path counts', () => {
  for (const [label, mk] of Object.entries(STARTS)) {
    it(`odd: ${label}`, async () => {
      const { device, spec, images, engine } = await setup('odd', 3, 3);
      const start = mk(spec);
      const gpu = await expectNoGpuErrors(device, async () => {
        engine.run({ images, n: 3, start, paths: true });
        return engine.readForward();
      });
      for (const img of [0, 2]) {
        const got = await engine.readPaths(img);
        const want = countPaths(spec, gpu, start, img);
        expect(got.pixelsActiveLog10).toBeCloseTo(want.pixelsActiveLog10, 3);
        expect(got.pixelsPossibleLog10).toBeCloseTo(want.pixelsPossibleLog10, 3);
        got.levels.forEach((l, i) => {
          const w = want.levels[i];
          expect(l.unitsOn).toBe(w.unitsOn);
          expect(l.units).toBe(w.units);
          for (const k of ['activeLog10', 'possibleLog10'] as const) {
            if (w[k] === -Infinity) expect(l[k]).toBe(-Infinity);
            else expect(l[k]).toBeCloseTo(w[k], 3);
          }
          expectClose(l.throughLog10, w.throughLog10, `level ${i + 1} through`, { rel: 1e-4, abs: 1e-4 });
        });
      }
    });
  }
});

describe('engine API guards', () => {
  it('rejects bad batches, units and reads with clear errors, and destroy() is final', async () => {
    const { images, engine } = await setup('odd', 1, 4);
    expect(() => engine.setImages(images, 0)).toThrow(/batch must be 1..4/);
    expect(() => engine.setImages(images, 9)).toThrow(/batch must be 1..4/);
    engine.run({ images, n: 1 });
    expect(() => engine.backtrace({ kind: 'unit', level: 9, stage: 'relu', channel: 0, y: 0, x: 0 })).toThrow(/no level 9/);
    expect(() => engine.backtrace({ kind: 'unit', level: 1, stage: 'relu', channel: 99, y: 0, x: 0 })).toThrow(/outside level 1/);
    expect(() => engine.backtrace({ kind: 'class', classes: [17] })).toThrow(/no class 17/);
    await expect(engine.readForward(0, 2)).rejects.toThrow(/outside the batch/);
    engine.destroy();
    expect(() => engine.run({ images, n: 1 })).toThrow(/destroyed/);
  });

  it('refuses a batch whose maps exceed the device limits, naming the largest batch that fits', async () => {
    const device = await getTestDevice();
    const spec = PRESETS['drmm-mnist'];
    const huge = Math.ceil(device.limits.maxStorageBufferBindingSize / (32 * 32 * 32 * 4)) + 1;
    await expect(DrmmGpuEngine.create(device, spec, initParams(spec, 1), { maxBatch: huge })).rejects.toThrow(/above this GPU's limit.*use a batch of at most/);
  });
});
