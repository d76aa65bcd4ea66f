/**
 * What the service worker precaches, and the names it uses: shared by the build plugin that writes
 * the manifest (scripts/build/precache.ts), the worker (sw.ts) and the page (src/ui/offline/).
 * Pure, no DOM and no worker globals, so unit tests run it in Node.
 */

/** One file the app needs offline. */
export interface PrecacheEntry {
  /** Relative to the service worker's scope (the app's base), e.g. "assets/index-1a2b.js". */
  url: string;
  /** SHA-256 of the content, hex: a file is downloaded again only when this changes. */
  revision: string;
  /** Bytes. */
  size: number;
}

export interface PrecacheManifest {
  /** Hash of every entry's url and revision: a new version is a new cache. */
  version: string;
  entries: PrecacheEntry[];
}

/** Every cache this app owns starts with this; other caches on the origin are left alone. */
export const CACHE_PREFIX = 'drmm-precache-';
/** The build writes the manifest into sw.js as `self[MANIFEST_GLOBAL] = {...}`. */
export const MANIFEST_GLOBAL = '__DRMM_PRECACHE__';
/** Response header holding the entry's revision, so an update can reuse unchanged files. */
export const REVISION_HEADER = 'x-drmm-revision';

/** Messages between page and worker. */
export type PageToWorker = { type: 'skip-waiting' };
export type WorkerToPage = { type: 'precache-failed'; version: string; message: string } | { type: 'precache-done'; version: string; bytes: number; reused: number; fetched: number };

export function cacheNameFor(version: string): string {
  return `${CACHE_PREFIX}${version}`;
}

/** Caches to delete once `current` is active: this app's other versions, nothing else. */
export function staleCaches(keys: readonly string[], current: string): string[] {
  return keys.filter((k) => k.startsWith(CACHE_PREFIX) && k !== current);
}

/**
 * Files of the public/ folder that the app needs offline: the MNIST splits, the shipped models and
 * their list. Training checkpoints (*.ckpt) and anything else stay online-only.
 */
export function isPrecachedPublicFile(relPath: string): boolean {
  return /^data\/mnist-(test|train)\.bin$/.test(relPath) || /^models\/[\w.-]+\.drmm$/.test(relPath) || relPath === 'models/index.json';
}

/** Files of the build output to precache: everything but source maps and the worker itself. */
export function isPrecachedBuildFile(fileName: string): boolean {
  return !fileName.endsWith('.map') && fileName !== 'sw.js';
}

/**
 * The precache key for a GET request, or null to leave it to the network. Navigations to the app
 * (its base URL or index.html, with any query, e.g. URL state) get the cached page; other requests
 * only their exact URL, query and all.
 */
export function precacheKey(requestUrl: string, navigate: boolean, scope: string, precached: ReadonlySet<string>): string | null {
  const url = new URL(requestUrl);
  const base = new URL(scope);
  if (url.origin !== base.origin) return null;
  if (navigate) {
    const page = url.pathname === base.pathname || url.pathname === `${base.pathname}index.html`;
    const index = new URL('index.html', base).href;
    return page && precached.has(index) ? index : null;
  }
  url.hash = '';
  return precached.has(url.href) ? url.href : null;
}

/** A manifest's version: a short hash of its entries, computed by the caller's SHA-256 (Node at build time). */
export function manifestFingerprint(entries: readonly PrecacheEntry[]): string {
  return entries.map((e) => `${e.url}\n${e.revision}\n${e.size}`).join('\n');
}

/** Checks a manifest's shape before the worker trusts it (a broken build must fail loudly, not cache nothing). */
export function checkManifest(m: unknown): PrecacheManifest {
  const fail = (why: string): never => {
    throw new Error(`Invalid precache manifest: ${why}`);
  };
  if (!m || typeof m !== 'object') fail('missing');
  const { version, entries } = m as Record<string, unknown>;
  if (typeof version !== 'string' || !/^[0-9a-f]{8,64}$/.test(version)) fail('bad version');
  if (!Array.isArray(entries) || entries.length === 0) fail('no entries');
  for (const e of entries as unknown[]) {
    const x = e as Record<string, unknown>;
    if (!x || typeof x.url !== 'string' || /^[a-z]+:|^\//i.test(x.url) || x.url.includes('..')) fail(`bad url ${JSON.stringify(x?.url)}`);
    if (typeof x.revision !== 'string' || !/^[0-9a-f]{64}$/.test(x.revision)) fail(`bad revision for ${x.url}`);
    if (!Number.isInteger(x.size) || (x.size as number) < 0) fail(`bad size for ${x.url}`);
  }
  return m as PrecacheManifest;
}
