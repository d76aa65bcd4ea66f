// The training core's typed run configuration (src/engine/train/config.ts), its data split
// (data.ts) and its checkpoint record (checkpoint.ts): defaults, checks, schedules of the loss
// weights and the learning rate, older untyped configs, and a round trip of every field.
import { describe, expect, it } from 'vitest';
import { PRESETS, initParams, paramList, paramShapes } from '../../src/engine/model';
import { adamStep, emptyAdam } from '../../src/engine/train/adam';
import { decodeRun, emptyProgress, encodeRun, type RunSnapshot } from '../../src/engine/train/checkpoint';
import { CR_MARGIN, checkRunConfig, configChanges, defaultRunConfig, defaultWeights, lrAt, parseRunConfig, usesTopDown, weightsAt } from '../../src/engine/train/config';
import { floatSplit, scheduleFor, trainingPool, validationIndices } from '../../src/engine/train/data';
import { Schedule } from '../../src/engine/train/schedule';

const labels = Uint8Array.from({ length: 6000 }, (_, i) => (i * 7) % 10);

describe('RunConfig', () => {
  it('has one table of default loss weights: the convnet is cross-entropy only, the KL term only without all labels', () => {
    expect(defaultWeights('convnet')).toEqual({ rc: 0, kl: 0, nn: 0 });
    expect(defaultWeights('supervised')).toEqual({ rc: 0.5, kl: 0, nn: 0.1 });
    expect(defaultWeights('semi-supervised')).toEqual({ rc: 0.5, kl: 0.1, nn: 0.1 });
    expect(defaultWeights('unsupervised')).toEqual({ rc: 0.5, kl: 0.1, nn: 0.1 });
    expect(defaultRunConfig('semi-supervised').labelled).toBe(100);
    expect(defaultRunConfig('supervised').labelled).toBeNull();
  });

  it('refuses settings out of range with a plain message', () => {
    const c = defaultRunConfig('supervised');
    expect(() => checkRunConfig({ ...c, lr: 0 })).toThrow(/lr must be > 0/);
    expect(() => checkRunConfig({ ...c, mode: 'semi-supervised', labelled: 105 })).toThrow(/multiple of 10/);
    expect(() => checkRunConfig({ ...c, labelled: 100 })).toThrow(/only for semi-supervised/);
    expect(() => checkRunConfig({ ...c, augment: 5 })).toThrow(/augment/);
    expect(() => checkRunConfig({ ...c, klSign: 'up' as never })).toThrow(/klSign/);
    expect(() => checkRunConfig({ ...c, weights: { rc: -1, kl: 0, nn: 0 } })).toThrow(/rc weight/);
    expect(() => checkRunConfig({ ...c, weights: { ...c.weights, bal: -0.3 } })).toThrow(/the bal weight must be a number >= 0, got -0.3/);
    expect(() => checkRunConfig({ ...c, weights: { ...c.weights, bal: NaN } })).toThrow(/bal weight/);
    expect(() => checkRunConfig({ ...c, ramps: { bal: { from: 1, to: 0 } } })).toThrow(/bal ramp/);
    expect(() => checkRunConfig({ ...c, ramps: { kl: { from: 2, to: 1 } } })).toThrow(/kl ramp/);
    expect(() => checkRunConfig({ ...c, data: { ...c.data, validation: { count: 60000, seed: 1 } } })).toThrow(/validation/);
  });

  it('ramps a loss weight linearly over its warm-up, and the KL sign is a named choice', () => {
    const c = defaultRunConfig('semi-supervised', { weights: { rc: 0.5, kl: 0.2, nn: 0.1 }, ramps: { kl: { from: 1, to: 3 } } });
    expect(weightsAt(c, 0.5)).toEqual({ rc: 0.5, kl: 0, nn: 0.1, bal: 0, cr: 0 });
    expect(weightsAt(c, 2).kl).toBeCloseTo(0.1, 12);
    expect(weightsAt(c, 3).kl).toBeCloseTo(0.2, 12);
    expect(weightsAt(c, 7).kl).toBeCloseTo(0.2, 12);
    expect(weightsAt({ ...c, klSign: 'flatten' }, 7).kl).toBeCloseTo(-0.2, 12);
    expect(weightsAt({ ...c, ramps: { kl: { from: 1, to: 1 } } }, 0.99).kl).toBe(0);
    expect(weightsAt({ ...c, ramps: { kl: { from: 1, to: 1 } } }, 1).kl).toBe(0.2);
    // The class-balance weight ramps like the others and keeps its sign whatever the KL sign.
    const b = defaultRunConfig('semi-supervised', { weights: { rc: 0.5, kl: 0.2, nn: 0.1, bal: 0.4 }, ramps: { bal: { from: 0, to: 2 } }, klSign: 'flatten' });
    expect(weightsAt(b, 0.5).bal).toBeCloseTo(0.1, 12);
    expect(weightsAt(b, 5)).toEqual({ rc: 0.5, kl: -0.2, nn: 0.1, bal: 0.4, cr: 0 });
  });

  it('gives the class-balance weight 0 by default in every mode, and 0 to configs written before it', () => {
    for (const mode of ['supervised', 'semi-supervised', 'unsupervised', 'convnet'] as const) {
      expect(defaultRunConfig(mode).weights.bal).toBe(0);
      // Weights given as {rc, kl, nn} (the page's settings) hold bal 0 once checked.
      expect(defaultRunConfig(mode, { weights: { rc: 0.1, kl: 0, nn: 0 } }).weights).toEqual({ rc: 0.1, kl: 0, nn: 0, bal: 0, cr: 0 });
    }
    const old = parseRunConfig({ mode: 'semi-supervised', labelled: 100, seed: 2, batchSize: 64, config: { version: 1, weights: { rc: 0.5, kl: 0.1, nn: 0.1 }, ramps: { kl: { from: 0, to: 1 } } } });
    expect(old.weights).toEqual({ rc: 0.5, kl: 0.1, nn: 0.1, bal: 0, cr: 0 });
    expect(weightsAt(old, 3).bal).toBe(0);
    // So an old checkpoint resumed with the same flags shows no change of settings.
    expect(configChanges(old, parseRunConfig({ mode: 'semi-supervised', labelled: 100, seed: 2, batchSize: 64, config: old as unknown as Record<string, unknown> }))).toEqual([]);
    const set = parseRunConfig({ mode: 'semi-supervised', labelled: 100, config: { version: 1, weights: { rc: 0.5, kl: 0.1, nn: 0.1, bal: 0.3 }, ramps: { bal: { from: 0.5, to: 1 } } } });
    expect(set.weights.bal).toBe(0.3);
    expect(set.ramps.bal).toEqual({ from: 0.5, to: 1 });
    expect(configChanges(old, { ...old, weights: { ...old.weights, bal: 0.3 } })).toEqual(['weights.bal: 0 -> 0.3']);
    expect(() => parseRunConfig({ mode: 'semi-supervised', labelled: 100, config: { version: 1, weights: { rc: 0.5, kl: 0.1, nn: 0.1, bal: -1 } } })).toThrow(/bal weight must be a number >= 0, got -1/);
    expect(() => parseRunConfig({ mode: 'semi-supervised', labelled: 100, config: { version: 1, weights: { rc: 0.5, kl: 0.1, nn: 0.1, bal: 'high' } } })).toThrow(/bal weight/);
  });

  it('gives the contrastive rendering weight 0 and the default margin by default and to configs written before them', () => {
    for (const mode of ['supervised', 'semi-supervised', 'unsupervised', 'convnet'] as const) {
      const d = defaultRunConfig(mode);
      expect([d.weights.cr, d.crMargin]).toEqual([0, CR_MARGIN]);
      expect(weightsAt(d, 1).cr).toBe(0);
      expect(usesTopDown(d)).toBe(mode !== 'convnet');
    }
    expect(CR_MARGIN).toBe(0.005);
    // A file from before the term (bal there, cr and crMargin not): cr 0, the default margin, and no change on a resume.
    const old = parseRunConfig({ mode: 'supervised', seed: 2, batchSize: 64, config: { version: 1, weights: { rc: 5, kl: 0, nn: 0, bal: 0 }, nonnegative: 'top-down' } });
    expect(old.weights).toEqual({ rc: 5, kl: 0, nn: 0, bal: 0, cr: 0 });
    expect(old.crMargin).toBe(CR_MARGIN);
    expect(configChanges(old, parseRunConfig({ mode: 'supervised', seed: 2, batchSize: 64, config: old as unknown as Record<string, unknown> }))).toEqual([]);
    // Set, ramped and changed like the other weights; the margin is a setting of its own.
    const set = parseRunConfig({ mode: 'supervised', config: { version: 1, weights: { rc: 5, kl: 0, nn: 0, cr: 1 }, ramps: { cr: { from: 0.5, to: 1 } }, crMargin: 0.01 } });
    expect([set.weights.cr, set.crMargin]).toEqual([1, 0.01]);
    expect(set.ramps.cr).toEqual({ from: 0.5, to: 1 });
    expect(weightsAt(set, 0.75).cr).toBeCloseTo(0.5, 12);
    expect(usesTopDown(defaultRunConfig('convnet', { weights: { rc: 0, kl: 0, nn: 0, cr: 1 } }))).toBe(true);
    expect(configChanges(old, { ...old, weights: { ...old.weights, cr: 1 }, crMargin: 0.01 })).toEqual(['weights.cr: 0 -> 1', 'crMargin: 0.005 -> 0.01']);
    // Refused: a negative or non-numeric weight, a negative margin, a ramp backwards.
    const c = defaultRunConfig('supervised');
    expect(() => checkRunConfig({ ...c, weights: { ...c.weights, cr: -1 } })).toThrow(/the cr weight must be a number >= 0, got -1/);
    expect(() => parseRunConfig({ mode: 'supervised', config: { version: 1, weights: { rc: 1, kl: 0, nn: 0, cr: 'x' } } })).toThrow(/cr weight/);
    expect(() => checkRunConfig({ ...c, crMargin: -0.1 })).toThrow(/crMargin must be a number >= 0, got -0.1/);
    expect(() => parseRunConfig({ mode: 'supervised', config: { version: 1, crMargin: 'wide' } })).toThrow(/crMargin/);
    expect(() => checkRunConfig({ ...c, ramps: { cr: { from: 2, to: 1 } } })).toThrow(/cr ramp/);
  });

  it('decays the learning rate per whole epoch from decayFrom', () => {
    const c = defaultRunConfig('supervised', { lr: 1e-3, lrDecay: 0.5, decayFrom: 2 });
    expect([0, 1, 1.9, 2, 2.5, 3, 5].map((e) => lrAt(c, e))).toEqual([1e-3, 1e-3, 1e-3, 5e-4, 5e-4, 2.5e-4, 6.25e-5]);
  });

  it('reads the untyped configs of older checkpoints (the CLI\'s and the page\'s)', () => {
    const cli = parseRunConfig({
      mode: 'convnet', seed: 1, batchSize: 64, epoch: 2, labelled: null,
      config: { weights: { rc: 0, kl: 0, nn: 0 }, variant: 'rendering', lr: 0.001, wallSeconds: 6400, lrDecay: 0.5, decayFrom: 2, average: { from: 4.5, count: 0 }, augment: 0 },
    });
    expect(cli).toMatchObject({ version: 1, mode: 'convnet', seed: 1, lrDecay: 0.5, decayFrom: 2, average: { from: 4.5 }, epochs: 2, init: { kind: 'random' }, klSign: 'sharpen' });
    const page = parseRunConfig({ mode: 'semi-supervised', labelled: 600, seed: 3, batchSize: 8, epoch: 0, config: { weights: { rc: 0.4, kl: 0.1, nn: 0.1 }, lr: 0.002, epochsPlanned: 4, init: 'start.drmm', source: 'page' } });
    expect(page).toMatchObject({ labelled: 600, batchSize: 8, lr: 0.002, epochs: 4, weights: { rc: 0.4, kl: 0.1, nn: 0.1 }, init: { kind: 'file', name: 'start.drmm' } });
    expect(() => parseRunConfig({ mode: 'supervised', config: { version: 99 } })).toThrow(/version 99/);
    expect(() => parseRunConfig({ mode: { evil: 1 } })).toThrow(/mode must be one of/);
  });

  it('lists what differs between two configs', () => {
    const a = defaultRunConfig('supervised');
    expect(configChanges(a, a)).toEqual([]);
    expect(configChanges(a, { ...a, lr: 0.01, weights: { ...a.weights, nn: 0.2 } })).toEqual(['weights.nn: 0.1 -> 0.2', 'lr: 0.001 -> 0.01']);
  });
});

describe('the run\'s data', () => {
  it('holds the validation images out of the pool, the same ones for every run seed', () => {
    const c = defaultRunConfig('supervised', { data: { source: 'mnist', trainCount: 6000, validation: { count: 500, seed: 9 }, subset: null } });
    const val = validationIndices(c);
    expect(val.length).toBe(500);
    expect(Array.from(validationIndices({ ...c, seed: 77 }))).toEqual(Array.from(val));
    const pool = trainingPool(c, labels);
    expect(pool.length).toBe(5500);
    const held = new Set(val);
    expect(Array.from(pool).some((i) => held.has(i))).toBe(false);
    const s = scheduleFor(c, labels);
    for (let k = 0; k < 20; k++) s.batch(0, k).indices.forEach((i) => expect(held.has(i)).toBe(false));
  });

  it('without a validation split, gives exactly the batches of the plain schedule (old runs resume unchanged)', () => {
    const c = defaultRunConfig('semi-supervised', { seed: 4, batchSize: 20, data: { source: 'mnist', trainCount: 6000, validation: { count: 0, seed: 1 }, subset: null } });
    const plain = new Schedule({ mode: 'semi-supervised', seed: 4, batchSize: 20, labelledCount: 100 }, labels);
    const pooled = scheduleFor(c, labels);
    expect(Array.from(pooled.labelledSubset!)).toEqual(Array.from(plain.labelledSubset!));
    for (const [e, k] of [[0, 0], [1, 17], [3, 599]]) expect(Array.from(pooled.batch(e, k).indices)).toEqual(Array.from(plain.batch(e, k).indices));
  });

  it('draws a semi-supervised run\'s labelled images from the pool only, balanced over the classes', () => {
    const c = defaultRunConfig('semi-supervised', { labelled: 100, data: { source: 'mnist', trainCount: 6000, validation: { count: 3000, seed: 2 }, subset: null } });
    const s = scheduleFor(c, labels);
    const held = new Set(validationIndices(c));
    const sub = Array.from(s.labelledSubset!);
    expect(sub.length).toBe(100);
    expect(sub.some((i) => held.has(i))).toBe(false);
    const perClass = new Array(10).fill(0);
    sub.forEach((i) => perClass[labels[i]]++);
    expect(perClass).toEqual(new Array(10).fill(10));
  });

  it('takes a class-balanced subset of the pool for the CPU fallback', () => {
    const c = defaultRunConfig('supervised', { batchSize: 8, data: { source: 'mnist', trainCount: 6000, validation: { count: 0, seed: 1 }, subset: 200 } });
    expect(trainingPool(c, labels).length).toBe(200);
    expect(scheduleFor(c, labels).stepsPerEpoch).toBe(25);
  });

  it('reads images from floats', () => {
    const images = Float32Array.from({ length: 3 * 4 }, (_, i) => i);
    const s = floatSplit(images, [1, 2, 3], 4);
    const dst = new Float32Array(4);
    s.image(2, dst);
    expect(Array.from(dst)).toEqual([8, 9, 10, 11]);
  });
});

describe('a run as a model file', () => {
  it('round-trips every setting, the position, the log, the moments and every extra tensor', () => {
    const spec = PRESETS['rmm-shallow'];
    const shapes = paramShapes(spec);
    const sizes = shapes.map((s) => s.shape.reduce((a, b) => a * b, 1));
    const adam = emptyAdam(sizes);
    const params = initParams(spec, 5);
    adamStep(paramList(params), sizes.map((n, i) => Float32Array.from({ length: n }, (_, j) => Math.sin(i + j))), adam, { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
    const config = defaultRunConfig('semi-supervised', {
      seed: 7, labelled: 20, batchSize: 16, weights: { rc: 0.3, kl: 0.2, nn: 0.05 }, ramps: { kl: { from: 0.5, to: 2 } }, klSign: 'flatten', variant: 'gradient',
      lr: 2e-3, lrDecay: 0.5, decayFrom: 3, augment: 2, nonnegative: 'top-down', average: { from: 1.5 }, epochs: 6, init: { kind: 'file', name: 'pre.drmm' },
      data: { source: 'mnist', trainCount: 50000, validation: { count: 5000, seed: 11 }, subset: null }, cadence: { logEvery: 10, evalsPerEpoch: 2, checkpointEvery: 100 },
    });
    const snap: RunSnapshot = {
      spec, preset: 'rmm-shallow', config, params, adam,
      progress: { ...emptyProgress(), epoch: 2, stepInEpoch: 31, step: 3000, wallSeconds: 812.5, averageCount: 4, changes: [{ step: 100, changes: ['lr: 0.001 -> 0.002'] }] },
      log: [{ epoch: 0.5, step: 1000, ce: 0.25, testAccuracy: 0.9, validationAccuracy: 0.91 }],
      labelledIndices: Array.from({ length: 20 }, (_, i) => i * 3),
      extra: [
        ...shapes.map((s, i) => ({ name: `opt.avg.${s.name}`, shape: s.shape, data: paramList(params)[i].map((v) => v * 0.5) })),
        { name: 'opt.custom.thing', shape: [3], data: Float32Array.of(1, 2, 3) },
      ],
    };
    const back = decodeRun(encodeRun(snap));
    expect(back.hasRun).toBe(true);
    expect(back.config).toEqual(config);
    expect(back.progress).toEqual(snap.progress);
    expect(back.log).toEqual(snap.log);
    expect(back.labelledIndices).toEqual(snap.labelledIndices);
    expect(back.adam!.t).toBe(1);
    back.adam!.m.forEach((m, i) => expect(Array.from(m)).toEqual(Array.from(adam.m[i])));
    paramList(back.params).forEach((t, i) => expect(Array.from(t)).toEqual(Array.from(paramList(params)[i])));
    expect(back.extra.map((e) => e.name)).toEqual(snap.extra.map((e) => e.name));
    back.extra.forEach((e, i) => expect(Array.from(e.data)).toEqual(Array.from(snap.extra[i].data)));
  });

  it('refuses labelled indices that do not match N_L', () => {
    const spec = PRESETS['rmm-shallow'];
    const config = defaultRunConfig('semi-supervised', { labelled: 20 });
    const bytes = encodeRun({ spec, preset: null, config, params: initParams(spec, 1), adam: null, progress: emptyProgress(), log: [], labelledIndices: [1, 2, 3], extra: [] });
    expect(() => decodeRun(bytes)).toThrow(/names 3 labelled images but says N_L = 20/);
  });
});
