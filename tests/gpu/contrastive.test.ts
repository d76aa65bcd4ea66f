/**
 * The contrastive rendering term on the GPU (gpu/contrastive.ts, loss.wgsl's cr_* kernels) against
 * the reference (reference/train.ts): every gradient tensor and the term's metric, with the
 * rendering pass on signed and on nonnegative (NN-DRMM, `--nonnegative top-down`) templates and
 * with the gradient pass; the margin is put between the images' hinge arguments so that some
 * hinges are active and some not, away from the kink; two steps on the same batch, so that a
 * gradient added onto the last step's would show. At weight 0 the step is bit for bit the step
 * of a trainer whose config has no such term (offsets given or not).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DrmmGpuEngine } from '../../src/engine/gpu/engine';
import { GpuTrainer, type TrainConfig } from '../../src/engine/gpu/trainer';
import { initParams, paramList, type ModelParams, type ModelSpec } from '../../src/engine/model';
import { backtrace } from '../../src/engine/reference/pipeline';
import { lossAndGrads, rivalClass, type LossWeights } from '../../src/engine/reference/train';
import { projectParams } from '../../src/engine/train/config';
import type { ForwardMaps } from '../../src/engine/types';
import { expectClose, randomArray } from '../helpers/compare';
import { assertNoUncapturedErrors, expectNoGpuErrors, getTestDevice } from '../helpers/gpu';

const owned: { destroy(): void }[] = [];
afterEach(async () => {
  owned.splice(0).forEach((o) => o.destroy());
  await assertNoUncapturedErrors();
});

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
const D = 132;

async function make(spec: ModelSpec, params: ModelParams, config: Partial<TrainConfig>) {
  const device = await getTestDevice();
  const engine = await DrmmGpuEngine.create(device, spec, params, { maxBatch: 8, label: 'contrastive.test' });
  const trainer = new GpuTrainer(engine, config);
  owned.push(trainer, engine);
  return { device, engine, trainer };
}

/** e_n(y) - e_n(r) per image, from the reference's renderings through the switches of `fwd`. */
function hingeArguments(spec: ModelSpec, params: ModelParams, fwd: ForwardMaps, images: Float32Array, cls: number[], offsets: number[], variant: 'rendering' | 'gradient'): number[] {
  const err = (cs: number[]) => {
    const px = backtrace(spec, params, fwd, { kind: 'class', classes: cs }, variant).pixels;
    return cs.map((_, i) => {
      let e = 0;
      for (let j = 0; j < D; j++) e += (px[i * D + j] - images[i * D + j]) ** 2;
      return e / D;
    });
  };
  const ey = err(cls);
  const er = err(cls.map((c, i) => rivalClass(c, offsets[i], spec.classes)));
  return ey.map((e, i) => e - er[i]);
}

const CASES: [string, ModelSpec, LossWeights, 'rendering' | 'gradient', 'none' | 'top-down', number[]][] = [
  ['semi-supervised, gap, rendering', SPEC, { rc: 0.7, kl: 0.3, nn: 2, cr: 1.5 }, 'rendering', 'none', [1, -1, 3, -1, 0, 2, 1, -1]],
  ['supervised, dense, rendering, nonnegative templates (the NN-DRMM)', { ...SPEC, readout: 'dense' }, { rc: 5, kl: 0, nn: 0, cr: 2 }, 'rendering', 'top-down', [1, 0, 3, 2, 0, 2, 3, 1]],
  ['unsupervised, gap, gradient pass, the term alone', SPEC, { rc: 0, kl: 0, nn: 0, cr: 3 }, 'gradient', 'none', [-1, -1, -1, -1, -1, -1]],
];

describe('the contrastive rendering term: GPU = reference', () => {
  for (const [name, spec, weights, variant, nonneg, labels] of CASES) {
    it(name, async () => {
      const params = projectParams({ nonnegative: nonneg }, initParams(spec, 7));
      const n = labels.length;
      const images = randomArray(n * D, 8, 0, 1);
      const offsets = Array.from({ length: n }, (_, i) => (3 * i + 1) % (spec.classes - 1));
      // The switches of the GPU's E-step (as the reference's), then a margin between the middle hinge arguments.
      const probe = await make(spec, params, { weights: { rc: 0, kl: 0, nn: 0 }, variant, lr: 0 });
      probe.trainer.setBatch(images, labels, n);
      probe.trainer.step();
      const fwd = await probe.engine.readForward(0, n);
      const cls = labels.map((y, i) => (y >= 0 ? y : fwd.pred[i]));
      const d = hingeArguments(spec, params, fwd, images, cls, offsets, variant).sort((a, b) => a - b);
      const half = Math.floor(n / 2);
      const margin = -(d[half - 1] + d[half]) / 2;
      expect(Math.min(...d.map((v) => Math.abs(margin + v)))).toBeGreaterThan(1e-5);

      const { device, engine, trainer } = await make(spec, params, { weights, variant, lr: 0, crMargin: margin });
      // Two steps at lr 0 (the same parameters): the second's gradients must not hold the first's.
      await expectNoGpuErrors(device, async () => {
        for (let t = 0; t < 2; t++) {
          trainer.setBatch(images, labels, n, offsets);
          trainer.step();
        }
      });
      const fwd2 = await engine.readForward(0, n);
      expect(Array.from(fwd2.pred)).toEqual(Array.from(fwd.pred));
      const want = lossAndGrads(spec, params, images, labels, n, weights, variant, { fwd, cls }, { offsets, margin });
      expect(want.terms.cr).toBeGreaterThan(0);
      const got = await trainer.readGrads();
      const ref = [...want.grads.weights.flatMap((w, i) => [w, want.grads.biases[i]]), want.grads.mu, want.grads.classBias];
      const names = trainer.paramNames();
      got.forEach((g, i) => {
        const scale = Math.max(...ref[i].map(Math.abs), 1e-12);
        expectClose(g, ref[i], `grad ${names[i]}`, { rel: 1e-3, abs: 1e-4 * scale });
      });
      // The term moves the gradient (so the comparison above sees its two passes).
      const without = lossAndGrads(spec, params, images, labels, n, { ...weights, cr: 0 }, variant, { fwd, cls });
      const muScale = Math.max(...want.grads.mu.map(Math.abs));
      expect(Math.max(...want.grads.mu.map((g, j) => Math.abs(g - without.grads.mu[j])))).toBeGreaterThan(0.002 * muScale);
      const m = await trainer.readMetrics();
      expect(m.steps).toBe(2);
      expect(m.cr).toBeCloseTo(want.terms.cr, 6);
      expect(m.rc).toBeCloseTo(want.terms.rc, 5);
      expect(m.nn).toBeCloseTo(want.terms.nn, 6);
      expect(m.total).toBeCloseTo(want.terms.total, 4);
    });
  }

  it('needs the batch\'s rival offsets when its weight is > 0, and refuses an offset outside [0, C - 2]', async () => {
    const params = initParams(SPEC, 3);
    const { trainer } = await make(SPEC, params, { weights: { rc: 1, kl: 0, nn: 0, cr: 1 }, lr: 0 });
    const images = randomArray(2 * D, 4, 0, 1);
    trainer.setBatch(images, [0, 1], 2);
    expect(() => trainer.phases()).toThrow('rival offsets');
    expect(() => trainer.setBatch(images, [0, 1], 2, [0, 3])).toThrow('rival offset 3');
  });
});

describe('at weight 0 the step is the step without the term', () => {
  it('bit for bit: gradients, parameters after Adam, metrics', async () => {
    const spec = { ...SPEC, readout: 'dense' as const };
    const params = projectParams({ nonnegative: 'top-down' }, initParams(spec, 11));
    const labels = [1, -1, 3, 0, 2, -1];
    const n = labels.length;
    const images = randomArray(n * D, 12, 0, 1);
    const base: Partial<TrainConfig> = { weights: { rc: 0.5, kl: 0.2, nn: 1, bal: 0.3 }, lr: 0.01 };
    const a = await make(spec, params, base);
    const b = await make(spec, params, { ...base, weights: { rc: 0.5, kl: 0.2, nn: 1, bal: 0.3, cr: 0 }, crMargin: 0.01 });
    for (let t = 0; t < 2; t++) {
      a.trainer.setBatch(images, labels, n);
      a.trainer.step();
      b.trainer.setBatch(images, labels, n, [0, 1, 2, 0, 1, 2]);
      b.trainer.step();
    }
    const bits = (xs: Float32Array[]) => xs.map((x) => Array.from(new Uint32Array(x.buffer, x.byteOffset, x.length)));
    expect(bits(await b.trainer.readGrads())).toEqual(bits(await a.trainer.readGrads()));
    expect(bits(paramList(await b.trainer.readParams()))).toEqual(bits(paramList(await a.trainer.readParams())));
    const [ma, mb] = [await a.trainer.readMetrics(), await b.trainer.readMetrics()];
    expect(mb).toEqual(ma);
    expect(ma.cr).toBe(0);
  });
});
