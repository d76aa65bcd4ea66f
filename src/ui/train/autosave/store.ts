/**
 * Where autosaves are kept: a key-value store with transactions. In the browser it is one
 * IndexedDB object store (`drmm-training` / `autosave`); the tests use an in-memory store with
 * the same all-or-nothing commits (MemoryDb), or a plain KvStore.
 *
 * A transaction's function may await only the transaction's own operations (IndexedDB commits a
 * transaction as soon as it has no request pending), which is why the autosaver does its locking
 * and any other waiting outside `transaction`.
 */
import { inTransaction } from '../../storage/library';

/** One transaction's view of the store. */
export interface KvTx {
  get(key: IDBValidKey): Promise<unknown>;
  put(key: string, value: unknown): Promise<void>;
  delete(key: IDBValidKey): Promise<void>;
  /** Keys in order, all of them or those that start with `prefix`. Not only strings: anything may have written the store. */
  keys(prefix?: string): Promise<IDBValidKey[]>;
}

export interface AutosaveDb {
  /** Names the store in lock names: runs of one store share locks. */
  readonly name: string;
  /** Runs fn in one transaction: with 'readwrite', all its writes are committed together or none is. */
  transaction<T>(mode: 'readonly' | 'readwrite', fn: (tx: KvTx) => Promise<T>): Promise<T>;
}

/**
 * A store of single operations without transactions (what tests of the training session pass):
 * it is wrapped so each "transaction" runs its operations one by one. Fine for a Map in memory
 * that nothing else writes; not atomic.
 */
export interface KvStore {
  get(key: string): Promise<unknown>;
  put(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<void>;
  keys(): Promise<string[]>;
}

const strKey = (k: IDBValidKey): string | null => (typeof k === 'string' ? k : null);

/** An AutosaveDb over a KvStore (no atomicity: see KvStore). */
export function kvDb(kv: KvStore, name = 'memory'): AutosaveDb {
  const tx: KvTx = {
    get: (k) => {
      const s = strKey(k);
      return s === null ? Promise.resolve(undefined) : kv.get(s);
    },
    put: (k, v) => kv.put(k, v),
    delete: async (k) => {
      const s = strKey(k);
      if (s !== null) await kv.delete(s);
    },
    keys: async (prefix) => (await kv.keys()).filter((k) => !prefix || k.startsWith(prefix)).sort(),
  };
  return { name, transaction: (_mode, fn) => fn(tx) };
}

/**
 * An in-memory AutosaveDb with IndexedDB's commit rule: a transaction's writes are applied when
 * its function resolves, and dropped when it throws. `failWrite` (tests) throws from a put to
 * simulate a full disk or a crash inside a transaction.
 */
export class MemoryDb implements AutosaveDb {
  readonly map = new Map<string, unknown>();
  failWrite: ((key: string, value: unknown) => Error | null) | null = null;

  constructor(readonly name = 'memory') {}

  async transaction<T>(mode: 'readonly' | 'readwrite', fn: (tx: KvTx) => Promise<T>): Promise<T> {
    const writes = new Map<string, { value: unknown } | null>();
    const read = (k: string) => {
      const w = writes.get(k);
      return w === undefined ? this.map.get(k) : w?.value;
    };
    const tx: KvTx = {
      get: async (k) => {
        const s = strKey(k);
        return s === null ? undefined : structuredClone(read(s));
      },
      put: async (k, v) => {
        if (mode === 'readonly') throw new DOMException('read-only transaction', 'ReadOnlyError');
        const err = this.failWrite?.(k, v);
        if (err) throw err;
        writes.set(k, { value: structuredClone(v) });
      },
      delete: async (k) => {
        if (mode === 'readonly') throw new DOMException('read-only transaction', 'ReadOnlyError');
        const s = strKey(k);
        if (s !== null) writes.set(s, null);
      },
      keys: async (prefix) => {
        const all = new Set([...this.map.keys(), ...writes.keys()]);
        return [...all].filter((k) => read(k) !== undefined && (!prefix || k.startsWith(prefix))).sort();
      },
    };
    const out = await fn(tx);
    for (const [k, w] of writes) {
      if (w === null) this.map.delete(k);
      else this.map.set(k, w.value);
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// IndexedDB

export const AUTOSAVE_DB = 'drmm-training';
export const AUTOSAVE_STORE = 'autosave';

function req<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

/** The autosave's IndexedDB store; null where the browser has no IndexedDB. */
export function idbStore(dbName = AUTOSAVE_DB, storeName = AUTOSAVE_STORE, factory?: IDBFactory): AutosaveDb | null {
  const f = factory ?? (typeof indexedDB !== 'undefined' ? indexedDB : undefined);
  if (!f) return null;
  let dbp: Promise<IDBDatabase> | null = null;
  const db = () => {
    dbp ??= new Promise<IDBDatabase>((resolve, reject) => {
      const open = f.open(dbName, 1);
      open.onupgradeneeded = () => {
        if (!open.result.objectStoreNames.contains(storeName)) open.result.createObjectStore(storeName);
      };
      open.onsuccess = () => {
        // A later version opened in another tab: step aside and reopen on the next call.
        open.result.onversionchange = () => {
          open.result.close();
          dbp = null;
        };
        resolve(open.result);
      };
      open.onerror = () => reject(open.error ?? new Error('IndexedDB could not be opened'));
      open.onblocked = () => reject(new Error('the autosaves are locked by another tab of this app; close it and try again'));
    });
    dbp.catch(() => (dbp = null));
    return dbp;
  };
  return {
    name: `${dbName}/${storeName}`,
    transaction: async (mode, fn) =>
      inTransaction(await db(), [storeName], mode, (t) => {
        const s = t.objectStore(storeName);
        return fn({
          get: (k) => req(s.get(k)),
          put: async (k, v) => void (await req(s.put(v, k))),
          delete: async (k) => void (await req(s.delete(k))),
          keys: (prefix) => req(s.getAllKeys(prefix === undefined ? undefined : IDBKeyRange.bound(prefix, `${prefix}\uffff`))),
        });
      }),
  };
}
