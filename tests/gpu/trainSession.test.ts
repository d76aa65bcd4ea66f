/**
 * The page's TrainingSession (src/ui/train/session.ts) on Dawn, with a store and a fake MNIST:
 * its phase-per-submit steps give exactly what the CLI's loop (trainer.step() over the same
 * Schedule) gives; a checkpoint continues exactly; a non-finite loss rolls back to the last
 * good checkpoint; the GPU evaluation matches a direct one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DrmmGpuEngine } from '../../src/engine/gpu/engine';
import { GpuTrainer } from '../../src/engine/gpu/trainer';
import { PRESETS, initParams, paramList } from '../../src/engine/model';
import { loadCheckpoint } from '../../src/engine/train/legacyCheckpoint';
import { Schedule } from '../../src/engine/train/schedule';
import { createAppStore } from '../../src/ui/store';
import { Autosaver } from '../../src/ui/train/autosave';
import { TrainingSession, type SessionHost } from '../../src/ui/train/session';
import type { TrainingSettings } from '../../src/ui/train/slice';
import { fakeSplit } from '../helpers/data';
import { assertNoUncapturedErrors, getTestDevice } from '../helpers/gpu';
import { MemKv } from '../helpers/memKv';

const SPEC = PRESETS['drmm-compact'];

const sessions: TrainingSession[] = [];
afterEach(async () => {
  for (const s of sessions.splice(0)) await s.destroy(true);
  await assertNoUncapturedErrors();
});

async function makeSession(settings: Partial<TrainingSettings> = {}) {
  const device = await getTestDevice();
  const store = createAppStore();
  store.getState().setSplitReady('train', fakeSplit(600, 1));
  store.getState().setSplitReady('test', fakeSplit(60, 2));
  store.getState().setTrainingSettings({ preset: 'drmm-compact', mode: 'semi-supervised', labelled: 100, seed: 3, batch: 8, ...settings });
  const downloads: { data: Uint8Array | string; name: string }[] = [];
  const kv = new MemKv();
  const published: number[] = [];
  const host: SessionHost = {
    store,
    requestDevice: async () => ({ ok: true, device, adapter: 'test' }),
    autosaver: new Autosaver(kv),
    publish: async (_spec, _preset, params) => {
      published.push(params.mu[0]);
      return 'ok';
    },
    download: (data, name) => downloads.push({ data, name }),
    now: () => performance.now(),
  };
  const session = new TrainingSession(host);
  sessions.push(session);
  return { session, store, downloads, kv, published, device };
}

async function saved(session: TrainingSession, downloads: { data: Uint8Array | string }[]) {
  await session.saveFile();
  const d = downloads[downloads.length - 1].data;
  if (typeof d === 'string') throw new Error('expected bytes');
  return { bytes: d, ck: loadCheckpoint(d) };
}

describe('TrainingSession', () => {
  it('gives the CLI loop result: phases in separate submits over the same schedule', async () => {
    const { session, store, downloads, device } = await makeSession();
    for (let i = 0; i < 3; i++) await session.stepOnce();
    expect(store.getState().training.notice).toBeNull();
    expect(store.getState().training.progress).toMatchObject({ step: 3, stepInEpoch: 3, epoch: 0, batch: 8 });
    expect(store.getState().training.metrics.reports).toBe(3);
    const { ck } = await saved(session, downloads);

    // The CLI's way (scripts/train.ts): one submit a step.
    const train = store.getState().train!;
    const engine = await DrmmGpuEngine.create(device, SPEC, initParams(SPEC, 3), { maxBatch: 8 });
    const trainer = new GpuTrainer(engine, { weights: { rc: 0.5, kl: 0.1, nn: 0.1 }, lr: 1e-3 });
    try {
      const schedule = new Schedule({ mode: 'semi-supervised', seed: 3, batchSize: 8, labelledCount: 100 }, train.labels);
      const images = new Float32Array(8 * 784);
      const labels = new Int32Array(8);
      for (let step = 0; step < 3; step++) {
        const b = schedule.batch(0, step);
        b.indices.forEach((idx, i) => {
          for (let p = 0; p < 784; p++) images[i * 784 + p] = train.pixels[idx * 784 + p] / 255;
          labels[i] = b.labelled[i] ? train.labels[idx] : -1;
        });
        trainer.setBatch(images, labels, 8);
        trainer.step();
      }
      const ref = paramList(await trainer.readParams());
      const got = paramList(ck.params);
      ref.forEach((a, i) => expect(Array.from(got[i]), `tensor ${i}`).toEqual(Array.from(a)));
      const adam = await trainer.readAdamState();
      expect(ck.adam?.t).toBe(3);
      adam.m.forEach((a, i) => expect(Array.from(ck.adam!.m[i])).toEqual(Array.from(a)));
    } finally {
      trainer.destroy();
      engine.destroy();
    }
  });

  it('continues a checkpoint exactly, and the test evaluation matches a direct one', async () => {
    const a = await makeSession();
    for (let i = 0; i < 4; i++) await a.session.stepOnce();
    const four = await saved(a.session, a.downloads);

    const b = await makeSession();
    for (let i = 0; i < 2; i++) await b.session.stepOnce();
    const two = await saved(b.session, b.downloads);
    const c = await makeSession({ seed: 99, mode: 'supervised' }); // settings come from the file
    await c.session.loadFile({ name: 'two.drmm', arrayBuffer: async () => two.bytes.slice().buffer });
    expect(c.store.getState().training.settings).toMatchObject({ seed: 3, mode: 'semi-supervised', batch: 8 });
    expect(c.store.getState().training.progress?.step).toBe(2);
    expect(c.store.getState().training.metrics.history).toHaveLength(2);
    for (let i = 0; i < 2; i++) await c.session.stepOnce();
    const resumed = await saved(c.session, c.downloads);
    paramList(four.ck.params).forEach((t, i) => expect(Array.from(paramList(resumed.ck.params)[i]), `tensor ${i}`).toEqual(Array.from(t)));
    expect(resumed.ck.run?.metrics).toHaveLength(4);

    await a.session.evaluateNow();
    const acc = a.store.getState().training.metrics.lastTest!;
    expect(acc.step).toBe(4);
    const test = a.store.getState().test!;
    const engine = await DrmmGpuEngine.create(a.device, SPEC, four.ck.params, { maxBatch: 16 });
    const trainer = new GpuTrainer(engine);
    try {
      const images = Float32Array.from(test.pixels, (v) => v / 255);
      const direct = await trainer.evaluate(images, test.labels, test.count);
      expect(acc.accuracy).toBe(direct.accuracy);
    } finally {
      trainer.destroy();
      engine.destroy();
    }
  });

  it('stops on a non-finite loss and rolls back to the last good checkpoint', async () => {
    const { session, store, kv } = await makeSession({ mode: 'supervised' });
    session.start();
    // Wait for the first step rather than a fixed time: on a loaded machine 50 ms may hold none.
    for (let t = 0; t < 600 && !(store.getState().training.progress?.step ?? 0); t++) await new Promise((r) => setTimeout(r, 50));
    await session.pause(); // autosaves
    const good = store.getState().training.progress!.step;
    expect(good).toBeGreaterThan(0);
    expect(store.getState().training.lastSaved).toMatchObject({ where: 'autosave', step: good });
    expect([...kv.map.keys()].some((k) => k.startsWith('run:'))).toBe(true); // the run's autosave pointer (autosave.ts)
    store.getState().setTrainingSettings({ lr: 1e30 });
    for (let i = 0; i < 4 && store.getState().training.notice?.kind !== 'error'; i++) await session.stepOnce();
    const t = store.getState().training;
    expect(t.notice?.kind).toBe('error');
    expect(t.notice?.text).toMatch(/non-finite|became (NaN|Infinity|-Infinity)/);
    expect(t.notice?.text).toContain(`Rolled back to the last good checkpoint (epoch 0, step ${good} of the epoch`);
    expect(t.progress?.step).toBe(good);
    expect(t.status).toBe('paused');
    // The learning rate stays as set until the user changes it; with a sane one training goes on.
    store.getState().setTrainingSettings({ lr: 1e-3 });
    await session.stepOnce();
    expect(store.getState().training.progress?.step).toBe(good + 1);
    expect(Number.isFinite(store.getState().training.metrics.latest!.total)).toBe(true);
  });
});
