// Saved models and training autosaves in IndexedDB (fake-indexeddb, the real IDB semantics in
// memory): they survive closing and reopening the database; a transaction aborted midway (a crash,
// a closed tab) leaves the previous model or checkpoint readable; a full storage
// (QuotaExceededError) prunes older autosaves, never saved models, and says so; an entry that
// fails its check is named and can be deleted. And model files whose architecture is too large
// to run here are refused from their header.
import 'fake-indexeddb/auto';
import { IDBFactory, IDBObjectStore } from 'fake-indexeddb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PRESETS, PRESET_NAMES, initParams, writeModelFile, type ModelSpec } from '../../src/engine';
import { cpuController } from '../helpers/services';
import { CPU_MAX_MACS, GPU_MAX_BYTES, fitProblem, gpuProblem, modelCost, peekArchitecture } from '../../src/ui/storage/modelFit';
import { ModelLibrary, cleanName, uniqueName } from '../../src/ui/storage/library';
import { StorageFullError, isQuotaError } from '../../src/ui/storage/quota';
import { Autosaver, idbStore, newRunId, type AutosaveMeta } from '../../src/ui/train/autosave';

const bytes = (v: number, n = 16) => new Uint8Array(n).fill(v);
const info = { preset: 'drmm-compact', summary: 'test' };

function meta(step: number, seed = 1): AutosaveMeta {
  return { preset: 'drmm-compact', mode: 'supervised', labelled: null, seed, batchSize: 8, epoch: 0, stepInEpoch: step, step, savedAt: 1000 + step };
}

const quota = () => new DOMException('The quota has been exceeded.', 'QuotaExceededError');
/** The name of the object store a put/add is made on. */
const storeName = (s: unknown) => (s as { name: string }).name;

afterEach(() => vi.restoreAllMocks());

describe('names', () => {
  it('are cleaned, limited and made unique', () => {
    expect(cleanName('  my\u0000model\n ')).toBe('my model');
    expect(cleanName('x'.repeat(200))).toHaveLength(80);
    expect(() => cleanName('   ')).toThrow('Give the model a name.');
    expect(uniqueName('a', ['b'])).toBe('a');
    expect(uniqueName('a', ['a', 'a (2)'])).toBe('a (3)');
  });
});

describe('ModelLibrary', () => {
  it('saves, lists newest first, loads, deletes, and keeps everything across a reopen', async () => {
    const factory = new IDBFactory();
    const lib = new ModelLibrary({ factory });
    const a = await lib.save('first', bytes(1), info);
    await new Promise((r) => setTimeout(r, 5));
    const b = await lib.save('first', bytes(2), { preset: null, summary: 'custom' });
    expect(b.name).toBe('first (2)');
    expect((await lib.list()).map((e) => e.name)).toEqual(['first (2)', 'first']);
    lib.close();

    const again = new ModelLibrary({ factory }); // a reload: a new connection to the same database
    const list = await again.list();
    expect(list.map((e) => e.id)).toEqual([b.id, a.id]);
    expect(list[1]).toMatchObject({ name: 'first', size: 16, preset: 'drmm-compact', summary: 'test' });
    expect(Array.from((await again.load(a.id)).bytes)).toEqual(Array.from(bytes(1)));
    await again.delete(a.id);
    expect((await again.list()).map((e) => e.id)).toEqual([b.id]);
    expect(await again.blobKeys()).toEqual([b.blob]);
    await expect(again.load(a.id)).rejects.toThrow('no longer exists');
  });

  it('a save aborted midway through the pointer switch leaves the previous models intact', async () => {
    const lib = new ModelLibrary({ factory: new IDBFactory() });
    const kept = await lib.save('kept', bytes(7), info);
    // The crash: the transaction that adds the new entry is aborted after its request was made.
    const add = IDBObjectStore.prototype.add;
    const spy = vi.spyOn(IDBObjectStore.prototype, 'add').mockImplementation(function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['add']>) {
      const r = add.apply(this, args);
      this.transaction.abort();
      return r;
    });
    await expect(lib.save('lost', bytes(8), info)).rejects.toThrow();
    spy.mockRestore();
    const list = await lib.list();
    expect(list.map((e) => e.name)).toEqual(['kept']);
    expect(Array.from((await lib.load(kept.id)).bytes)).toEqual(Array.from(bytes(7)));
    // Nothing unnamed is left behind (the failed save dropped its blob, and a sweep finds none).
    expect(await lib.blobKeys()).toEqual([kept.blob]);
    expect(await lib.sweep()).toBe(0);
  });

  it('a save aborted while writing its bytes changes nothing; an orphan left by a crash is swept', async () => {
    const factory = new IDBFactory();
    const lib = new ModelLibrary({ factory });
    const kept = await lib.save('kept', bytes(3), info);
    const put = IDBObjectStore.prototype.put;
    const spy = vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      const r = put.apply(this, args);
      this.transaction.abort();
      return r;
    });
    await expect(lib.save('lost', bytes(4), info)).rejects.toThrow();
    spy.mockRestore();
    expect(await lib.blobKeys()).toEqual([kept.blob]);

    // A crash between the two transactions (the tab closed after the bytes were written): an
    // orphan blob, which no entry names, the list does not show and the sweep removes.
    const db = await new Promise<IDBDatabase>((resolve) => {
      const o = factory.open('drmm-models', 1);
      o.onsuccess = () => resolve(o.result);
    });
    await new Promise<void>((resolve) => {
      const t = db.transaction('blobs', 'readwrite');
      t.objectStore('blobs').put(bytes(9), 'blob-orphan');
      t.oncomplete = () => resolve();
    });
    db.close();
    expect((await lib.list()).map((e) => e.name)).toEqual(['kept']);
    expect(await lib.sweep()).toBe(1);
    expect(await lib.blobKeys()).toEqual([kept.blob]);
  });

  it('a full storage prunes the autosaves, then saves; if still full, says so and keeps every saved model', async () => {
    let budget = 40; // bytes of blobs the fake quota allows
    let used = 0;
    const put = IDBObjectStore.prototype.put;
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      if (storeName(this) === 'blobs') {
        const size = (args[0] as Uint8Array).byteLength;
        if (used + size > budget) throw quota();
        used += size;
      }
      return put.apply(this, args);
    });
    let prunes = 0;
    const lib = new ModelLibrary({
      factory: new IDBFactory(),
      pruneAutosaves: async () => {
        prunes++;
        budget += 16; // the autosaves it deleted freed this much
        return 1;
      },
    });
    const a = await lib.save('a', bytes(1), info);
    const b = await lib.save('b', bytes(2), info);
    expect(prunes).toBe(0);
    const c = await lib.save('c', bytes(3), info); // 48 > 40: pruned, then fits in 56
    expect(prunes).toBe(1);
    expect(c.name).toBe('c');
    let err: unknown;
    try {
      await lib.save('d', bytes(4, 100), info);
    } catch (e) {
      err = e;
    }
    expect(prunes).toBe(2);
    expect(err).toBeInstanceOf(StorageFullError);
    expect((err as Error).message).toMatch(/^Could not save "d": this browser's storage for the app is full \(QuotaExceededError\)\. Older autosaves were pruned, saved models were kept/);
    expect(isQuotaError(err)).toBe(true);
    expect((await lib.list()).map((e) => e.name).sort()).toEqual(['a', 'b', 'c']);
    for (const [e, v] of [[a, 1], [b, 2], [c, 3]] as const) expect(Array.from((await lib.load(e.id)).bytes)).toEqual(Array.from(bytes(v)));
  });
});

describe('ModelLibrary: what is read back is checked', () => {
  /** Writes an entry straight into the store, as another version of the app (or anything) might. */
  async function putRaw(factory: IDBFactory, value: unknown, key?: IDBValidKey) {
    const db = await new Promise<IDBDatabase>((resolve) => {
      const o = factory.open('drmm-models', 1);
      o.onsuccess = () => resolve(o.result);
    });
    await new Promise<void>((resolve, reject) => {
      const t = db.transaction('entries', 'readwrite');
      // The store's keyPath is `id`: an entry without a usable id cannot be put; write those with a key-less clone of another.
      t.objectStore('entries').put(value, key);
      t.oncomplete = () => resolve();
      t.onerror = () => reject(t.error);
    });
    db.close();
  }

  // Each field of an entry replaced by a value of the wrong kind.
  const cases: [string, (e: Record<string, unknown>) => void, RegExp][] = [
    ['summary an object', (e) => (e.summary = { html: '<b>x</b>' }), /entry\.summary is an object, not text/],
    ['name an object', (e) => (e.name = { a: 1 }), /entry\.name is an object, not text/],
    ['name empty', (e) => (e.name = ''), /entry\.name is empty/],
    ['savedAt a string', (e) => (e.savedAt = 'yesterday'), /entry\.savedAt is the text "yesterday", not a finite number/],
    ['size negative', (e) => (e.size = -1), /entry\.size is -1, outside 0\.\./],
    ['preset a list', (e) => (e.preset = ['x']), /entry\.preset is a list, not text/],
    ['blob another key', (e) => (e.blob = 'pointer'), /entry\.blob is "pointer", not a key of the stored bytes/],
    ['blob missing', (e) => delete e.blob, /entry\.blob is missing, not text/],
  ];

  for (const [what, corrupt, reason] of cases) {
    it(`an entry with ${what} is left out with the reason; the others load; Delete removes it`, async () => {
      const factory = new IDBFactory();
      const lib = new ModelLibrary({ factory });
      const good = await lib.save('good', bytes(1), info);
      const bad = await lib.save('bad', bytes(2), info);
      const raw: Record<string, unknown> = { ...bad };
      corrupt(raw);
      await putRaw(factory, raw);
      const { entries, broken } = await lib.scan();
      expect(entries.map((e) => e.name)).toEqual(['good']);
      expect(broken).toHaveLength(1);
      expect(broken[0].key).toBe(bad.id);
      expect(broken[0].reason).toMatch(reason);
      expect(broken[0].label).toContain(bad.id);
      await expect(lib.load(bad.id)).rejects.toThrow(/that saved model's entry is damaged/);
      expect(Array.from((await lib.load(good.id)).bytes)).toEqual(Array.from(bytes(1)));
      await lib.deleteBroken(broken[0].key);
      expect(await lib.scan()).toMatchObject({ entries: [{ name: 'good' }], broken: [] });
      // Its bytes went with it when it named a blob of its own; the good model's stay.
      expect(await lib.blobKeys()).toEqual(typeof raw.blob === 'string' && raw.blob.startsWith('blob-') ? [good.blob] : [good.blob, bad.blob].sort());
    });
  }

  it('an entry under a key that is not its id, or not a record at all, is named by its key', async () => {
    const factory = new IDBFactory();
    const lib = new ModelLibrary({ factory });
    const good = await lib.save('good', bytes(1), info);
    await putRaw(factory, { ...good, id: 42 }); // a number key
    const { entries, broken } = await lib.scan();
    expect(entries.map((e) => e.name)).toEqual(['good']);
    expect(broken.map((b) => [b.key, b.reason])).toEqual([[42, 'entry.id is the number 42, not text']]);
    expect(broken[0].label).toBe('"good" (42)');
    await lib.deleteBroken(42);
    expect((await lib.scan()).broken).toEqual([]);
    // The good entry shares that blob: it was kept.
    expect(Array.from((await lib.load(good.id)).bytes)).toEqual(Array.from(bytes(1)));
  });

  it('missing or damaged bytes are named when loading', async () => {
    const factory = new IDBFactory();
    const lib = new ModelLibrary({ factory });
    const e = await lib.save('m', bytes(1), info);
    const db = await new Promise<IDBDatabase>((resolve) => {
      const o = factory.open('drmm-models', 1);
      o.onsuccess = () => resolve(o.result);
    });
    await new Promise<void>((resolve) => {
      const t = db.transaction('blobs', 'readwrite');
      t.objectStore('blobs').put('not bytes', e.blob);
      t.oncomplete = () => resolve();
    });
    db.close();
    await expect(lib.load(e.id)).rejects.toThrow(/the bytes of "m" are missing or damaged .*bytes is the text "not bytes", not bytes/);
  });
});

describe('Autosaver over IndexedDB', () => {
  let n = 0;
  const fresh = () => {
    const name = `autosave-test-${++n}`;
    return { name, a: new Autosaver(idbStore(name)!, null) };
  };

  it('survives a reopen; a save aborted inside its transaction leaves the run as it was', async () => {
    const { name, a } = fresh();
    const id = newRunId();
    await a.save(id, bytes(1), meta(100));
    await a.save(id, bytes(2), meta(200));
    const again = new Autosaver(idbStore(name)!, null);
    expect((await again.load(id)).meta.step).toBe(200);
    expect((await again.list()).runs.map((r) => r.runId)).toEqual([id]);

    const put = IDBObjectStore.prototype.put;
    const spy = vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      const r = put.apply(this, args);
      if (String(args[1]).startsWith('run:')) this.transaction.abort(); // the crash: after the checkpoint, at the pointer
      return r;
    });
    await expect(again.save(id, bytes(3), meta(300))).rejects.toThrow();
    spy.mockRestore();
    const got = await again.load(id, (b) => {
      if (b[0] !== 2) throw new Error('not the last complete checkpoint');
    });
    expect(got).toMatchObject({ which: 'current', problem: null, meta: { step: 200 } });
    // Nothing half-written was left: the checkpoint's put was undone with the transaction.
    const p = await again.save(id, bytes(4), meta(400));
    expect(p).toMatchObject({ seq: 3, previous: `ckpt:${id}:2`, meta: { step: 400 } });
  });

  it('two connections (two tabs) saving two runs at once: both kept whole', async () => {
    const { name, a } = fresh();
    const b = new Autosaver(idbStore(name)!, null);
    const [x, y] = [newRunId(), newRunId()];
    await Promise.all([a.save(x, bytes(11), meta(181, 111)), b.save(y, bytes(22), meta(176, 222)), a.save(x, bytes(12), meta(190, 111)), b.save(y, bytes(23), meta(185, 222))]);
    const list = await a.list();
    expect(list.runs.map((r) => [r.meta.seed, r.meta.step]).sort()).toEqual([
      [111, 190],
      [222, 185],
    ]);
    expect(Array.from((await b.load(x)).bytes)).toEqual(Array.from(bytes(12)));
    expect(Array.from((await a.load(y)).bytes)).toEqual(Array.from(bytes(23)));
  });

  it('a full storage prunes the older autosaves and saves; still full: StorageFullError, the newest kept', async () => {
    const { a } = fresh();
    const id = newRunId();
    await a.save(id, bytes(1, 100), meta(100));
    await a.save(id, bytes(2, 100), meta(200));
    let full = 1; // how many checkpoint puts fail with QuotaExceededError
    const put = IDBObjectStore.prototype.put;
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      if (String(args[1]).startsWith('ckpt:') && full > 0) {
        full--;
        throw quota();
      }
      return put.apply(this, args);
    });
    const p = await a.save(id, bytes(3, 100), meta(300));
    // checkpoint 1 (the older) was pruned to make room; the one before the new is still the fallback.
    expect(p).toMatchObject({ current: `ckpt:${id}:3`, previous: `ckpt:${id}:2` });
    full = 2;
    const err = await a.save(id, bytes(4, 100), meta(400)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageFullError);
    expect((err as Error).message).toMatch(/^The autosave failed: this browser's storage for the app is full/);
    expect((await a.load(id)).meta.step).toBe(300);
    expect((await a.list()).runs[0].hasPrevious).toBe(false);
  });
});

describe('model files too large to run here (storage/modelFit.ts)', () => {
  /** 15 one-channel levels that grow the map to 252 x 252, then 1,024 channels: about 1 MB of weights, 14.7 billion multiply-adds. */
  const HUGE: ModelSpec = {
    input: { channels: 1, height: 28, width: 28 },
    levels: [...Array.from({ length: 15 }, () => ({ kernel: 15, channels: 1, pad: 14, pool: false })), { kernel: 15, channels: 1024, pad: 14, pool: false }],
    readout: 'gap',
    classes: 10,
  };
  /** Fits a GPU with room to spare, but 2.1 billion multiply-adds an image is too much for the CPU engine. */
  const WIDE: ModelSpec = {
    input: { channels: 1, height: 28, width: 28 },
    levels: [
      { kernel: 5, channels: 256, pad: 4, pool: false },
      { kernel: 5, channels: 256, pad: 4, pool: false },
    ],
    readout: 'gap',
    classes: 10,
  };
  /** WebGPU's default limits, and SwiftShader's (1 GiB buffers). */
  const DEFAULT = { maxStorageBufferBindingSize: 128 * 2 ** 20, maxBufferSize: 256 * 2 ** 20, maxComputeWorkgroupsPerDimension: 65535, maxComputeInvocationsPerWorkgroup: 256, maxComputeWorkgroupSizeX: 256 };
  const SWIFTSHADER = { ...DEFAULT, maxStorageBufferBindingSize: 2 ** 30, maxBufferSize: 2 ** 30 };

  it('every preset runs on the GPU and on the CPU engine', () => {
    for (const name of PRESET_NAMES) {
      expect(fitProblem(PRESETS[name], DEFAULT), name).toBeNull();
      expect(fitProblem(PRESETS[name], null), name).toBeNull();
      const c = modelCost(PRESETS[name]);
      expect(c.macs, name).toBeLessThan(CPU_MAX_MACS / 10);
      expect(c.gpuBytes, name).toBeLessThan(GPU_MAX_BYTES / 100);
    }
    expect(modelCost(PRESETS['drmm-mnist']).macs).toBe(13_501_696);
  });

  it('an architecture over every limit is refused with each limit named', () => {
    const c = modelCost(HUGE);
    expect(c.macs).toBe(14_709_829_840);
    expect(c.gpuBytes).toBeGreaterThan(GPU_MAX_BYTES);
    // SwiftShader's buffers hold one image's largest map (260 MB), but all of them are over the app's budget.
    expect(fitProblem(HUGE, SWIFTSHADER)).toBe(
      "this architecture is too large to run here: on the GPU, one image's buffers need 2,741.6 MiB, above the app's limit of 1,024 MiB; " +
        'and on the CPU engine, one image needs 14.7 billion multiply-adds, above its limit of 200 million',
    );
    // With the default limits, the device's own limit on one buffer decides first.
    expect(fitProblem(HUGE, DEFAULT)).toMatch(/^this architecture is too large to run here: on the GPU: one image needs a 248\.1 MiB buffer \(level16\.r\), above this GPU's limit of 128\.0 MiB a buffer; and on the CPU engine/);
    expect(fitProblem(HUGE, null)).toBe('this architecture is too large to run here: on the CPU engine, one image needs 14.7 billion multiply-adds, above its limit of 200 million');
  });

  it('a model the GPU takes but the CPU engine does not: loaded with a device, refused without', () => {
    expect(fitProblem(WIDE, SWIFTSHADER)).toBeNull();
    expect(fitProblem(WIDE, null)).toMatch(/on the CPU engine, one image needs 2\.1 billion multiply-adds, above its limit of 200 million$/);
    // One that misses the device's limits but fits the CPU engine falls back to it (engineHost.ts): not refused.
    const tiny = { ...DEFAULT, maxComputeInvocationsPerWorkgroup: 32 };
    expect(gpuProblem(PRESETS['drmm-compact'], tiny)).toBe('on the GPU: this GPU allows 32 invocations a workgroup; the kernels need 64');
    expect(fitProblem(PRESETS['drmm-compact'], tiny)).toBeNull();
  });

  it('reads the architecture from the header alone: a file whose tensors are cut off still tells it', () => {
    const bytes = writeModelFile({ spec: HUGE, params: initParams(HUGE, 1) });
    expect(peekArchitecture(bytes)).toEqual(HUGE);
    expect(peekArchitecture(bytes.subarray(0, bytes.length - 100_000))).toEqual(HUGE);
    expect(peekArchitecture(new Uint8Array([1, 2, 3]))).toBeNull();
    expect(peekArchitecture(new TextEncoder().encode('DRMMODEL' + 'x'.repeat(100)))).toBeNull();
  });

  it('loading such a file shows the refusal before reading its tensors, and keeps the model in use', async () => {
    const { store, controller } = cpuController();
    expect(await controller.choosePreset('drmm-compact', 1)).toBe(true);
    const version = store.getState().modelVersion;
    const bytes = writeModelFile({ spec: HUGE, params: initParams(HUGE, 1) });
    // Cut short: the full reader would say "truncated"; the size check answers first.
    const file = new File([bytes.subarray(0, bytes.length - 1000)], 'huge.drmm');
    expect(await controller.loadModelFile(file)).toBe(false);
    expect(store.getState().modelError).toBe(
      'huge.drmm: this architecture is too large to run here: on the CPU engine, one image needs 14.7 billion multiply-adds, above its limit of 200 million. ' +
        'The model was not loaded; the previous model is still in use.',
    );
    expect(store.getState().modelVersion).toBe(version);
    expect(store.getState().presetName).toBe('drmm-compact');
  });
});
