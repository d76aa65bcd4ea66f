/**
 * Autosaved training runs in IndexedDB: the public API (the code is in ./autosave/).
 *
 * Every in-page training run autosaves under its own id, and any number of runs (from any number
 * of tabs) are kept side by side:
 *
 *   const a = new Autosaver(idbStore()!);       // one per page (pageAutosaver() below)
 *   const id = newRunId();                       // a new run
 *   await a.save(id, bytes, meta);               // checkpoint + pointer in one transaction
 *   const { runs, broken } = await a.list();     // what the resume offer shows
 *   const got = await a.load(id, validate);      // newest checkpoint that reads back (else its fallback)
 *   if (await a.claim(id)) ...                   // resume it in this tab (false: another tab trains it)
 *   a.release(id);                               // this tab stops training it
 *   await a.discard(id);                         // delete a run; a.discardBroken(entry) a bad record
 *   await a.pruneOlder();                        // free space: every run's fallback checkpoint goes
 *
 * - One transaction writes a checkpoint and the pointer that names it, so a crash, a full disk or
 *   a concurrent save can never leave a pointer to half a checkpoint or pair one save's weights
 *   with another's metadata (autosave/autosaver.ts).
 * - One lock per run (the Web Locks API; within the tab where it is missing): a tab claims a run
 *   before it saves it, so two tabs never write one run (autosave/locks.ts).
 * - Everything read back is checked before use (autosave/records.ts, storage/validate.ts); a record
 *   that fails is listed in `broken` with the reason, and the other runs stay usable.
 * - A full storage: `save` prunes every run's fallback checkpoint and tries once more, then throws
 *   StorageFullError; the run is not lost (the page keeps it in memory and the next autosave
 *   tries again), and saved models (storage/library.ts) are never touched.
 */
import { Autosaver } from './autosave/autosaver';
import { idbStore } from './autosave/store';

export { Autosaver, type AutosaveList, type AutosaveSummary, type BrokenAutosave, type LoadedAutosave } from './autosave/autosaver';
export { newRunId, type AutosaveMeta, type RunRecord } from './autosave/records';
export { MemoryDb, idbStore, kvDb, type AutosaveDb, type KvStore, type KvTx } from './autosave/store';
export { browserLocks, type LockManagerLike } from './autosave/locks';

let page: Autosaver | null | undefined;

/** The page's one Autosaver over IndexedDB (null without IndexedDB): the training session's and the saved models'. */
export function pageAutosaver(): Autosaver | null {
  if (page !== undefined) return page;
  const db = idbStore();
  page = db ? new Autosaver(db) : null;
  return page;
}
