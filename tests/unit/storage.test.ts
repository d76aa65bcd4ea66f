// Saved models and training autosaves in IndexedDB (fake-indexeddb, the real IDB semantics in
// memory): they survive closing and reopening the database; a transaction aborted midway (a crash,
// a closed tab) leaves the previous model or checkpoint readable; a full storage
// (QuotaExceededError) prunes older autosaves, never saved models, and says so.
import 'fake-indexeddb/auto';
import { IDBFactory, IDBObjectStore } from 'fake-indexeddb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ModelLibrary, cleanName, uniqueName } from '../../src/ui/storage/library';
import { StorageFullError, isQuotaError } from '../../src/ui/storage/quota';
import { Autosaver, idbStore, type AutosaveMeta } from '../../src/ui/train/autosave';

const bytes = (v: number, n = 16) => new Uint8Array(n).fill(v);
const info = { preset: 'drmm-compact', summary: 'test' };

function meta(step: number): AutosaveMeta {
  return { preset: 'drmm-compact', mode: 'supervised', labelled: null, seed: 1, batchSize: 8, epoch: 0, stepInEpoch: step, step, savedAt: 1000 + step };
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

describe('Autosaver over IndexedDB', () => {
  let n = 0;
  const fresh = () => {
    const kv = idbStore(`autosave-test-${++n}`)!;
    return { kv, a: new Autosaver(kv) };
  };

  it('survives a reopen; a pointer switch aborted midway leaves the previous checkpoint readable', async () => {
    const { a } = fresh();
    await a.save(bytes(1), meta(100));
    await a.save(bytes(2), meta(200));
    const again = new Autosaver(idbStore(`autosave-test-${n}`)!);
    expect((await again.load())?.meta.step).toBe(200);

    const put = IDBObjectStore.prototype.put;
    const spy = vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      const r = put.apply(this, args);
      if (args[1] === 'pointer') this.transaction.abort(); // the crash: between the checkpoint and the switch
      return r;
    });
    await expect(again.save(bytes(3), meta(300))).rejects.toThrow();
    spy.mockRestore();
    const got = await again.load((b) => {
      if (b[0] !== 2) throw new Error('not the last complete checkpoint');
    });
    expect(got).toMatchObject({ which: 'current', problem: null, meta: { step: 200 } });
    // The next save sweeps the half-written checkpoint-3 and goes on.
    const p = await again.save(bytes(4), meta(400));
    expect(p).toMatchObject({ previous: 'checkpoint-2', meta: { step: 400 } });
  });

  it('a full storage prunes the older autosave and saves; still full: StorageFullError, current kept', async () => {
    const { a } = fresh();
    await a.save(bytes(1, 100), meta(100));
    await a.save(bytes(2, 100), meta(200));
    let full = 1; // how many checkpoint puts fail with QuotaExceededError
    const put = IDBObjectStore.prototype.put;
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      if (String(args[1]).startsWith('checkpoint-') && full > 0) {
        full--;
        throw quota();
      }
      return put.apply(this, args);
    });
    const p = await a.save(bytes(3, 100), meta(300));
    // checkpoint-1 (the older) was pruned to make room; the one before the new is still the fallback.
    expect(p).toMatchObject({ current: 'checkpoint-3', previous: 'checkpoint-2' });
    full = 2;
    const err = await a.save(bytes(4, 100), meta(400)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageFullError);
    expect((err as Error).message).toMatch(/^The autosave failed: this browser's storage for the app is full/);
    const got = await a.load();
    expect(got?.meta.step).toBe(300);
    expect((await a.pointer())?.previous).toBeNull();
  });
});
