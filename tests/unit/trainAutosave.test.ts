// The autosave's atomic pointer swap (src/ui/train/autosave.ts) over a fake key-value store,
// including interrupted saves and unreadable checkpoints.
import { describe, expect, it } from 'vitest';
import { Autosaver, POINTER_KEY, type AutosaveMeta, type KvStore } from '../../src/ui/train/autosave';

class FakeKv implements KvStore {
  readonly map = new Map<string, unknown>();
  /** Throws on the put with this index (0-based), to simulate a tab closed mid-save. */
  failPutAt = -1;
  puts = 0;
  async get(key: string) {
    return this.map.get(key);
  }
  async put(key: string, value: unknown) {
    if (this.puts++ === this.failPutAt) throw new Error('interrupted');
    this.map.set(key, structuredClone(value));
  }
  async delete(key: string) {
    this.map.delete(key);
  }
  async keys() {
    return [...this.map.keys()];
  }
}

function meta(step: number): AutosaveMeta {
  return { preset: 'drmm-compact', mode: 'supervised', labelled: null, seed: 1, batchSize: 8, epoch: 0, stepInEpoch: step, step, savedAt: 1000 + step };
}

const bytes = (v: number) => new Uint8Array([v, v, v]);

describe('Autosaver', () => {
  it('writes under a new key, then swaps the pointer, keeping the previous checkpoint only', async () => {
    const kv = new FakeKv();
    const a = new Autosaver(kv);
    expect(await a.pointer()).toBeNull();
    expect(await a.load()).toBeNull();
    const p1 = await a.save(bytes(1), meta(100));
    expect(p1).toMatchObject({ current: 'checkpoint-1', previous: null, seq: 1 });
    const p2 = await a.save(bytes(2), meta(200));
    expect(p2).toMatchObject({ current: 'checkpoint-2', previous: 'checkpoint-1', seq: 2 });
    expect(p2.previousMeta?.step).toBe(100);
    await a.save(bytes(3), meta(300));
    expect([...kv.map.keys()].sort()).toEqual(['checkpoint-2', 'checkpoint-3', POINTER_KEY]);
    const got = await a.load();
    expect(got?.which).toBe('current');
    expect([...got!.bytes]).toEqual([3, 3, 3]);
    expect(got?.meta.step).toBe(300);
    expect((await a.pointer())?.meta.step).toBe(300);
  });

  it('keeps a copy of the bytes (later changes to the caller buffer do not leak in)', async () => {
    const kv = new FakeKv();
    const a = new Autosaver(kv);
    const b = bytes(7);
    await a.save(b, meta(1));
    b[0] = 99;
    expect([...(await a.load())!.bytes]).toEqual([7, 7, 7]);
  });

  it('an interrupted save (checkpoint written, pointer not swapped) leaves the old checkpoint in force', async () => {
    const kv = new FakeKv();
    const a = new Autosaver(kv);
    await a.save(bytes(1), meta(100)); // puts 0 (checkpoint) and 1 (pointer)
    kv.failPutAt = 3; // the next save's pointer write
    await expect(a.save(bytes(2), meta(200))).rejects.toThrow('interrupted');
    expect(kv.map.has('checkpoint-2')).toBe(true); // orphan
    const got = await a.load();
    expect([...got!.bytes]).toEqual([1, 1, 1]);
    expect(got?.meta.step).toBe(100);
    // The next save reuses the number and sweeps what the pointer does not name.
    kv.failPutAt = -1;
    await a.save(bytes(3), meta(300));
    expect([...kv.map.keys()].sort()).toEqual(['checkpoint-1', 'checkpoint-2', POINTER_KEY]);
    expect([...(await a.load())!.bytes]).toEqual([3, 3, 3]);
  });

  it('an interrupted checkpoint write changes nothing', async () => {
    const kv = new FakeKv();
    const a = new Autosaver(kv);
    await a.save(bytes(1), meta(100));
    kv.failPutAt = 2;
    await expect(a.save(bytes(2), meta(200))).rejects.toThrow('interrupted');
    expect((await a.pointer())?.current).toBe('checkpoint-1');
    expect([...(await a.load())!.bytes]).toEqual([1, 1, 1]);
  });

  it('falls back to the previous checkpoint when the current one is missing or fails validation', async () => {
    const kv = new FakeKv();
    const a = new Autosaver(kv);
    await a.save(bytes(1), meta(100));
    await a.save(bytes(2), meta(200));
    const validate = (b: Uint8Array) => {
      if (b[0] === 2) throw new Error('bad CRC');
    };
    const got = await a.load(validate);
    expect(got?.which).toBe('previous');
    expect(got?.meta.step).toBe(100);
    expect(got?.problem).toMatch(/current autosave \(checkpoint-2\) is unreadable: bad CRC/);
    kv.map.delete('checkpoint-2');
    const got2 = await a.load();
    expect(got2?.which).toBe('previous');
    expect(got2?.problem).toMatch(/missing/);
    kv.map.delete('checkpoint-1');
    expect(await a.load()).toBeNull();
  });

  it('discards everything', async () => {
    const kv = new FakeKv();
    const a = new Autosaver(kv);
    await a.save(bytes(1), meta(100));
    await a.save(bytes(2), meta(200));
    kv.map.set('unrelated', 1);
    await a.discard();
    expect([...kv.map.keys()]).toEqual(['unrelated']);
    expect(await a.pointer()).toBeNull();
  });

  it('ignores a malformed pointer record', async () => {
    const kv = new FakeKv();
    kv.map.set(POINTER_KEY, { nonsense: true });
    const a = new Autosaver(kv);
    expect(await a.pointer()).toBeNull();
    const p = await a.save(bytes(1), meta(1));
    expect(p.seq).toBe(1);
  });
});
