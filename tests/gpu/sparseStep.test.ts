/**
 * The 'sparse' kernel variant in the engine and the trainer: the choice's text form and where it
 * is refused, the rendering backtrace (class starts, and a start at one ReLU unit of a pooled
 * level, which falls back to the direct transpose there) and an EG step on sparse choices against
 * the same engine on the direct kernels and against the CPU reference, with the GPU's switches.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DrmmGpuEngine } from '../../src/engine/gpu/engine';
import { GpuTrainer } from '../../src/engine/gpu/trainer';
import { formatChoice, parseChoice, type KernelChoice } from '../../src/engine/gpu/convSteps';
import { initParams, shapesOf, type ModelSpec } from '../../src/engine/model';
import { lossAndGrads, type LossWeights } from '../../src/engine/reference/train';
import type { Start } from '../../src/engine/types';
import { expectClose, randomArray } from '../helpers/compare';
import { assertNoUncapturedErrors, expectNoGpuErrors, getTestDevice } from '../helpers/gpu';

const owned: { destroy(): void }[] = [];
afterEach(async () => {
  owned.splice(0).forEach((o) => o.destroy());
  await assertNoUncapturedErrors();
});

// Odd sizes (a dropped row/column under pooling), a level without pooling, one input channel;
// level 3 pools with 2x2 templates and no padding.
const SPEC: ModelSpec = {
  input: { channels: 1, height: 12, width: 11 },
  levels: [
    { kernel: 3, channels: 5, pad: 1, pool: true },
    { kernel: 3, channels: 8, pad: 1, pool: false },
    { kernel: 2, channels: 4, pad: 0, pool: true },
  ],
  readout: 'gap',
  classes: 4,
};

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
