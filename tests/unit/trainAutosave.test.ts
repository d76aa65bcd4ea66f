// The training autosave (src/ui/train/autosave.ts) over an in-memory store with IndexedDB's commit
// rule (MemoryDb) and a fake Web Locks API shared by two "tabs": runs under their own ids, saves
// that overlap never mix, one lock per run, interrupted and full-disk saves that change nothing,
// every stored field checked on the way back with the bad record named, and the format-1 pointer
// moved to a run of its own.
import { describe, expect, it } from 'vitest';
import { Autosaver, MemoryDb, newRunId, type AutosaveMeta, type LockManagerLike } from '../../src/ui/train/autosave';
import { MemKv } from '../helpers/memKv';
import { StorageFullError } from '../../src/ui/storage/quota';

/** Web Locks for several tabs of one origin: `ifAvailable` requests only (all the autosave makes). */
class FakeLocks implements LockManagerLike {
  readonly held = new Set<string>();
  async request(name: string, opts: { ifAvailable?: boolean }, cb: (lock: unknown) => unknown): Promise<unknown> {
    if (this.held.has(name)) {
      if (opts.ifAvailable) return cb(null);
      throw new Error('this fake only grants ifAvailable requests');
    }
    this.held.add(name);
    try {
      return await cb({ name });
    } finally {
      this.held.delete(name);
    }
  }
  async query() {
    return { held: [...this.held].map((name) => ({ name })) };
  }
}

function meta(step: number, seed = 1, over: Partial<AutosaveMeta> = {}): AutosaveMeta {
  return { preset: 'drmm-compact', mode: 'supervised', labelled: null, seed, batchSize: 8, epoch: 0, stepInEpoch: step, step, savedAt: 1000 + step, ...over };
}

const bytes = (v: number, n = 3) => new Uint8Array(n).fill(v);
const quota = () => new DOMException('The quota has been exceeded.', 'QuotaExceededError');

function tabs(n = 2) {
  const db = new MemoryDb('test');
  const locks = new FakeLocks();
  return { db, locks, tab: Array.from({ length: n }, () => new Autosaver(db, locks)) };
}

describe('Autosaver: runs under their own ids', () => {
  it('saves a run: checkpoint and pointer together, the one before kept as the fallback, older ones deleted', async () => {
    const { db, tab } = tabs(1);
    const a = tab[0];
    expect(await a.list()).toEqual({ runs: [], broken: [], crossTab: true });
    const id = newRunId();
    expect(id).toMatch(/^run-[0-9a-f-]{36}$/);
    const p1 = await a.save(id, bytes(1), meta(100));
    expect(p1).toMatchObject({ id, seq: 1, current: `ckpt:${id}:1`, previous: null, previousMeta: null });
    const p2 = await a.save(id, bytes(2), meta(200));
    expect(p2).toMatchObject({ seq: 2, current: `ckpt:${id}:2`, previous: `ckpt:${id}:1`, previousMeta: { step: 100 } });
    await a.save(id, bytes(3), meta(300));
    expect([...db.map.keys()].sort()).toEqual([`ckpt:${id}:2`, `ckpt:${id}:3`, `run:${id}`]);
    const got = await a.load(id);
    expect(got).toMatchObject({ which: 'current', problem: null, meta: { step: 300 } });
    expect([...got.bytes]).toEqual([3, 3, 3]);
    const list = await a.list();
    expect(list.runs).toEqual([{ runId: id, meta: meta(300), hasPrevious: true, openIn: 'this-tab', problem: null }]);
  });

  it('keeps a copy of the bytes (later changes to the caller buffer do not leak in)', async () => {
    const a = tabs(1).tab[0];
    const id = newRunId();
    const b = bytes(7);
    await a.save(id, b, meta(1));
    b[0] = 99;
    expect([...(await a.load(id)).bytes]).toEqual([7, 7, 7]);
  });

  it('two tabs saving at once: both runs listed, each with its own bytes and metadata', async () => {
    const { tab } = tabs(2);
    const [a, b] = tab;
    const ida = newRunId();
    const idb = newRunId();
    // Interleaved saves, all started before any finishes.
    await Promise.all([
      a.save(ida, bytes(11), meta(181, 111)),
      b.save(idb, bytes(22), meta(176, 222)),
      a.save(ida, bytes(12), meta(190, 111)),
      b.save(idb, bytes(23), meta(185, 222)),
    ]);
    const fromA = await a.list();
    expect(fromA.runs.map((r) => [r.meta.seed, r.meta.step, r.openIn]).sort()).toEqual([
      [111, 190, 'this-tab'],
      [222, 185, 'other-tab'],
    ]);
    const ra = await a.load(ida);
    const rb = await b.load(idb);
    expect([ra.meta.seed, ra.meta.step, ...ra.bytes]).toEqual([111, 190, 12, 12, 12]);
    expect([rb.meta.seed, rb.meta.step, ...rb.bytes]).toEqual([222, 185, 23, 23, 23]);
  });

  it('overlapping saves of one run in a tab are queued: sequence numbers never repeat, pointer and checkpoint match', async () => {
    const { db, tab } = tabs(1);
    const a = tab[0];
    const id = newRunId();
    const ptrs = await Promise.all([1, 2, 3, 4, 5].map((k) => a.save(id, bytes(k), meta(k * 10))));
    expect(ptrs.map((p) => p.seq)).toEqual([1, 2, 3, 4, 5]);
    const got = await a.load(id);
    expect([got.meta.step, got.bytes[0]]).toEqual([50, 5]);
    expect([...db.map.keys()].sort()).toEqual([`ckpt:${id}:4`, `ckpt:${id}:5`, `run:${id}`]);
  });

  it('one lock per run: another tab cannot save or discard a run this tab holds, and resumes it only after release', async () => {
    const { tab } = tabs(2);
    const [a, b] = tab;
    const id = newRunId();
    await a.save(id, bytes(1), meta(1));
    expect(await b.claim(id)).toBe(false);
    await expect(b.save(id, bytes(9), meta(9))).rejects.toThrow('another tab is training this run');
    await expect(b.discard(id)).rejects.toThrow('another tab is training this run');
    expect([...(await a.load(id)).bytes]).toEqual([1, 1, 1]);
    expect((await b.list()).runs[0].openIn).toBe('other-tab');
    a.release(id); // tab A reset its run, or closed
    expect((await b.list()).runs[0].openIn).toBeNull();
    expect(await b.claim(id)).toBe(true);
    await b.save(id, bytes(2), meta(2));
    expect((await a.list()).runs[0]).toMatchObject({ openIn: 'other-tab', meta: { step: 2 } });
    expect(await a.claim(id)).toBe(false);
  });

  it('without the Web Locks API: claims hold within the tab only, and the list says it cannot tell', async () => {
    const db = new MemoryDb('nolocks');
    const a = new Autosaver(db, null);
    const b = new Autosaver(db, null);
    const id = newRunId();
    await a.save(id, bytes(1), meta(1));
    const list = await b.list();
    expect(list.crossTab).toBe(false);
    expect(list.runs[0].openIn).toBeNull();
    expect(await b.claim(id)).toBe(true);
  });

  it('a plain key-value store (no transactions) works too', async () => {
    const kv = new MemKv();
    const a = new Autosaver(kv, null);
    const id = newRunId();
    await a.save(id, bytes(1), meta(1));
    await a.save(id, bytes(2), meta(2));
    expect((await a.load(id)).meta.step).toBe(2);
    expect([...kv.map.keys()].filter((k) => k.startsWith('run:'))).toEqual([`run:${id}`]);
  });

  it('discards one run with its checkpoints, leaving the others', async () => {
    const { db, tab } = tabs(1);
    const a = tab[0];
    const [x, y] = [newRunId(), newRunId()];
    await a.save(x, bytes(1), meta(1));
    await a.save(x, bytes(2), meta(2));
    await a.save(y, bytes(3), meta(3, 2));
    await a.discard(x);
    expect([...db.map.keys()].sort()).toEqual([`ckpt:${y}:1`, `run:${y}`]);
    expect((await a.list()).runs.map((r) => r.runId)).toEqual([y]);
    await expect(a.load(x)).rejects.toThrow('no longer exists');
  });
});

describe('Autosaver: crashes and a full storage', () => {
  it('a save interrupted inside its transaction changes nothing', async () => {
    const { db, tab } = tabs(1);
    const a = tab[0];
    const id = newRunId();
    await a.save(id, bytes(1), meta(100));
    const before = new Map(db.map);
    db.failWrite = (k) => (k.startsWith('run:') ? new Error('interrupted') : null); // the crash: after the checkpoint's put
    await expect(a.save(id, bytes(2), meta(200))).rejects.toThrow('interrupted');
    expect(db.map).toEqual(before);
    db.failWrite = null;
    expect((await a.load(id)).meta.step).toBe(100);
    const p = await a.save(id, bytes(3), meta(300));
    expect(p).toMatchObject({ seq: 2, previous: `ckpt:${id}:1` });
  });

  it('full: every run loses its fallback (keeping its newest), the save is retried; still full: StorageFullError, nothing lost', async () => {
    const { db, tab } = tabs(1);
    const a = tab[0];
    const [x, y] = [newRunId(), newRunId()];
    await a.save(x, bytes(1), meta(1));
    await a.save(x, bytes(2), meta(2));
    await a.save(y, bytes(5), meta(5, 2));
    await a.save(y, bytes(6), meta(6, 2));
    let full = 1;
    db.failWrite = (k) => (k.startsWith('ckpt:') && full-- > 0 ? quota() : null);
    const p = await a.save(x, bytes(3), meta(3));
    // x's fallback (checkpoint 1) and y's (5) were pruned; x's newest before the save is the new fallback.
    expect(p).toMatchObject({ current: `ckpt:${x}:3`, previous: `ckpt:${x}:2` });
    expect([...db.map.keys()].sort()).toEqual([`ckpt:${x}:2`, `ckpt:${x}:3`, `ckpt:${y}:2`, `run:${x}`, `run:${y}`].sort());
    expect((await a.list()).runs.find((r) => r.runId === y)).toMatchObject({ hasPrevious: false, meta: { step: 6 } });
    full = 2;
    const err = await a.save(x, bytes(4), meta(4)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageFullError);
    expect((err as Error).message).toMatch(/^The autosave failed: this browser's storage for the app is full \(QuotaExceededError\)/);
    expect((await a.load(x)).meta.step).toBe(3);
    expect((await a.load(y)).meta.step).toBe(6);
    // Space freed: the next save goes through.
    db.failWrite = null;
    expect((await a.save(x, bytes(4), meta(4))).meta.step).toBe(4);
  });
});

describe('Autosaver: what is read back is checked', () => {
  async function oneRun() {
    const { db, tab } = tabs(1);
    const a = tab[0];
    const id = newRunId();
    await a.save(id, bytes(1), meta(1));
    await a.save(id, bytes(2), meta(2));
    const other = newRunId();
    await a.save(other, bytes(9), meta(9, 9));
    return { db, a, id, other };
  }

  // Each field of the pointer record, replaced by a value of the wrong kind: the run is named with the reason.
  const runCases: [string, (r: Record<string, unknown>) => void, RegExp][] = [
    ['meta.mode an object', (r) => ((r.meta as Record<string, unknown>).mode = { evil: true }), /run\.meta\.mode is an object, not one of supervised/],
    ['meta.preset a number', (r) => ((r.meta as Record<string, unknown>).preset = 5), /run\.meta\.preset is the number 5, not text/],
    ['meta.seed a string', (r) => ((r.meta as Record<string, unknown>).seed = '111'), /run\.meta\.seed is the text "111", not a finite number/],
    ['meta.step NaN', (r) => ((r.meta as Record<string, unknown>).step = NaN), /run\.meta\.step is NaN, not a finite number/],
    ['meta.savedAt missing', (r) => delete (r.meta as Record<string, unknown>).savedAt, /run\.meta\.savedAt is missing/],
    ['meta.labelled a list', (r) => ((r.meta as Record<string, unknown>).labelled = [1]), /run\.meta\.labelled is a list/],
    ['meta.batchSize 0', (r) => ((r.meta as Record<string, unknown>).batchSize = 0), /run\.meta\.batchSize is 0, outside 1\.\./],
    ['meta null', (r) => (r.meta = null), /run\.meta is null, not a record/],
    ['previousMeta a string', (r) => (r.previousMeta = 'x'), /run\.previousMeta is the text "x", not a record/],
    ['current another run', (r) => (r.current = 'ckpt:run-other:2'), /run\.current is "ckpt:run-other:2", not this run's checkpoint 2/],
    ['previous a number', (r) => (r.previous = 7), /run\.previous is the number 7, not text/],
    ['seq a string', (r) => (r.seq = '2'), /run\.seq is the text "2"/],
    ['id of another run', (r) => (r.id = 'run-other'), /run\.id is "run-other", but the record is stored as run/],
    ['format unknown', (r) => (r.format = 'v9'), /run\.format is the text "v9", not one of drmm-autosave-run-2/],
    ['the whole record a string', () => undefined, /run is the text "garbage", not a record/],
  ];

  for (const [what, corrupt, reason] of runCases) {
    it(`a pointer record with ${what} is named with the reason; the other run stays usable; Delete removes it`, async () => {
      const { db, a, id, other } = await oneRun();
      const rec = structuredClone(db.map.get(`run:${id}`)) as Record<string, unknown>;
      corrupt(rec);
      db.map.set(`run:${id}`, what === 'the whole record a string' ? 'garbage' : rec);
      const list = await a.list();
      expect(list.runs.map((r) => r.runId)).toEqual([other]);
      expect(list.broken).toHaveLength(1);
      expect(list.broken[0].label).toBe(`autosave ${id}`);
      expect(list.broken[0].reason).toMatch(reason);
      await expect(a.load(id)).rejects.toThrow(/the run record is damaged/);
      expect((await a.load(other)).meta.seed).toBe(9);
      await a.discardBroken(list.broken[0]);
      expect([...db.map.keys()].filter((k) => k.includes(id))).toEqual([]);
      expect(await a.list()).toMatchObject({ runs: [{ runId: other }], broken: [] });
    });
  }

  const ckCases: [string, (r: Record<string, unknown>) => void, RegExp][] = [
    ['bytes a string', (r) => (r.bytes = 'AAAA'), /checkpoint\.bytes is the text "AAAA", not bytes/],
    ['bytes missing', (r) => delete r.bytes, /checkpoint\.bytes is missing, not bytes/],
    ['runId of another run', (r) => (r.runId = 'run-zzz'), /checkpoint\.runId is "run-zzz", not .*: the checkpoint belongs to another run/],
    ['seq not its key', (r) => (r.seq = 77), /checkpoint\.seq is 77, but the checkpoint is stored as/],
    ['meta.mode an object', (r) => ((r.meta as Record<string, unknown>).mode = {}), /checkpoint\.meta\.mode is an object/],
    ['meta of another save', (r) => ((r.meta as Record<string, unknown>).step = 12345), /does not match its run record \(step 12345/],
  ];

  for (const [what, corrupt, reason] of ckCases) {
    it(`a current checkpoint with ${what}: the fallback is loaded and the problem named; both bad: refused with both reasons, listed`, async () => {
      const { db, a, id } = await oneRun();
      const key = `ckpt:${id}:2`;
      const rec = structuredClone(db.map.get(key)) as Record<string, unknown>;
      corrupt(rec);
      db.map.set(key, rec);
      const got = await a.load(id);
      expect(got.which).toBe('previous');
      expect([...got.bytes]).toEqual([1, 1, 1]);
      expect(got.problem).toMatch(reason);
      const prev = `ckpt:${id}:1`;
      db.map.set(prev, { ...(db.map.get(prev) as object), bytes: 'x' });
      const err = await a.load(id).catch((e: unknown) => e);
      expect((err as Error).message).toMatch(reason);
      expect((err as Error).message).toMatch(/the previous checkpoint .* is damaged: checkpoint\.bytes is the text "x"/);
      const listed = (await a.list()).runs.find((r) => r.runId === id);
      expect(listed?.problem).toMatch(reason);
      // Discard still works; a new save of the run clears the problem.
      await a.save(id, bytes(3), meta(3));
      expect((await a.list()).runs.find((r) => r.runId === id)?.problem).toBeNull();
    });
  }

  it('a checkpoint that fails validate (the model-file reader) falls back to the previous one', async () => {
    const { a, id } = await oneRun();
    const got = await a.load(id, (b) => {
      if (b[0] === 2) throw new Error('bad CRC');
    });
    expect(got).toMatchObject({ which: 'previous', meta: { step: 1 } });
    expect(got.problem).toMatch(/current checkpoint \(ckpt:.*:2\) is unreadable: bad CRC/);
  });

  it('a missing current checkpoint: listed with the problem, the fallback loads', async () => {
    const { db, a, id } = await oneRun();
    db.map.delete(`ckpt:${id}:2`);
    const r = (await a.list()).runs.find((x) => x.runId === id);
    expect(r?.problem).toMatch(/newest checkpoint .* is missing/);
    expect((await a.load(id)).which).toBe('previous');
    db.map.delete(`ckpt:${id}:1`);
    const list = await a.list();
    expect(list.broken.map((b) => [b.label, b.reason])).toEqual([[`autosave ${id}`, `its checkpoint ckpt:${id}:2 is missing`]]);
  });

  it('records this app does not write, orphaned checkpoints and odd keys are named, not used', async () => {
    const { db, a, id } = await oneRun();
    db.map.set('junk', 1);
    db.map.set('run:not a valid id!', {});
    db.map.set(`ckpt:run-orphan:3`, { bytes: bytes(1) });
    const list = await a.list();
    expect(list.runs).toHaveLength(2);
    expect(list.broken.map((b) => `${b.label}: ${b.reason}`).sort()).toEqual([
      'ckpt:run-orphan:3: is a checkpoint whose run record is missing',
      'junk: is not a record this app writes',
      'run:not a valid id!: is not a valid run id',
    ]);
    for (const b of list.broken) await a.discardBroken(b);
    expect((await a.list()).broken).toEqual([]);
    expect((await a.load(id)).meta.step).toBe(2);
  });
});

describe('Autosaver: the format before run ids', () => {
  it('moves the one `pointer` and its checkpoints to a run of its own', async () => {
    const { db, tab } = tabs(1);
    const a = tab[0];
    db.map.set('checkpoint-4', { bytes: bytes(4), meta: meta(400) });
    db.map.set('checkpoint-5', { bytes: bytes(5), meta: meta(500) });
    db.map.set('pointer', { current: 'checkpoint-5', previous: 'checkpoint-4', seq: 5, meta: meta(500), previousMeta: meta(400) });
    const list = await a.list();
    expect(list.broken).toEqual([]);
    expect(list.runs).toHaveLength(1);
    const id = list.runs[0].runId;
    expect(id).toBe('legacy-1500-5');
    expect(list.runs[0]).toMatchObject({ hasPrevious: true, meta: { step: 500 } });
    expect([...db.map.keys()].sort()).toEqual([`ckpt:${id}:4`, `ckpt:${id}:5`, `run:${id}`]);
    expect([...(await a.load(id)).bytes]).toEqual([5, 5, 5]);
    // It goes on like any run.
    expect(await a.claim(id)).toBe(true);
    expect((await a.save(id, bytes(6), meta(600))).previous).toBe(`ckpt:${id}:5`);
  });

  it('a malformed old pointer is named (with its checkpoints) and can be deleted', async () => {
    const { db, tab } = tabs(1);
    const a = tab[0];
    db.map.set('checkpoint-1', { bytes: bytes(1), meta: meta(1) });
    db.map.set('pointer', { current: 'checkpoint-1', previous: null, seq: 1, meta: { ...meta(1), mode: { x: 1 } }, previousMeta: null });
    const list = await a.list();
    expect(list.runs).toEqual([]);
    expect(list.broken).toHaveLength(1);
    expect(list.broken[0]).toMatchObject({ label: 'pointer (an autosave of an earlier version)', keys: ['checkpoint-1', 'pointer'] });
    expect(list.broken[0].reason).toMatch(/pointer\.meta\.mode is an object/);
    await a.discardBroken(list.broken[0]);
    expect(db.map.size).toBe(0);
  });
});
