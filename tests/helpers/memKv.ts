/**
 * An in-memory KvStore (the autosave's plain key-value backend, src/ui/train/autosave), for tests
 * that autosave without IndexedDB; its map is open to assertions.
 */
import type { KvStore } from '../../src/ui/train/autosave';

export class MemKv implements KvStore {
  readonly map = new Map<string, unknown>();

  async get(k: string): Promise<unknown> {
    return this.map.get(k);
  }

  async put(k: string, v: unknown): Promise<void> {
    this.map.set(k, v);
  }

  async delete(k: string): Promise<void> {
    this.map.delete(k);
  }

  async keys(): Promise<string[]> {
    return [...this.map.keys()];
  }
}
