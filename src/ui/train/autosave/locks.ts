/**
 * One lock per run, so that two tabs never autosave the same run.
 *
 * A tab *claims* a run before its first save (a new run: always free, its id is random; a resumed
 * run: free unless another tab resumed it first) and holds the claim until it stops training that
 * run or the page goes away. With the Web Locks API (`navigator.locks`, in every current browser)
 * the claim is a lock held across tabs of the origin, which the browser releases when the page
 * closes or crashes; `heldElsewhere` lists the runs that other tabs hold, so the resume offer can
 * say so. Where the API is missing, claims are kept within the tab only (two tabs that resume the
 * same autosave then both write it; each save is still one transaction, so a checkpoint is never
 * paired with another save's metadata, but the run's newest checkpoint is whichever tab saved
 * last).
 *
 * Within a tab, saves of one run are queued one after the other (`serial`).
 */

/** The part of the Web Locks API used here (a LockManager has it). */
export interface LockManagerLike {
  request(name: string, options: { ifAvailable?: boolean }, callback: (lock: unknown) => Promise<unknown> | unknown): Promise<unknown>;
  query?(): Promise<{ held?: { name?: string }[] }>;
}

/** The browser's LockManager, or null where there is none. */
export function browserLocks(): LockManagerLike | null {
  const n = typeof navigator !== 'undefined' ? navigator : undefined;
  return n && 'locks' in n && n.locks ? n.locks : null;
}

export class RunLocks {
  /** Claimed runs of this tab and how to let each go. */
  private readonly owned = new Map<string, () => void>();
  /** Each run's queue of saves in this tab. */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly locks: LockManagerLike | null,
    /** Names the store: runs of different stores never share a lock. */
    private readonly scope: string,
  ) {}

  /** Whether claims reach other tabs (false: the fallback, within this tab only). */
  get crossTab(): boolean {
    return this.locks !== null;
  }

  private lockName(id: string): string {
    return `drmm-autosave:${this.scope}:${id}`;
  }

  owns(id: string): boolean {
    return this.owned.has(id);
  }

  /** Claims run `id` for this tab; false when another tab holds it. */
  async claim(id: string): Promise<boolean> {
    if (this.owned.has(id)) return true;
    const locks = this.locks;
    if (!locks) {
      this.owned.set(id, () => {});
      return true;
    }
    return new Promise<boolean>((resolve) => {
      let release: () => void = () => {};
      const held = new Promise<void>((r) => (release = r));
      locks
        .request(this.lockName(id), { ifAvailable: true }, (lock) => {
          if (!lock) {
            resolve(false);
            return null;
          }
          // A claim that raced with another of this tab's claims of the same run keeps the first.
          if (this.owned.has(id)) {
            resolve(true);
            return null;
          }
          this.owned.set(id, release);
          resolve(true);
          return held; // the lock is held until release() resolves this
        })
        .catch(() => resolve(false));
    });
  }

  /** Lets run `id` go (other tabs may then resume it). */
  release(id: string): void {
    const r = this.owned.get(id);
    this.owned.delete(id);
    r?.();
  }

  /** The runs other tabs hold, or null where that cannot be known (no Web Locks, or query failed). */
  async heldElsewhere(): Promise<Set<string> | null> {
    if (!this.locks?.query) return null;
    try {
      const q = await this.locks.query();
      const prefix = this.lockName('');
      const out = new Set<string>();
      for (const l of q.held ?? []) {
        const name = typeof l.name === 'string' ? l.name : '';
        if (name.startsWith(prefix)) {
          const id = name.slice(prefix.length);
          if (!this.owned.has(id)) out.add(id);
        }
      }
      return out;
    } catch {
      return null;
    }
  }

  /** Runs fn after every earlier fn queued for run `id` in this tab (each failure stays with its caller). */
  serial<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(id) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.queues.set(id, tail);
    void tail.then(() => {
      if (this.queues.get(id) === tail) this.queues.delete(id);
    });
    return run;
  }
}
