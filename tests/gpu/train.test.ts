/**
 * The G-step on the GPU against the reference: every gradient tensor (1e-3 relative), the loss
 * terms (the class-balance term too, on batches whose class biases skew the predictions so that it
 * is far from 0), and Adam's update; a mutation of the state (save -> load -> continue) gives the same next
 * step. The switches come from the GPU's own E-step, shared with the reference.
 *
 * The contrastive rendering term (gpu/contrastive.ts, loss.wgsl's cr_* kernels): every gradient
 * tensor and the term's metric, with the rendering pass on signed and on nonnegative (NN-DRMM,
 * `--nonnegative top-down`) templates and with the gradient pass; the margin is put between the
 * images' hinge arguments so that some hinges are active and some not, away from the kink; two
 * steps on the same batch, so that a gradient added onto the last step's would show. At weight 0
 * the step is bit for bit the step of a trainer whose config has no such term.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DrmmGpuEngine } from '../../src/engine/gpu/engine';
import { GpuTrainer, type TrainConfig } from '../../src/engine/gpu/trainer';
import { initParams, paramList, type ModelParams, type ModelSpec } from '../../src/engine/model';
import { lossAndGrads, rivalClass, type LossWeights } from '../../src/engine/reference/train';
import { backtrace, forward } from '../../src/engine/reference/pipeline';
import { projectParams } from '../../src/engine/train/config';
import type { ForwardMaps } from '../../src/engine/types';
import { compareClose, expectClose, randomArray } from '../helpers/compare';
import { assertNoUncapturedErrors, expectNoGpuErrors, getTestDevice } from '../helpers/gpu';

const owned: { destroy(): void }[] = [];
afterEach(async () => {
  owned.splice(0).forEach((o) => o.destroy());
  await assertNoUncapturedErrors();
});

/** Every gradient tensor the trainer read back against the reference's, in the trainer's order (W1, b1, ..., mu, class bias). */
function expectGradsLike(got: Float32Array[], want: ReturnType<typeof lossAndGrads>['grads'], names: string[]): void {
  const ref = [...want.weights.flatMap((w, i) => [w, want.biases[i]]), want.mu, want.classBias];
  got.forEach((g, i) => {
    // 1e-3 relative to the tensor's scale: sums of many float32 products.
    const scale = Math.max(...ref[i].map(Math.abs), 1e-12);
    expectClose(g, ref[i], `grad ${names[i]}`, { rel: 1e-3, abs: 1e-4 * scale });
  });
}

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

async function make(spec: ModelSpec, config: Partial<TrainConfig>, seed = 1) {
  const device = await getTestDevice();
  const params = initParams(spec, seed);
  const engine = await DrmmGpuEngine.create(device, spec, params, { maxBatch: 8, label: 'train.test' });
  const trainer = new GpuTrainer(engine, config);
  owned.push(trainer, engine);
  return { device, params, engine, trainer };
}

// Added to the class biases of the initial parameters: predictions skewed towards class 0.
const SKEW = [2, 0, -1, 0.5];
const CASES: [string, ModelSpec, LossWeights, 'rendering' | 'gradient', number[], number[]?][] = [
  ['semi-supervised, gap, rendering', SPEC, { rc: 0.7, kl: 0.3, nn: 2 }, 'rendering', [1, -1, 3, -1, 0, 2]],
  ['supervised, dense, gradient reconstruction', { ...SPEC, readout: 'dense' }, { rc: 0.5, kl: 0.1, nn: 1 }, 'gradient', [1, 0, 3, 2, 0, 2]],
  ['unsupervised, dense', { ...SPEC, readout: 'dense' }, { rc: 1, kl: 0.5, nn: 0.5 }, 'rendering', [-1, -1, -1, -1, -1, -1]],
  ['convnet baseline (cross-entropy only)', SPEC, { rc: 0, kl: 0, nn: 0 }, 'rendering', [1, 0, 3, 2, 0, 2]],
  ['semi-supervised with the class-balance term, gap', SPEC, { rc: 0.7, kl: 0.3, nn: 2, bal: 0.8 }, 'rendering', [1, -1, 3, -1, 0, 2, -1, -1], SKEW],
  ['unsupervised with the class-balance term, dense', { ...SPEC, readout: 'dense' }, { rc: 1, kl: 0.5, nn: 0.5, bal: 2 }, 'rendering', [-1, -1, -1, -1, -1, -1, -1], SKEW],
  ['the class-balance term alone (no top-down pass)', SPEC, { rc: 0, kl: 0, nn: 0, bal: 1 }, 'rendering', [-1, 2, -1, -1, -1, 0], SKEW],
  ['supervised with a class-balance weight (no unlabelled image: the term is 0)', SPEC, { rc: 0.5, kl: 0.1, nn: 1, bal: 3 }, 'rendering', [1, 0, 3, 2, 0, 2], SKEW],
];

describe('GPU gradients = reference gradients, same switches', () => {
  for (const [name, spec, weights, variant, labels, skew] of CASES) {
    it(name, async () => {
      const { device, params, engine, trainer } = await make(spec, { weights, variant, lr: 0 });
      if (skew) {
        skew.forEach((d, k) => (params.classBias[k] += d));
        engine.setParams(params);
      }
      const n = labels.length;
      const images = randomArray(n * 132, 5, 0, 1);
      await expectNoGpuErrors(device, async () => {
        trainer.setBatch(images, labels, n);
        trainer.step();
      });
      const fwd = await engine.readForward(0, n);
      const want = lossAndGrads(spec, params, images, labels, n, weights, variant, { fwd, cls: labels.map((y, i) => (y >= 0 ? y : fwd.pred[i])) });
      const got = await trainer.readGrads();
      expectGradsLike(got, want.grads, trainer.paramNames());
      const m = await trainer.readMetrics();
      expect(m.steps).toBe(1);
      expect(m.ce).toBeCloseTo(want.terms.ce, 4);
      expect(m.ent).toBeCloseTo(want.terms.ent, 4);
      expect(m.bal).toBeCloseTo(want.terms.bal, 5);
      if (skew && labels.some((y) => y < 0)) expect(want.terms.bal).toBeGreaterThan(0.05);
      if (labels.every((y) => y >= 0)) expect(m.bal).toBe(0);
      if (weights.rc === 0 && weights.nn === 0) {
        // The convnet baseline runs no top-down pass: nothing is rendered, so nothing is measured.
        expect([m.rc, m.nn]).toEqual([0, 0]);
      } else {
        expect(m.rc).toBeCloseTo(want.terms.rc, 4);
        expect(m.nn).toBeCloseTo(want.terms.nn, 5);
      }
      expect(m.total).toBeCloseTo(want.terms.total, 4);
    });
  }
});

describe('Adam', () => {
  it('matches a reference update over three steps (with weight decay)', async () => {
    const cfg = { weights: { rc: 0.5, kl: 0.2, nn: 1 }, lr: 0.01, beta1: 0.8, beta2: 0.95, eps: 1e-6, weightDecay: 0.01 };
    const { params, trainer } = await make(SPEC, cfg);
    const labels = [1, -1, 3, 0];
    const images = randomArray(4 * 132, 9, 0, 1);
    let p = paramList(params).map((t) => Float64Array.from(t));
    const m = p.map((t) => new Float64Array(t.length));
    const v = p.map((t) => new Float64Array(t.length));
    for (let t = 1; t <= 3; t++) {
      trainer.setBatch(images, labels, 4);
      trainer.step();
      const g = await trainer.readGrads();
      p = p.map((pt, i) =>
        pt.map((x, j) => {
          m[i][j] = cfg.beta1 * m[i][j] + (1 - cfg.beta1) * g[i][j];
          v[i][j] = cfg.beta2 * v[i][j] + (1 - cfg.beta2) * g[i][j] ** 2;
          const mh = m[i][j] / (1 - cfg.beta1 ** t);
          const vh = v[i][j] / (1 - cfg.beta2 ** t);
          return x - (cfg.lr * mh) / (Math.sqrt(vh) + cfg.eps) - cfg.lr * cfg.weightDecay * x;
        }),
      );
      const got = paramList(await trainer.readParams());
      got.forEach((a, i) => expectClose(a, p[i], `step ${t} param ${i}`, { rel: 1e-4, abs: 1e-6 }));
      // Continue from the GPU's own values so float32 rounding does not accumulate in the comparison.
      p = got.map((a) => Float64Array.from(a));
    }
    expect(trainer.stepCount).toBe(3);
  });

  it('save -> load -> continue gives the same next step as not stopping', async () => {
    const cfg = { weights: { rc: 0.5, kl: 0.2, nn: 1 }, lr: 0.01 };
    const a = await make(SPEC, cfg, 4);
    const images = randomArray(6 * 132, 10, 0, 1);
    const labels = [1, -1, 3, 0, 2, -1];
    for (let i = 0; i < 3; i++) {
      a.trainer.setBatch(images, labels, 6);
      a.trainer.step();
    }
    const saved = { params: await a.trainer.readParams(), adam: await a.trainer.readAdamState() };
    a.trainer.setBatch(images, labels, 6);
    a.trainer.step();
    const continued = paramList(await a.trainer.readParams());

    const b = await make(SPEC, cfg, 99);
    b.engine.setParams(saved.params);
    b.trainer.writeAdamState(saved.adam);
    b.trainer.setBatch(images, labels, 6);
    b.trainer.step();
    const resumed = paramList(await b.trainer.readParams());
    resumed.forEach((r, i) => expect(compareClose(r, continued[i], { rel: 0, abs: 0 }).ok).toBe(true));
  });
});

describe('evaluation (eval_accumulate)', () => {
  it('counts correct predictions over several chunks, the last one partial, as the reference does', async () => {
    const { params, trainer } = await make(SPEC, {}, 6);
    const count = 21; // chunks of 8, 8 and 5
    const images = randomArray(count * 132, 12, 0, 1);
    const want = forward(SPEC, params, images, count);
    // Labels that agree with the reference's prediction on every third image only.
    const labels = Array.from({ length: count }, (_, i) => (i % 3 === 0 ? want.pred[i] : (want.pred[i] + 1) % SPEC.classes));
    const correct = labels.filter((y, i) => y === want.pred[i]).length;
    const r = await trainer.evaluate(images, labels, count);
    expect(r).toEqual({ correct, count, accuracy: correct / count });
  });
});

/** A trainer on the given parameters (the contrastive cases build theirs: projected, or probed first). */
async function makeWith(spec: ModelSpec, params: ModelParams, config: Partial<TrainConfig>) {
  const device = await getTestDevice();
  const engine = await DrmmGpuEngine.create(device, spec, params, { maxBatch: 8, label: 'train.test' });
  const trainer = new GpuTrainer(engine, config);
  owned.push(trainer, engine);
  return { device, engine, trainer };
}

const D = 132;

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

const CR_CASES: [string, ModelSpec, LossWeights, 'rendering' | 'gradient', 'none' | 'top-down', number[]][] = [
  ['semi-supervised, gap, rendering', SPEC, { rc: 0.7, kl: 0.3, nn: 2, cr: 1.5 }, 'rendering', 'none', [1, -1, 3, -1, 0, 2, 1, -1]],
  ['supervised, dense, rendering, nonnegative templates (the NN-DRMM)', { ...SPEC, readout: 'dense' }, { rc: 5, kl: 0, nn: 0, cr: 2 }, 'rendering', 'top-down', [1, 0, 3, 2, 0, 2, 3, 1]],
  ['unsupervised, gap, gradient pass, the term alone', SPEC, { rc: 0, kl: 0, nn: 0, cr: 3 }, 'gradient', 'none', [-1, -1, -1, -1, -1, -1]],
];

describe('the contrastive rendering term: GPU = reference', () => {
  for (const [name, spec, weights, variant, nonneg, labels] of CR_CASES) {
    it(name, async () => {
      const params = projectParams({ nonnegative: nonneg }, initParams(spec, 7));
      const n = labels.length;
      const images = randomArray(n * D, 8, 0, 1);
      const offsets = Array.from({ length: n }, (_, i) => (3 * i + 1) % (spec.classes - 1));
      // The switches of the GPU's E-step (as the reference's), then a margin between the middle hinge arguments.
      const probe = await makeWith(spec, params, { weights: { rc: 0, kl: 0, nn: 0 }, variant, lr: 0 });
      probe.trainer.setBatch(images, labels, n);
      probe.trainer.step();
      const fwd = await probe.engine.readForward(0, n);
      const cls = labels.map((y, i) => (y >= 0 ? y : fwd.pred[i]));
      const d = hingeArguments(spec, params, fwd, images, cls, offsets, variant).sort((a, b) => a - b);
      const half = Math.floor(n / 2);
      const margin = -(d[half - 1] + d[half]) / 2;
      expect(Math.min(...d.map((v) => Math.abs(margin + v)))).toBeGreaterThan(1e-5);

      const { device, engine, trainer } = await makeWith(spec, params, { weights, variant, lr: 0, crMargin: margin });
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
      expectGradsLike(got, want.grads, trainer.paramNames());
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
    const { trainer } = await makeWith(SPEC, params, { weights: { rc: 1, kl: 0, nn: 0, cr: 1 }, lr: 0 });
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
    const a = await makeWith(spec, params, base);
    const b = await makeWith(spec, params, { ...base, weights: { rc: 0.5, kl: 0.2, nn: 1, bal: 0.3, cr: 0 }, crMargin: 0.01 });
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
