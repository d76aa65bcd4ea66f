/**
 * The user's saved models, in IndexedDB: they survive reloads and browser restarts, and nothing
 * but the user deletes them (a full storage prunes old training autosaves, never these).
 *
 * Atomic writes: a model's bytes go under a new blob key in one transaction; a second transaction
 * then adds the entry that names that blob (the "pointer"). A crash, a closed tab or a full disk
 * between or inside the two leaves every earlier entry and its bytes as they were; at worst an
 * unnamed blob is left, which the next write sweeps away. Deleting removes entry and blob in one
 * transaction.
 */
import { StorageFullError, isQuotaError } from './quota';

export interface SavedModelEntry {
  id: string;
  /** Unique among saved models (a clash gets " (2)", " (3)", ...). */
  name: string;
  /** ms since 1970. */
  savedAt: number;
  size: number;
  preset: string | null;
  /** One line: the architecture and where the weights came from. */
  summary: string;
  /** Key of the bytes in the blobs store. */
  blob: string;
}

export const LIBRARY_DB = 'drmm-models';
const ENTRIES = 'entries';
const BLOBS = 'blobs';
export const MAX_NAME = 80;

function req<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

/** Runs fn in one transaction and resolves with its result once the transaction has committed. */
export async function inTransaction<T>(db: IDBDatabase, stores: string[], mode: IDBTransactionMode, fn: (t: IDBTransaction) => Promise<T>): Promise<T> {
  const t = db.transaction(stores, mode);
  const done = new Promise<void>((resolve, reject) => {
    t.oncomplete = () => resolve();
    t.onerror = () => reject(t.error ?? new Error('IndexedDB transaction failed'));
    t.onabort = () => reject(t.error ?? new DOMException('IndexedDB transaction aborted', 'AbortError'));
  });
  done.catch(() => undefined);
  let result: T;
  try {
    result = await fn(t);
  } catch (e) {
    try {
      t.abort();
    } catch {
      /* already finished */
    }
    await done.catch(() => undefined);
    throw e;
  }
  await done;
  return result;
}

/** A name that is not taken: the name itself, else "name (2)", "name (3)", ... */
export function uniqueName(name: string, taken: Iterable<string>): string {
  const set = new Set(taken);
  if (!set.has(name)) return name;
  for (let i = 2; ; i++) if (!set.has(`${name} (${i})`)) return `${name} (${i})`;
}

/** The name as stored: trimmed, control characters removed, at most MAX_NAME characters; throws when empty. */
export function cleanName(raw: string): string {
  // eslint-disable-next-line no-control-regex
  const name = raw.replace(/[\u0000-\u001f\u007f]/g, ' ').trim().slice(0, MAX_NAME).trim();
  if (!name) throw new Error('Give the model a name.');
  return name;
}

function newId(): string {
  const c = globalThis.crypto as Crypto | undefined;
  return c?.randomUUID ? c.randomUUID() : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

export interface LibraryOptions {
  factory?: IDBFactory;
  dbName?: string;
  /** Frees space after a QuotaExceededError (older training autosaves); resolves how many records went. */
  pruneAutosaves?: () => Promise<number>;
}

export class ModelLibrary {
  private dbp: Promise<IDBDatabase> | null = null;
  private readonly factory: IDBFactory;
  private readonly dbName: string;

  constructor(private readonly opts: LibraryOptions = {}) {
    const f = opts.factory ?? (typeof indexedDB !== 'undefined' ? indexedDB : undefined);
    if (!f) throw new Error('This browser has no IndexedDB, so models cannot be saved in it (download them as files instead).');
    this.factory = f;
    this.dbName = opts.dbName ?? LIBRARY_DB;
  }

  private db(): Promise<IDBDatabase> {
    this.dbp ??= new Promise<IDBDatabase>((resolve, reject) => {
      const open = this.factory.open(this.dbName, 1);
      open.onupgradeneeded = () => {
        const db = open.result;
        if (!db.objectStoreNames.contains(ENTRIES)) db.createObjectStore(ENTRIES, { keyPath: 'id' });
        if (!db.objectStoreNames.contains(BLOBS)) db.createObjectStore(BLOBS);
      };
      open.onsuccess = () => {
        // Another tab upgrading the database: let it, and reopen on the next call.
        open.result.onversionchange = () => {
          open.result.close();
          this.dbp = null;
        };
        resolve(open.result);
      };
      open.onerror = () => reject(open.error ?? new Error('IndexedDB could not be opened'));
      open.onblocked = () => reject(new Error('the saved models are locked by another tab of this app; close it and try again'));
    });
    this.dbp.catch(() => (this.dbp = null));
    return this.dbp;
  }

  /** Every saved model, newest first. */
  async list(): Promise<SavedModelEntry[]> {
    const db = await this.db();
    const all = await inTransaction(db, [ENTRIES], 'readonly', (t) => req(t.objectStore(ENTRIES).getAll() as IDBRequest<SavedModelEntry[]>));
    return all.sort((a, b) => b.savedAt - a.savedAt || a.name.localeCompare(b.name));
  }

  /**
   * Saves bytes under `name` (made unique): the blob first, then the entry that names it. On a
   * full storage, older autosaves are pruned and the write is tried once more; then StorageFullError.
   */
  async save(rawName: string, bytes: Uint8Array, info: { preset: string | null; summary: string }): Promise<SavedModelEntry> {
    const base = cleanName(rawName);
    const db = await this.db();
    const blob = `blob-${newId()}`;
    const copy = bytes.slice();
    const writeBlob = () => inTransaction(db, [BLOBS], 'readwrite', async (t) => void (await req(t.objectStore(BLOBS).put(copy, blob))));
    try {
      await writeBlob();
    } catch (e) {
      if (!isQuotaError(e)) throw e;
      const pruned = this.opts.pruneAutosaves ? await this.opts.pruneAutosaves().catch(() => 0) : 0;
      await this.sweep().catch(() => undefined);
      void pruned; // retried whatever was pruned: the sweep or the browser may have freed space too
      try {
        await writeBlob();
      } catch (e2) {
        throw isQuotaError(e2) ? new StorageFullError(`Could not save "${base}"`, e2) : e2;
      }
    }
    // The switch: one transaction adds the entry (the name is made unique inside it).
    try {
      return await inTransaction(db, [ENTRIES], 'readwrite', async (t) => {
        const s = t.objectStore(ENTRIES);
        const names = ((await req(s.getAll())) as SavedModelEntry[]).map((x) => x.name);
        const entry: SavedModelEntry = { id: newId(), name: uniqueName(base, names), savedAt: Date.now(), size: copy.byteLength, preset: info.preset, summary: info.summary, blob };
        await req(s.add(entry));
        return entry;
      });
    } catch (e) {
      await this.dropBlob(blob);
      throw isQuotaError(e) ? new StorageFullError(`Could not save "${base}"`, e) : e;
    }
  }

  /** The saved model's bytes. */
  async load(id: string): Promise<{ entry: SavedModelEntry; bytes: Uint8Array }> {
    const db = await this.db();
    return inTransaction(db, [ENTRIES, BLOBS], 'readonly', async (t) => {
      const entry = (await req(t.objectStore(ENTRIES).get(id))) as SavedModelEntry | undefined;
      if (!entry) throw new Error('that saved model no longer exists (deleted in another tab?)');
      const bytes = await req(t.objectStore(BLOBS).get(entry.blob));
      if (!(bytes instanceof Uint8Array)) throw new Error(`the bytes of "${entry.name}" are missing from the browser's storage`);
      return { entry, bytes };
    });
  }

  /** Deletes the entry and its bytes in one transaction. */
  async delete(id: string): Promise<void> {
    const db = await this.db();
    await inTransaction(db, [ENTRIES, BLOBS], 'readwrite', async (t) => {
      const entry = (await req(t.objectStore(ENTRIES).get(id))) as SavedModelEntry | undefined;
      if (!entry) return;
      await req(t.objectStore(ENTRIES).delete(id));
      await req(t.objectStore(BLOBS).delete(entry.blob));
    });
  }

  /** Deletes blobs that no entry names (left by an interrupted save); resolves how many. */
  async sweep(): Promise<number> {
    const db = await this.db();
    return inTransaction(db, [ENTRIES, BLOBS], 'readwrite', async (t) => {
      const used = new Set(((await req(t.objectStore(ENTRIES).getAll())) as SavedModelEntry[]).map((e) => e.blob));
      const keys = (await req(t.objectStore(BLOBS).getAllKeys())).map(String);
      let n = 0;
      for (const k of keys)
        if (!used.has(k)) {
          await req(t.objectStore(BLOBS).delete(k));
          n++;
        }
      return n;
    });
  }

  /** The blob keys present (for tests). */
  async blobKeys(): Promise<string[]> {
    const db = await this.db();
    return inTransaction(db, [BLOBS], 'readonly', async (t) => (await req(t.objectStore(BLOBS).getAllKeys())).map(String));
  }

  private async dropBlob(key: string): Promise<void> {
    const db = await this.db();
    await inTransaction(db, [BLOBS], 'readwrite', async (t) => void (await req(t.objectStore(BLOBS).delete(key)))).catch(() => undefined);
  }

  close(): void {
    void this.dbp?.then((db) => db.close()).catch(() => undefined);
    this.dbp = null;
  }
}
