/**
 * Autosaved training checkpoints in IndexedDB, written atomically: the checkpoint goes under a
 * new key first, and only then the pointer record is swapped to it (keeping the previous one as
 * a fallback). A crash or a closed tab between the two writes leaves the old pointer, and with it
 * a complete checkpoint. The logic runs over a tiny key-value interface so the tests can use a
 * fake store (tests/unit/trainAutosave.test.ts); `idbStore` is the browser's.
 *
 * A full storage (QuotaExceededError) prunes the older autosave and tries once more, then
 * reports StorageFullError; the user's saved models (storage/library.ts) are never touched.
 */
import { StorageFullError, isQuotaError } from '../storage/quota';

export interface KvStore {
  get(key: string): Promise<unknown>;
  put(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<void>;
  keys(): Promise<string[]>;
}

/** What the resume offer shows, kept in the pointer record so it needs no checkpoint read. */
export interface AutosaveMeta {
  preset: string | null;
  mode: string;
  labelled: number | null;
  seed: number;
  batchSize: number;
  epoch: number;
  stepInEpoch: number;
  step: number;
  /** ms since 1970. */
  savedAt: number;
}

export interface Pointer {
  current: string;
  previous: string | null;
  seq: number;
  meta: AutosaveMeta;
  previousMeta: AutosaveMeta | null;
}

interface Record {
  bytes: Uint8Array;
  meta: AutosaveMeta;
}

export const POINTER_KEY = 'pointer';
const PREFIX = 'checkpoint-';

function isPointer(v: unknown): v is Pointer {
  const p = v as Pointer | null;
  return !!p && typeof p === 'object' && typeof p.current === 'string' && typeof p.seq === 'number' && !!p.meta;
}

function isRecord(v: unknown): v is Record {
  const r = v as Record | null;
  return !!r && typeof r === 'object' && r.bytes instanceof Uint8Array && !!r.meta;
}

export class Autosaver {
  constructor(private readonly kv: KvStore) {}

  async pointer(): Promise<Pointer | null> {
    const p = await this.kv.get(POINTER_KEY);
    return isPointer(p) ? p : null;
  }

  /** Writes the checkpoint under a new key, swaps the pointer to it, then drops every older one but the previous. */
  async save(bytes: Uint8Array, meta: AutosaveMeta): Promise<Pointer> {
    let old = await this.pointer();
    const seq = (old?.seq ?? 0) + 1;
    const key = `${PREFIX}${seq}`;
    const record = { bytes: bytes.slice(), meta } satisfies Record;
    try {
      await this.kv.put(key, record);
    } catch (e) {
      if (!isQuotaError(e)) throw e;
      // Full: drop the older autosave (and any half-written one), keep the current, try once more.
      await this.kv.delete(key).catch(() => undefined);
      await this.pruneOlder();
      old = await this.pointer();
      try {
        await this.kv.put(key, record);
      } catch (e2) {
        throw isQuotaError(e2) ? new StorageFullError('The autosave failed', e2) : e2;
      }
    }
    const next: Pointer = { current: key, previous: old?.current ?? null, seq, meta, previousMeta: old?.meta ?? null };
    await this.kv.put(POINTER_KEY, next);
    await this.sweep(next);
    return next;
  }

  /** Deletes checkpoints the pointer does not name (left by an interrupted save or by the swap); resolves how many. */
  private async sweep(p: Pointer | null): Promise<number> {
    const keep = new Set([p?.current, p?.previous].filter(Boolean));
    let n = 0;
    for (const k of await this.kv.keys())
      if (k.startsWith(PREFIX) && !keep.has(k)) {
        await this.kv.delete(k);
        n++;
      }
    return n;
  }

  /** Frees space: every autosave but the current one goes (the pointer first forgets the previous). Resolves how many. */
  async pruneOlder(): Promise<number> {
    const p = await this.pointer();
    if (p?.previous) await this.kv.put(POINTER_KEY, { ...p, previous: null, previousMeta: null } satisfies Pointer);
    return this.sweep(p ? { ...p, previous: null } : null);
  }

  /**
   * The newest checkpoint that reads back and passes `validate` (e.g. parsing the model file):
   * the current one, else the previous one. Null when there is none.
   */
  async load(validate: (bytes: Uint8Array) => void = () => {}): Promise<{ bytes: Uint8Array; meta: AutosaveMeta; which: 'current' | 'previous'; problem: string | null } | null> {
    const p = await this.pointer();
    if (!p) return null;
    let problem: string | null = null;
    for (const [which, key] of [['current', p.current], ['previous', p.previous]] as const) {
      if (!key) continue;
      const r = await this.kv.get(key);
      if (!isRecord(r)) {
        problem = `the ${which} autosave (${key}) is missing`;
        continue;
      }
      try {
        validate(r.bytes);
      } catch (e) {
        problem = `the ${which} autosave (${key}) is unreadable: ${e instanceof Error ? e.message : String(e)}`;
        continue;
      }
      return { bytes: r.bytes, meta: r.meta, which, problem };
    }
    return null;
  }

  /** Forgets every autosave. */
  async discard(): Promise<void> {
    await this.kv.delete(POINTER_KEY);
    await this.sweep(null);
  }
}

// ---------------------------------------------------------------------------------------------
// IndexedDB

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

/** A KvStore over one IndexedDB object store (each operation its own transaction, awaited to completion). */
export function idbStore(dbName = 'drmm-training', storeName = 'autosave'): KvStore | null {
  if (typeof indexedDB === 'undefined') return null;
  let dbp: Promise<IDBDatabase> | null = null;
  const db = () => {
    dbp ??= new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open(dbName, 1);
      open.onupgradeneeded = () => {
        if (!open.result.objectStoreNames.contains(storeName)) open.result.createObjectStore(storeName);
      };
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error ?? new Error('IndexedDB could not be opened'));
      open.onblocked = () => reject(new Error('IndexedDB is blocked by another tab'));
    });
    dbp.catch(() => (dbp = null));
    return dbp;
  };
  const tx = async <T>(mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> => {
    const t = (await db()).transaction(storeName, mode);
    const result = request(fn(t.objectStore(storeName)));
    result.catch(() => undefined); // reported through the transaction's error below
    await new Promise<void>((resolve, reject) => {
      t.oncomplete = () => resolve();
      t.onerror = () => reject(t.error ?? new Error('IndexedDB transaction failed'));
      t.onabort = () => reject(t.error ?? new Error('IndexedDB transaction aborted'));
    });
    return result;
  };
  return {
    get: (key) => tx('readonly', (s) => s.get(key)),
    put: async (key, value) => {
      await tx('readwrite', (s) => s.put(value, key));
    },
    delete: async (key) => {
      await tx('readwrite', (s) => s.delete(key));
    },
    keys: async () => (await tx('readonly', (s) => s.getAllKeys())).map(String),
  };
}
