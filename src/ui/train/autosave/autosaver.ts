/**
 * The training autosave: every run under its own id, any number of runs, any number of tabs.
 *
 * - `save(runId, bytes, meta)`: one transaction reads the run's pointer, writes the new checkpoint
 *   under a new key, points the run at it (the checkpoint before it stays as the fallback) and
 *   deletes the run's older checkpoints. A crash or a full disk anywhere in it leaves the run as it
 *   was; two saves can never pair one save's checkpoint with another's metadata. Saves of one run
 *   are queued in the tab, and the run is claimed for the tab first (locks.ts), so no other tab
 *   writes it. A full storage (QuotaExceededError) prunes every run's fallback checkpoint (each
 *   run keeps its newest) and tries once more, then throws StorageFullError: the run was not
 *   saved, and its newest complete autosave is as it was.
 * - `list()`: every run with its metadata (model, mode, seed, step, when), whether another tab is
 *   training it, and every record that fails its check, named with the reason, so it can be
 *   deleted while the rest stays usable.
 * - `load(runId, validate)`: the newest checkpoint of the run that reads back, passes the record
 *   checks and `validate` (e.g. parsing the model file): the current one, else the fallback.
 * - `discard(runId)`, `discardBroken(entry)`: delete a run with its checkpoints, or a bad record.
 *
 * Autosaves made before runs had ids (one `pointer` for the browser) are moved to a run of their
 * own the first time the list is read.
 */
import { StorageFullError, isQuotaError } from '../../storage/quota';
import { attempt, keyText } from '../../storage/validate';
import { RunLocks, browserLocks, type LockManagerLike } from './locks';
import {
  CKPT_PREFIX,
  LEGACY_POINTER,
  LEGACY_PREFIX,
  RUN_FORMAT,
  RUN_ID,
  RUN_PREFIX,
  checkpointRecord,
  ckptKey,
  ckptPrefix,
  legacyCheckpoint,
  legacyPointer,
  runIdOfCkpt,
  runKey,
  runRecord,
  type AutosaveMeta,
  type CheckpointRecord,
  type RunRecord,
} from './records';
import { kvDb, type AutosaveDb, type KvStore } from './store';

/** A run the resume offer lists. */
export interface AutosaveSummary {
  runId: string;
  meta: AutosaveMeta;
  /** A fallback checkpoint exists. */
  hasPrevious: boolean;
  /** this-tab: trained in this tab; other-tab: another open tab holds it; null: free (or unknown). */
  openIn: 'this-tab' | 'other-tab' | null;
  /** Why the last attempt to load it failed, if it did. */
  problem: string | null;
}

/** A record that failed its check: shown with the reason, deleted by `discardBroken`. */
export interface BrokenAutosave {
  /** The record's key, as text. */
  label: string;
  reason: string;
  /** Every key that goes with it (a bad run record takes its checkpoints along). */
  keys: IDBValidKey[];
}

export interface AutosaveList {
  runs: AutosaveSummary[];
  broken: BrokenAutosave[];
  /** Whether other tabs' runs can be told apart (the Web Locks API is there). */
  crossTab: boolean;
}

export interface LoadedAutosave {
  bytes: Uint8Array;
  meta: AutosaveMeta;
  which: 'current' | 'previous';
  /** Why the current checkpoint was not used, when the previous one was. */
  problem: string | null;
}

const errText = (e: unknown) => (e instanceof Error ? e.message : String(e));

function isDb(x: KvStore | AutosaveDb): x is AutosaveDb {
  return 'transaction' in x;
}

const META_KEYS: readonly (keyof AutosaveMeta)[] = ['preset', 'mode', 'labelled', 'seed', 'batchSize', 'epoch', 'stepInEpoch', 'step', 'savedAt'];

function sameMeta(a: AutosaveMeta, b: AutosaveMeta): boolean {
  return META_KEYS.every((k) => a[k] === b[k]);
}

export class Autosaver {
  private readonly db: AutosaveDb;
  private readonly locks: RunLocks;
  /** Runs whose last load failed, and why (shown in the list until the run is saved or discarded). */
  private readonly problems = new Map<string, string>();

  /**
   * `store`: the IndexedDB store (store.ts: idbStore) or, in tests, any AutosaveDb or KvStore.
   * `locks`: the Web Locks API (default: the browser's; null: claims within this tab only).
   */
  constructor(store: AutosaveDb | KvStore, locks?: LockManagerLike | null) {
    this.db = isDb(store) ? store : kvDb(store);
    this.locks = new RunLocks(locks === undefined ? browserLocks() : locks, this.db.name);
  }

  // -------------------------------------------------------------------------------------------
  // claims

  /** Claims run `runId` for this tab (before resuming it); false when another tab holds it. */
  claim(runId: string): Promise<boolean> {
    return this.locks.claim(runId);
  }

  /** Lets the run go: this tab no longer trains it (it stays saved). */
  release(runId: string): void {
    this.locks.release(runId);
  }

  // -------------------------------------------------------------------------------------------
  // saving

  /** Saves a checkpoint of run `runId` (see the file's comment); resolves the run's new pointer. */
  save(runId: string, bytes: Uint8Array, meta: AutosaveMeta): Promise<RunRecord> {
    if (!RUN_ID.test(runId)) return Promise.reject(new Error(`not a run id: ${JSON.stringify(runId)}`));
    const copy = bytes.slice();
    return this.locks.serial(runId, async () => {
      if (!(await this.locks.claim(runId))) throw new Error('another tab is training this run and autosaving it; it was not saved here');
      let saved: RunRecord;
      try {
        saved = await this.write(runId, copy, meta);
      } catch (e) {
        if (!isQuotaError(e)) throw e;
        await this.pruneOlder().catch(() => 0);
        try {
          saved = await this.write(runId, copy, meta);
        } catch (e2) {
          throw isQuotaError(e2) ? new StorageFullError('The autosave failed', e2) : e2;
        }
      }
      this.problems.delete(runId);
      return saved;
    });
  }

  private write(runId: string, bytes: Uint8Array, meta: AutosaveMeta): Promise<RunRecord> {
    return this.db.transaction('readwrite', async (tx) => {
      const got = attempt(runRecord(runId), await tx.get(runKey(runId)), 'run');
      const old = got.ok ? got.value : null;
      const keys = (await tx.keys(ckptPrefix(runId))).filter((k): k is string => typeof k === 'string');
      // A new key past every key the run has, named by the pointer or not.
      let seq = old?.seq ?? 0;
      for (const k of keys) seq = Math.max(seq, Number(k.slice(ckptPrefix(runId).length)) || 0);
      seq += 1;
      const current = ckptKey(runId, seq);
      let previous: string | null = null;
      let previousMeta: AutosaveMeta | null = null;
      if (old && keys.includes(old.current)) [previous, previousMeta] = [old.current, old.meta];
      else if (old?.previous && keys.includes(old.previous)) [previous, previousMeta] = [old.previous, old.previousMeta];
      const rec: CheckpointRecord = { runId, seq, bytes, meta };
      await tx.put(current, rec);
      const next: RunRecord = { format: RUN_FORMAT, id: runId, seq, current, previous, meta, previousMeta };
      await tx.put(runKey(runId), next);
      for (const k of keys) if (k !== previous) await tx.delete(k);
      return next;
    });
  }

  /**
   * Frees space: every run's fallback checkpoint goes (each run keeps its newest), and so do
   * checkpoints no valid run names. Resolves how many records were deleted.
   */
  pruneOlder(): Promise<number> {
    return this.db.transaction('readwrite', async (tx) => {
      const keys = await tx.keys(CKPT_PREFIX);
      const keep = new Set<string>();
      let n = 0;
      for (const rk of await tx.keys(RUN_PREFIX)) {
        if (typeof rk !== 'string') continue;
        const id = rk.slice(RUN_PREFIX.length);
        const got = attempt(runRecord(id), await tx.get(rk), 'run');
        if (!got.ok) {
          // A bad record's checkpoints are left for the user to see and delete.
          for (const k of keys) if (typeof k === 'string' && runIdOfCkpt(k) === id) keep.add(k);
          continue;
        }
        keep.add(got.value.current);
        if (got.value.previous) await tx.put(rk, { ...got.value, previous: null, previousMeta: null } satisfies RunRecord);
      }
      for (const k of keys)
        if (typeof k === 'string' && !keep.has(k)) {
          await tx.delete(k);
          n++;
        }
      return n;
    });
  }

  // -------------------------------------------------------------------------------------------
  // reading

  /** Every run and every bad record (see the file's comment). */
  async list(): Promise<AutosaveList> {
    await this.migrateLegacy();
    const elsewhere = await this.locks.heldElsewhere();
    const { runs, broken } = await this.db.transaction('readonly', async (tx) => {
      const runs: AutosaveSummary[] = [];
      const broken: BrokenAutosave[] = [];
      const all = await tx.keys();
      const ckpts = new Set(all.filter((k): k is string => typeof k === 'string' && runIdOfCkpt(k) !== null));
      const named = new Set<string>();
      const brokenRuns = new Map<string, BrokenAutosave>();
      for (const k of all) {
        if (typeof k !== 'string') {
          broken.push({ label: keyText(k), reason: 'is not a record this app writes', keys: [k] });
          continue;
        }
        if (ckpts.has(k)) continue;
        if (k === LEGACY_POINTER) {
          // Left by migrateLegacy: the old pointer did not pass its check, or none of its checkpoints did.
          const got = attempt(legacyPointer, await tx.get(k), 'pointer');
          const keys: IDBValidKey[] = all.filter((x) => x === LEGACY_POINTER || (typeof x === 'string' && x.startsWith(LEGACY_PREFIX)));
          broken.push({ label: 'pointer (an autosave of an earlier version)', reason: got.ok ? 'none of its checkpoints can be read' : got.reason, keys });
          continue;
        }
        if (k.startsWith(LEGACY_PREFIX)) {
          if (!all.includes(LEGACY_POINTER)) broken.push({ label: k, reason: 'is a checkpoint of an earlier version whose pointer is missing', keys: [k] });
          continue;
        }
        if (!k.startsWith(RUN_PREFIX)) {
          broken.push({ label: keyText(k), reason: 'is not a record this app writes', keys: [k] });
          continue;
        }
        const id = k.slice(RUN_PREFIX.length);
        if (!RUN_ID.test(id)) {
          broken.push({ label: keyText(k), reason: 'is not a valid run id', keys: [k] });
          continue;
        }
        const got = attempt(runRecord(id), await tx.get(k), 'run');
        if (!got.ok) {
          const b = { label: `autosave ${id}`, reason: got.reason, keys: [k] };
          brokenRuns.set(id, b);
          broken.push(b);
          continue;
        }
        const r = got.value;
        const hasCurrent = ckpts.has(r.current);
        const hasPrevious = r.previous !== null && ckpts.has(r.previous);
        for (const c of ckpts) if (runIdOfCkpt(c) === id) named.add(c);
        if (!hasCurrent && !hasPrevious) {
          broken.push({ label: `autosave ${id}`, reason: `its checkpoint ${r.current} is missing`, keys: [k, ...[...ckpts].filter((c) => runIdOfCkpt(c) === id)] });
          continue;
        }
        const openIn = this.locks.owns(id) ? 'this-tab' : elsewhere?.has(id) ? 'other-tab' : null;
        runs.push({ runId: id, meta: r.meta, hasPrevious, openIn, problem: this.problems.get(id) ?? (hasCurrent ? null : `its newest checkpoint (${r.current}) is missing; the one before it will be used`) });
      }
      for (const c of ckpts) {
        if (named.has(c)) continue;
        const id = runIdOfCkpt(c)!;
        const b = brokenRuns.get(id);
        if (b) b.keys.push(c);
        else broken.push({ label: c, reason: 'is a checkpoint whose run record is missing', keys: [c] });
      }
      return { runs, broken };
    });
    runs.sort((a, b) => b.meta.savedAt - a.meta.savedAt || a.runId.localeCompare(b.runId));
    return { runs, broken, crossTab: this.locks.crossTab };
  }

  /** The newest checkpoint of the run that reads back and passes `validate`; throws with every reason when none does. */
  async load(runId: string, validate: (bytes: Uint8Array) => void = () => {}): Promise<LoadedAutosave> {
    try {
      const read = await this.db.transaction('readonly', async (tx) => {
        const raw = await tx.get(runKey(runId));
        if (raw === undefined) return { error: 'this autosave no longer exists (discarded in another tab?)' } as const;
        const got = attempt(runRecord(runId), raw, 'run');
        if (!got.ok) return { error: `the run record is damaged: ${got.reason}` } as const;
        const r = got.value;
        const cur = await tx.get(r.current);
        const prev = r.previous ? await tx.get(r.previous) : undefined;
        return { r, cur, prev } as const;
      });
      if ('error' in read) throw new Error(read.error);
      const { r } = read;
      const problems: string[] = [];
      const tries = [
        ['current', r.current, read.cur, r.meta],
        ['previous', r.previous, read.prev, r.previousMeta],
      ] as const;
      for (const [which, key, value, meta] of tries) {
        if (!key || !meta) continue;
        if (value === undefined) {
          problems.push(`the ${which} checkpoint (${key}) is missing`);
          continue;
        }
        const ck = attempt(checkpointRecord(runId, key), value, 'checkpoint');
        if (!ck.ok) {
          problems.push(`the ${which} checkpoint (${key}) is damaged: ${ck.reason}`);
          continue;
        }
        if (!sameMeta(ck.value.meta, meta)) {
          problems.push(`the ${which} checkpoint (${key}) does not match its run record (step ${ck.value.meta.step}, seed ${ck.value.meta.seed}, not step ${meta.step}, seed ${meta.seed})`);
          continue;
        }
        try {
          validate(ck.value.bytes);
        } catch (e) {
          problems.push(`the ${which} checkpoint (${key}) is unreadable: ${errText(e)}`);
          continue;
        }
        if (which === 'current') this.problems.delete(runId);
        return { bytes: ck.value.bytes, meta: ck.value.meta, which, problem: problems.length ? problems.join('; ') : null };
      }
      throw new Error(problems.length ? problems.join('; ') : 'it has no checkpoint');
    } catch (e) {
      this.problems.set(runId, errText(e));
      throw e;
    }
  }

  // -------------------------------------------------------------------------------------------
  // deleting

  /** Deletes run `runId` and its checkpoints; refused while another tab trains it. */
  async discard(runId: string): Promise<void> {
    if (!RUN_ID.test(runId)) throw new Error(`not a run id: ${JSON.stringify(runId)}`);
    if (!(await this.locks.claim(runId))) throw new Error('another tab is training this run; stop it there, or discard it there');
    try {
      await this.locks.serial(runId, () =>
        this.db.transaction('readwrite', async (tx) => {
          await tx.delete(runKey(runId));
          for (const k of await tx.keys(ckptPrefix(runId))) await tx.delete(k);
        }),
      );
      this.problems.delete(runId);
    } finally {
      this.locks.release(runId);
    }
  }

  /** Deletes a bad record (and the keys that go with it) as `list` reported it. */
  discardBroken(entry: Pick<BrokenAutosave, 'keys'>): Promise<void> {
    return this.db.transaction('readwrite', async (tx) => {
      for (const k of entry.keys) await tx.delete(k);
    });
  }

  // -------------------------------------------------------------------------------------------
  // format 1

  /** Moves an autosave of format 1 (one `pointer` for the browser) to a run of its own; a bad one is left for `list` to name. */
  private async migrateLegacy(): Promise<void> {
    const has = await this.db.transaction('readonly', async (tx) => (await tx.get(LEGACY_POINTER)) !== undefined);
    if (!has) return;
    await this.db.transaction('readwrite', async (tx) => {
      const got = attempt(legacyPointer, await tx.get(LEGACY_POINTER), 'pointer');
      if (!got.ok) return;
      const p = got.value;
      const id = `legacy-${Math.round(p.meta.savedAt)}-${p.seq}`;
      const moved: { seq: number; key: string; meta: AutosaveMeta }[] = [];
      for (const [key, meta] of [[p.previous, p.previousMeta], [p.current, p.meta]] as const) {
        if (!key || !meta) continue;
        const ck = attempt(legacyCheckpoint, await tx.get(key), key);
        if (!ck.ok) continue;
        const seq = Number(key.slice(LEGACY_PREFIX.length));
        const rec: CheckpointRecord = { runId: id, seq, bytes: ck.value.bytes, meta };
        await tx.put(ckptKey(id, seq), rec);
        moved.push({ seq, key: ckptKey(id, seq), meta });
      }
      if (moved.length === 0) return; // nothing readable: list names the old pointer
      const cur = moved[moved.length - 1];
      const prev = moved.length > 1 ? moved[0] : null;
      const rec: RunRecord = { format: RUN_FORMAT, id, seq: cur.seq, current: cur.key, previous: prev?.key ?? null, meta: cur.meta, previousMeta: prev?.meta ?? null };
      await tx.put(runKey(id), rec);
      await tx.delete(LEGACY_POINTER);
      for (const k of await tx.keys(LEGACY_PREFIX)) await tx.delete(k);
    });
  }
}

