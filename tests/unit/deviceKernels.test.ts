/**
 * The page's kernel choice (src/ui/device) without a GPU: the boot decision from a fake store
 * (a stored choice, none, a damaged entry, storage that throws or is missing), the record the page
 * writes read back by the engine's own tuner (tuner.ts: the same key and format), the words the
 * section shows, and PageKernels' timing run against a fake host and a fake tune function (the
 * choice stored, the engines rebuilt, the slice updated; a failure or a lost device changes nothing).
 */
import { describe, expect, it } from 'vitest';
import type { AdapterReport } from '../../src/engine/device';
import { directChoice, formatChoice, parseChoice, type KernelChoice } from '../../src/engine/gpu/convSteps';
import { chooseKernels, shapeKey, storeKey, useKernelTuner, type KernelStore, type KernelTiming } from '../../src/engine/gpu/tuner';
import { PRESETS } from '../../src/engine/model';
import { bootKernels, parseRecord, plainKernels, recordText, type KernelRecord } from '../../src/ui/device/kernelChoice';
import { PageKernels, adapterName, type KernelHost, type TuneFn } from '../../src/ui/device/pageKernels';
import { createAppStore } from '../../src/ui/store';

const SPEC = PRESETS['drmm-compact'];
const L = SPEC.levels.length;
const ADAPTER: AdapterReport = { vendor: 'google', architecture: 'swiftshader', description: 'test adapter', isFallback: true };
const NAME = adapterName(ADAPTER);
const KEY = storeKey(NAME, SPEC);
const GEMM3: KernelChoice = { forward: ['direct', 'direct', '32x64'], transpose: ['direct', 'direct', 'direct'], wgrad: ['direct', '16x64', 'direct'] };
const TIMINGS: KernelTiming[] = [
  { family: 'forward', level: 3, variant: 'direct', ms: 2 },
  { family: 'forward', level: 3, variant: '32x64', ms: 1.5 },
];
const RECORD: KernelRecord = { choice: formatChoice(GEMM3), timings: TIMINGS, tuneMs: 25_000, compileMs: 13_000, batch: 8, date: '2026-12-07T10:00:00.000Z' };

/** A Map-backed store; `throwOn` makes get or set throw as a blocked Web Storage does. */
function memStore(init: Record<string, string> = {}, throwOn: { get?: boolean; set?: boolean } = {}): KernelStore & { data: Map<string, string> } {
  const data = new Map(Object.entries(init));
  return {
    data,
    get: (k) => {
      if (throwOn.get) throw new Error('SecurityError: access denied');
      return data.get(k) ?? null;
    },
    set: (k, v) => {
      if (throwOn.set) throw new Error('QuotaExceededError');
      data.set(k, v);
    },
  };
}

describe('bootKernels: the boot decision', () => {
  it('a stored choice for this adapter and these shapes is used as it is, with its date and timings', () => {
    const d = bootKernels(memStore({ [KEY]: recordText(RECORD) }), NAME, SPEC);
    expect(d.source).toBe('stored');
    expect(parseChoice(d.choice, L)).toEqual(GEMM3);
    expect(d.date).toBe(RECORD.date);
    expect(d.timings).toEqual(TIMINGS);
    expect(d.tuneMs).toBe(25_000);
    expect(d.batch).toBe(8);
    expect(d.note).toBeNull();
    expect(d.shapes).toBe(shapeKey(SPEC));
    expect(d.about).toContain('tuned earlier in 25000 ms');
    expect(d.about).toContain('forward direct direct 32x64');
  });

  it('nothing stored (or stored for another adapter or other shapes): the direct kernels, no note', () => {
    const other = storeKey('another / adapter', SPEC);
    const otherShapes = storeKey(NAME, PRESETS['rmm-shallow']);
    for (const store of [memStore(), memStore({ [other]: recordText(RECORD), [otherShapes]: recordText({ ...RECORD, choice: 'forward=32x64;transpose=direct;wgrad=direct' }) })]) {
      const d = bootKernels(store, NAME, SPEC);
      expect(d.source).toBe('default');
      expect(d.choice).toBe(formatChoice(directChoice(L)));
      expect(d.note).toBeNull();
      expect(d.about).toContain('direct kernels, not tuned');
    }
  });

  it('a damaged entry: the direct kernels and a quiet note saying what is wrong', () => {
    const damaged: [string, RegExp][] = [
      ['{not json', /not JSON/],
      ['{"timings":[]}', /names no choice/],
      [JSON.stringify({ ...RECORD, choice: 'forward=direct,direct;transpose=direct,direct;wgrad=direct,direct' }), /2 variants for a model of 3 levels/],
      [JSON.stringify({ ...RECORD, choice: 'forward=fast,direct,direct;transpose=direct,direct,direct;wgrad=direct,direct,direct' }), /unknown variant 'fast'/],
      [JSON.stringify({ ...RECORD, timings: [{ family: 'forward', level: 1, variant: 'direct', ms: 'slow' }] }), /timings are malformed/],
      ['null', /names no choice/],
    ];
    for (const [text, why] of damaged) {
      const d = bootKernels(memStore({ [KEY]: text }), NAME, SPEC);
      expect(d.source, text).toBe('default');
      expect(d.choice).toBe(formatChoice(directChoice(L)));
      expect(d.note).toMatch(/could not be read/);
      expect(d.note).toMatch(why);
      expect(d.note).toMatch(/timing the variants again replaces it/);
    }
  });

  it('storage that throws, or none at all: the direct kernels and a quiet note', () => {
    const thrown = bootKernels(memStore({ [KEY]: recordText(RECORD) }, { get: true }), NAME, SPEC);
    expect(thrown.source).toBe('default');
    expect(thrown.note).toMatch(/storage could not be read \(SecurityError: access denied\)/);
    const none = bootKernels(null, NAME, SPEC, 'this page has no localStorage');
    expect(none.source).toBe('default');
    expect(none.note).toMatch(/not available here \(this page has no localStorage\)/);
    expect(bootKernels(null, NAME, SPEC).note).toBeNull();
  });

  it('an asynchronous store counts as none (the page decides synchronously, while an engine is built)', () => {
    const asyncStore: KernelStore = { get: async () => recordText(RECORD), set: async () => undefined };
    expect(bootKernels(asyncStore, NAME, SPEC).source).toBe('default');
  });
});

describe('the record is the tuner’s', () => {
  it('what the page stores, the engine’s tuner reads back as stored (no timing: the fake device is never touched)', async () => {
    const store = memStore({ [KEY]: recordText(RECORD) });
    const device = {} as GPUDevice; // chooseKernels keys its tuner by the device; a stored choice never reaches it
    useKernelTuner(device, { adapter: NAME, store });
    const r = await chooseKernels(device, SPEC, 16);
    expect(r.source).toBe('stored');
    expect(r.choice).toEqual(GEMM3);
    expect(r.timings).toEqual(TIMINGS);
    expect(parseRecord(store.data.get(KEY)!, L).choice).toEqual(GEMM3);
  });
});

describe('plainKernels', () => {
  it('says the direct kernels, or which product runs which tile at which levels', () => {
    expect(plainKernels('direct', 3)).toBe('the direct convolution kernels everywhere');
    expect(plainKernels(formatChoice(GEMM3), 3)).toBe(
      'matrix-product (implicit GEMM) kernels for the bottom-up pass at level 3 (32x64 tiles); for the weight gradient at level 2 (16x64 tiles); the direct convolution kernels everywhere else',
    );
    expect(plainKernels('forward=8x64,direct,8x64;transpose=direct,32x64,32x32;wgrad=direct,direct,direct', 3)).toBe(
      'matrix-product (implicit GEMM) kernels for the bottom-up pass at levels 1 and 3 (8x64 tiles); for the top-down pass at level 2 (32x64 tiles) and level 3 (32x32 tiles); the direct convolution kernels everywhere else',
    );
  });
});

// ---------------------------------------------------------------------------------------------
// PageKernels against a fake host

interface FakeHost extends KernelHost {
  rebuilt: number;
  loseDevice(message: string): void;
}

function fakeHost(): FakeHost {
  let resolveLost: (info: { message: string; reason: string }) => void = () => undefined;
  const device = { lost: new Promise((r) => (resolveLost = r)) } as unknown as GPUDevice;
  const host: FakeHost = {
    adapter: ADAPTER,
    device,
    rebuilt: 0,
    onDevice: (fn) => fn(device),
    rebuildEngines: async () => {
      host.rebuilt++;
      return ['pretrained'];
    },
    loseDevice: (message) => {
      (host as { device: GPUDevice | null }).device = null;
      resolveLost({ message, reason: 'unknown' });
    },
  };
  return host;
}

const fakeTune = (choice: KernelChoice): TuneFn & { calls: number } => {
  const fn: TuneFn & { calls: number } = Object.assign(
    async () => {
      fn.calls++;
      return { choice, timings: TIMINGS, ms: 24_000, compileMs: 12_000 };
    },
    { calls: 0 },
  );
  return fn;
};

describe('PageKernels', () => {
  it('answers the host from the store at boot and records it in the slice; undefined (the direct kernels) without a stored choice', () => {
    const app = createAppStore();
    const tune = fakeTune(GEMM3);
    const empty = new PageKernels(app, { storage: () => ({ store: memStore(), problem: null }), tune });
    expect(empty.kernelsFor(SPEC, ADAPTER)).toBeUndefined();
    expect(app.getState().deviceKernels.bySpec[shapeKey(SPEC)].source).toBe('default');
    const stored = new PageKernels(app, { storage: () => ({ store: memStore({ [KEY]: recordText(RECORD) }), problem: null }), tune });
    expect(stored.kernelsFor(SPEC, ADAPTER)).toEqual(GEMM3);
    expect(app.getState().deviceKernels.bySpec[shapeKey(SPEC)].source).toBe('stored');
    expect(tune.calls).toBe(0); // nothing is timed at boot
  });

  it('a timing run stores the choice, rebuilds the engines, and from then on the host gets it (source tuned)', async () => {
    const app = createAppStore();
    const store = memStore();
    const host = fakeHost();
    let t = 1_000_000;
    const tune = fakeTune(GEMM3);
    const k = new PageKernels(app, { storage: () => ({ store, problem: null }), tune, now: () => (t += 500) });
    k.attach(host);
    expect(k.kernelsFor(SPEC, ADAPTER)).toBeUndefined();
    expect(await k.timeVariants(SPEC)).toBe(true);
    expect(tune.calls).toBe(1);
    expect(host.rebuilt).toBe(1);
    const rec = JSON.parse(store.data.get(KEY)!) as KernelRecord;
    expect(rec.choice).toBe(formatChoice(GEMM3));
    expect(rec.timings).toEqual(TIMINGS);
    expect(rec.tuneMs).toBe(24_000);
    expect(rec.batch).toBe(8);
    expect(Date.parse(rec.date)).toBeGreaterThan(0);
    const s = app.getState().deviceKernels;
    expect(s.timing).toEqual({ status: 'done', startedAt: null, ms: 1000, message: null });
    expect(s.bySpec[shapeKey(SPEC)]).toMatchObject({ source: 'tuned', choice: formatChoice(GEMM3), tuneMs: 24_000, note: null });
    expect(k.kernelsFor(SPEC, ADAPTER)).toEqual(GEMM3);
    expect(app.getState().deviceKernels.bySpec[shapeKey(SPEC)].source).toBe('tuned');
    // A new page (a reload) reads it back as stored.
    const again = new PageKernels(createAppStore(), { storage: () => ({ store, problem: null }), tune });
    expect(again.decide(SPEC, NAME)).toMatchObject({ source: 'stored', choice: formatChoice(GEMM3) });
  });

  it('storage that refuses the write: the choice holds for this page, with a note', async () => {
    const app = createAppStore();
    const k = new PageKernels(app, { storage: () => ({ store: memStore({}, { set: true }), problem: null }), tune: fakeTune(GEMM3) });
    k.attach(fakeHost());
    expect(await k.timeVariants(SPEC)).toBe(true);
    const d = app.getState().deviceKernels.bySpec[shapeKey(SPEC)];
    expect(d.source).toBe('tuned');
    expect(d.note).toMatch(/could not be stored \(QuotaExceededError\): it holds until this page is closed/);
    expect(k.kernelsFor(SPEC, ADAPTER)).toEqual(GEMM3);
  });

  it('a tuning that fails, or a device lost while timing: an error that says so, nothing stored, the choice unchanged', async () => {
    for (const how of ['throws', 'lost'] as const) {
      const app = createAppStore();
      const store = memStore({ [KEY]: recordText(RECORD) });
      const host = fakeHost();
      const tune: TuneFn = how === 'throws'
        ? async () => {
            throw new Error('Failed to create a compute pipeline');
          }
        : () => {
            host.loseDevice('the driver reset');
            return new Promise(() => undefined); // the lost device's work never "finishes" here; the loss ends the wait
          };
      const k = new PageKernels(app, { storage: () => ({ store, problem: null }), tune });
      k.attach(host);
      expect(k.kernelsFor(SPEC, ADAPTER)).toEqual(GEMM3);
      expect(await k.timeVariants(SPEC)).toBe(false);
      const s = app.getState().deviceKernels;
      expect(s.timing.status).toBe('error');
      expect(s.timing.message).toMatch(how === 'throws' ? /^Timing the kernel variants failed: Failed to create a compute pipeline\. Nothing was changed/ : /the GPU device was lost \(the driver reset\)\. Nothing was changed/);
      expect(store.data.get(KEY)).toBe(recordText(RECORD));
      expect(host.rebuilt).toBe(0);
      expect(s.bySpec[shapeKey(SPEC)].source).toBe('stored');
      expect(k.kernelsFor(SPEC, ADAPTER)).toEqual(GEMM3);
    }
  });

  it('one timing at a time, and none without a host', async () => {
    const app = createAppStore();
    let release: () => void = () => undefined;
    const tune: TuneFn = () => new Promise((r) => (release = () => r({ choice: GEMM3, timings: [], ms: 1, compileMs: 0 })));
    const k = new PageKernels(app, { storage: () => ({ store: memStore(), problem: null }), tune });
    expect(await k.timeVariants(SPEC)).toBe(false);
    expect(app.getState().deviceKernels.timing.message).toMatch(/no engine host/);
    k.attach(fakeHost());
    const first = k.timeVariants(SPEC);
    expect(app.getState().deviceKernels.timing.status).toBe('running');
    expect(await k.timeVariants(SPEC)).toBe(false);
    await Promise.resolve();
    release();
    expect(await first).toBe(true);
  });
});
