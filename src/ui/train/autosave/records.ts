/**
 * The autosave's records in the `autosave` object store and their checks (storage/validate.ts).
 *
 * Keys (out-of-line, strings):
 * - `run:<id>`: a run's pointer record (RunRecord): which checkpoint is current, which one is the
 *   fallback, and the metadata the resume offer shows (so listing runs reads no checkpoint);
 * - `ckpt:<id>:<seq>`: one checkpoint of that run (CheckpointRecord): the model-file bytes, with
 *   the run id, sequence number and metadata repeated, so a load can tell that the checkpoint
 *   belongs to the pointer that names it.
 * Every save writes one checkpoint and its pointer in one transaction; see autosaver.ts.
 *
 * Version 1 of the format (before runs had ids) kept one record `pointer` and checkpoints
 * `checkpoint-<seq>`; `legacy*` below reads it so autosaves made before still resume.
 */
import { TRAIN_MODES, type TrainMode } from '../../../engine/train';
import { Invalid, at, int, nullable, num, oneOf, record, text, bytes as bytesCheck, type Check } from '../../storage/validate';

/** What the resume offer shows of a checkpoint, kept in the pointer so listing needs no checkpoint read. */
export interface AutosaveMeta {
  preset: string | null;
  mode: TrainMode;
  labelled: number | null;
  seed: number;
  batchSize: number;
  epoch: number;
  stepInEpoch: number;
  step: number;
  /** ms since 1970. */
  savedAt: number;
}

/** A run's pointer record. */
export interface RunRecord {
  format: typeof RUN_FORMAT;
  id: string;
  /** Sequence number of the current checkpoint; the next save writes seq + 1. */
  seq: number;
  /** Key of the current checkpoint, and of the one before it (the fallback), if any. */
  current: string;
  previous: string | null;
  meta: AutosaveMeta;
  previousMeta: AutosaveMeta | null;
}

/** One checkpoint. */
export interface CheckpointRecord {
  runId: string;
  seq: number;
  bytes: Uint8Array;
  meta: AutosaveMeta;
}

export const RUN_FORMAT = 'drmm-autosave-run-2';
export const RUN_PREFIX = 'run:';
export const CKPT_PREFIX = 'ckpt:';
/** Run ids: letters, digits, '-' and '_' (they become parts of keys and lock names). */
export const RUN_ID = /^[A-Za-z0-9_-]{1,64}$/;

export const runKey = (id: string): string => `${RUN_PREFIX}${id}`;
export const ckptKey = (id: string, seq: number): string => `${CKPT_PREFIX}${id}:${seq}`;
/** Every checkpoint key of a run starts with this (the ':' ends the id, so ids that prefix others do not match). */
export const ckptPrefix = (id: string): string => `${CKPT_PREFIX}${id}:`;

/** The run id of a checkpoint key, or null. */
export function runIdOfCkpt(key: string): string | null {
  if (!key.startsWith(CKPT_PREFIX)) return null;
  const rest = key.slice(CKPT_PREFIX.length);
  const colon = rest.lastIndexOf(':');
  const id = colon > 0 ? rest.slice(0, colon) : '';
  return RUN_ID.test(id) && /^\d{1,15}$/.test(rest.slice(colon + 1)) ? id : null;
}

/** A new run id (random: two tabs never draw the same one). */
export function newRunId(): string {
  const c = globalThis.crypto;
  const r = c?.randomUUID ? c.randomUUID() : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
  return `run-${r}`;
}

// ---------------------------------------------------------------------------------------------
// checks

const runId: Check<string> = (v, path) => {
  const s = text(64, 1)(v, path);
  if (!RUN_ID.test(s)) throw new Invalid(path, `is ${JSON.stringify(s)}, not a run id (letters, digits, - and _)`);
  return s;
};

const count = int(0, 1e12);

export const autosaveMeta: Check<AutosaveMeta> = (v, path) => {
  const o = record(v, path);
  return {
    preset: at(o, 'preset', nullable(text(100)), path),
    mode: at(o, 'mode', oneOf(TRAIN_MODES), path),
    labelled: at(o, 'labelled', nullable(int(0, 1e9)), path),
    seed: at(o, 'seed', int(0, 0xffffffff), path),
    batchSize: at(o, 'batchSize', int(1, 1e6), path),
    epoch: at(o, 'epoch', count, path),
    stepInEpoch: at(o, 'stepInEpoch', count, path),
    step: at(o, 'step', count, path),
    savedAt: at(o, 'savedAt', num(0, 8.64e15), path),
  };
};

/** A pointer record, read back under key `run:<id>` (the id in it must be the key's). */
export function runRecord(id: string): Check<RunRecord> {
  return (v, path) => {
    const o = record(v, path);
    const format = at(o, 'format', oneOf([RUN_FORMAT] as const), path);
    const rid = at(o, 'id', runId, path);
    if (rid !== id) throw new Invalid(`${path}.id`, `is ${JSON.stringify(rid)}, but the record is stored as run ${JSON.stringify(id)}`);
    const seq = at(o, 'seq', int(1, 1e15), path);
    const current = at(o, 'current', text(200, 1), path);
    if (current !== ckptKey(id, seq)) throw new Invalid(`${path}.current`, `is ${JSON.stringify(current)}, not this run's checkpoint ${seq}`);
    const previous = at(o, 'previous', nullable(text(200, 1)), path);
    if (previous !== null && runIdOfCkpt(previous) !== id) throw new Invalid(`${path}.previous`, `is ${JSON.stringify(previous)}, not one of this run's checkpoints`);
    const meta = at(o, 'meta', autosaveMeta, path);
    const previousMeta = at(o, 'previousMeta', nullable(autosaveMeta), path);
    if ((previous === null) !== (previousMeta === null)) throw new Invalid(`${path}.previousMeta`, previous === null ? 'is set without a previous checkpoint' : 'is missing');
    return { format, id: rid, seq, current, previous, meta, previousMeta };
  };
}

/** A checkpoint record, read back under `key` for run `id`. */
export function checkpointRecord(id: string, key: string): Check<CheckpointRecord> {
  return (v, path) => {
    const o = record(v, path);
    const rid = at(o, 'runId', runId, path);
    if (rid !== id) throw new Invalid(`${path}.runId`, `is ${JSON.stringify(rid)}, not ${JSON.stringify(id)}: the checkpoint belongs to another run`);
    const seq = at(o, 'seq', int(0, 1e15), path);
    if (ckptKey(id, seq) !== key) throw new Invalid(`${path}.seq`, `is ${seq}, but the checkpoint is stored as ${key}`);
    return { runId: rid, seq, bytes: at(o, 'bytes', bytesCheck, path), meta: at(o, 'meta', autosaveMeta, path) };
  };
}

// ---------------------------------------------------------------------------------------------
// format 1 (one pointer for the whole browser)

export const LEGACY_POINTER = 'pointer';
export const LEGACY_PREFIX = 'checkpoint-';

export interface LegacyPointer {
  current: string;
  previous: string | null;
  seq: number;
  meta: AutosaveMeta;
  previousMeta: AutosaveMeta | null;
}

const legacyKey: Check<string> = (v, path) => {
  const s = text(40, 1)(v, path);
  if (!/^checkpoint-\d{1,15}$/.test(s)) throw new Invalid(path, `is ${JSON.stringify(s)}, not a checkpoint key`);
  return s;
};

export const legacyPointer: Check<LegacyPointer> = (v, path) => {
  const o = record(v, path);
  return {
    current: at(o, 'current', legacyKey, path),
    previous: at(o, 'previous', nullable(legacyKey), path),
    seq: at(o, 'seq', int(0, 1e15), path),
    meta: at(o, 'meta', autosaveMeta, path),
    previousMeta: at(o, 'previousMeta', nullable(autosaveMeta), path),
  };
};

export const legacyCheckpoint: Check<{ bytes: Uint8Array; meta: AutosaveMeta }> = (v, path) => {
  const o = record(v, path);
  return { bytes: at(o, 'bytes', bytesCheck, path), meta: at(o, 'meta', autosaveMeta, path) };
};
