/**
 * The user's saved models, in IndexedDB: they survive reloads and browser restarts, and nothing
 * but the user deletes them (a full storage prunes old training autosaves, never these).
 *
 * Atomic writes: a model's bytes go under a new blob key in one transaction; a second transaction
 * then adds the entry that names that blob (the "pointer"). A crash, a closed tab or a full disk
 * between or inside the two leaves every earlier entry and its bytes as they were; at worst an
 * unnamed blob is left, which the next write sweeps away. Deleting removes entry and blob in one
 * transaction.
 *
 * Everything read back is checked (validate.ts) before it is used or shown: an entry that fails
 * (another version of the app wrote it, or anything else did) is listed by `scan` as broken, with
 * the reason, and can be deleted, while the other models stay usable.
 */
import { StorageFullError, isQuotaError } from './quota';
import { Invalid, at, attempt, bytes as bytesCheck, int, keyText, nullable, num, record, text, type Check } from './validate';

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

/** A stored entry that failed its check: shown with the reason, deleted by `deleteBroken`. */
export interface BrokenEntry {
  /** The entry's key in the store (any IndexedDB key: it may not be a string). */
  key: IDBValidKey;
  /** The key, or the entry's name where it has a readable one, as text. */
  label: string;
  reason: string;
}

export const LIBRARY_DB = 'drmm-models';
const ENTRIES = 'entries';
const BLOBS = 'blobs';
export const MAX_NAME = 80;
export const MAX_SUMMARY = 1000;

/** An entry as read back from the store (its key must be its id). */
export const savedModelEntry: Check<SavedModelEntry> = (v, path) => {
  const o = record(v, path);
  const blob = at(o, 'blob', text(200, 1), path);
  if (!blob.startsWith('blob-')) throw new Invalid(`${path}.blob`, `is ${JSON.stringify(blob.slice(0, 40))}, not a key of the stored bytes`);
  return {
    id: at(o, 'id', text(200, 1), path),
    name: at(o, 'name', text(MAX_NAME, 1), path),
    savedAt: at(o, 'savedAt', num(0, 8.64e15), path),
    size: at(o, 'size', int(0, 2 ** 40), path),
    preset: at(o, 'preset', nullable(text(100)), path),
    summary: at(o, 'summary', text(MAX_SUMMARY), path),
    blob,
  };
};

/** Newest first, then by name. */
const byDate = (a: SavedModelEntry, b: SavedModelEntry) => b.savedAt - a.savedAt || a.name.localeCompare(b.name);

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

  /** Every saved model that passes its check, newest first (`scan` also names the others). */
  async list(): Promise<SavedModelEntry[]> {
    return (await this.scan()).entries;
  }

  /** Every entry: those that pass their check, newest first, and those that do not, with the reason. */
  async scan(): Promise<{ entries: SavedModelEntry[]; broken: BrokenEntry[] }> {
    const db = await this.db();
    const rows = await inTransaction(db, [ENTRIES], 'readonly', async (t) => {
      const s = t.objectStore(ENTRIES);
      const [keys, values] = await Promise.all([req(s.getAllKeys()), req(s.getAll())]);
      return keys.map((key, i) => ({ key, value: values[i] as unknown }));
    });
    const entries: SavedModelEntry[] = [];
    const broken: BrokenEntry[] = [];
    for (const { key, value } of rows) {
      const got = attempt(savedModelEntry, value, 'entry');
      if (got.ok && got.value.id === key) entries.push(got.value);
      else broken.push({ key, label: brokenLabel(key, value), reason: got.ok ? `entry.id is ${JSON.stringify(got.value.id)}, not the key it is stored under` : got.reason });
    }
    return { entries: entries.sort(byDate), broken };
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
        const names = namesOf(await req(s.getAll()));
        const entry: SavedModelEntry = { id: newId(), name: uniqueName(base, names), savedAt: Date.now(), size: copy.byteLength, preset: info.preset, summary: info.summary, blob };
        await req(s.add(entry));
        return entry;
      });
    } catch (e) {
      await this.dropBlob(blob);
      throw isQuotaError(e) ? new StorageFullError(`Could not save "${base}"`, e) : e;
    }
  }

  /** The saved model's bytes (entry and bytes checked). */
  async load(id: string): Promise<{ entry: SavedModelEntry; bytes: Uint8Array }> {
    const db = await this.db();
    return inTransaction(db, [ENTRIES, BLOBS], 'readonly', async (t) => {
      const raw: unknown = await req(t.objectStore(ENTRIES).get(id));
      if (raw === undefined) throw new Error('that saved model no longer exists (deleted in another tab?)');
      const got = attempt(savedModelEntry, raw, 'entry');
      if (!got.ok) throw new Error(`that saved model's entry is damaged: ${got.reason}`);
      const entry = got.value;
      const b = attempt(bytesCheck, await req(t.objectStore(BLOBS).get(entry.blob)), 'bytes');
      if (!b.ok) throw new Error(`the bytes of "${entry.name}" are missing or damaged in the browser's storage (${b.reason})`);
      return { entry, bytes: b.value };
    });
  }

  /** Deletes the entry and its bytes in one transaction. */
  async delete(id: string): Promise<void> {
    const db = await this.db();
    await inTransaction(db, [ENTRIES, BLOBS], 'readwrite', async (t) => {
      const raw: unknown = await req(t.objectStore(ENTRIES).get(id));
      if (raw === undefined) return;
      await req(t.objectStore(ENTRIES).delete(id));
      const blob = blobOf(raw);
      if (blob !== null) await req(t.objectStore(BLOBS).delete(blob));
    });
  }

  /**
   * Deletes an entry that failed its check (by its key, whatever its type), with its bytes when it
   * names a blob no other entry uses.
   */
  async deleteBroken(key: IDBValidKey): Promise<void> {
    const db = await this.db();
    await inTransaction(db, [ENTRIES, BLOBS], 'readwrite', async (t) => {
      const s = t.objectStore(ENTRIES);
      const raw: unknown = await req(s.get(key));
      await req(s.delete(key));
      const blob = raw === undefined ? null : blobOf(raw);
      if (blob === null) return;
      const others = (await req(s.getAll())).map((v: unknown) => blobOf(v));
      if (!others.includes(blob)) await req(t.objectStore(BLOBS).delete(blob));
    });
  }

  /** Deletes blobs that no entry names (left by an interrupted save); resolves how many. */
  async sweep(): Promise<number> {
    const db = await this.db();
    return inTransaction(db, [ENTRIES, BLOBS], 'readwrite', async (t) => {
      // Any entry's blob counts as used, a broken entry's too: the user may still want to see it deleted by its own action.
      const used = new Set((await req(t.objectStore(ENTRIES).getAll())).map((v: unknown) => blobOf(v)));
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

/** The blob key an entry names, or null (for an entry that fails its check too, as far as it can be read). */
function blobOf(v: unknown): string | null {
  const got = attempt((x, p) => at(record(x, p), 'blob', text(200, 1), p), v, 'entry');
  return got.ok ? got.value : null;
}

/** The names of the entries that have one (for making a new name unique). */
function namesOf(values: unknown[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    const got = attempt((x, p) => at(record(x, p), 'name', text(10_000), p), v, 'entry');
    if (got.ok) out.push(got.value);
  }
  return out;
}

/** A broken entry's label: its name where it has a readable one, else its key. */
function brokenLabel(key: IDBValidKey, v: unknown): string {
  const got = attempt((x, p) => at(record(x, p), 'name', text(MAX_NAME, 1), p), v, 'entry');
  return got.ok ? `"${got.value}" (${keyText(key)})` : keyText(key);
}
