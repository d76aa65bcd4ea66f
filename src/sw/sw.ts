/**
 * The service worker (issue 5, item 7): after one visit the app, MNIST and the shipped models work
 * with no network.
 *
 * - install: every file of the build's manifest goes into a cache named for this version. A file
 *   whose revision (SHA-256) is unchanged is copied from the previous version's cache instead of
 *   downloaded again (the 47 MB training split rarely changes); a downloaded file is checked
 *   against its revision, so a half-deployed site cannot be cached as a mix of two versions.
 * - waiting: a new version waits until the page asks it to take over ("A new version is available
 *   — reload"), so a running page never has its files swapped underneath it.
 * - activate: the previous versions' caches are deleted, then open pages are claimed.
 * - fetch: the app page and precached files come from the cache; anything else goes to the network.
 *
 * Built as one classic script (IIFE) by scripts/build/precache.ts, which prepends the manifest.
 */
import { MANIFEST_GLOBAL, REVISION_HEADER, cacheNameFor, checkManifest, precacheKey, staleCaches, type PrecacheEntry, type WorkerToPage } from './manifest';

// The DOM lib (this project's tsconfig) has no worker-scope types: the few used here, by hand.
interface ExtendableEvt extends Event {
  waitUntil(p: Promise<unknown>): void;
}
interface FetchEvt extends ExtendableEvt {
  request: Request;
  respondWith(r: Promise<Response>): void;
}
interface MessageEvt extends ExtendableEvt {
  data: unknown;
}
interface WorkerScope {
  registration: { scope: string };
  skipWaiting(): Promise<void>;
  clients: { claim(): Promise<void>; matchAll(o: { includeUncontrolled: boolean; type: 'window' }): Promise<{ postMessage(m: WorkerToPage): void }[]> };
  addEventListener(type: 'install' | 'activate', fn: (e: ExtendableEvt) => void): void;
  addEventListener(type: 'fetch', fn: (e: FetchEvt) => void): void;
  addEventListener(type: 'message', fn: (e: MessageEvt) => void): void;
}

const sw = self as unknown as WorkerScope;
const manifest = checkManifest((self as unknown as Record<string, unknown>)[MANIFEST_GLOBAL]);
const CACHE = cacheNameFor(manifest.version);
const scope = sw.registration.scope;
const absolute = (e: PrecacheEntry) => new URL(e.url, scope).href;
const precached = new Set(manifest.entries.map(absolute));

async function tell(message: WorkerToPage): Promise<void> {
  for (const client of await sw.clients.matchAll({ includeUncontrolled: true, type: 'window' })) client.postMessage(message);
}

async function sha256Hex(bytes: ArrayBuffer): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** A cacheable copy of a body, labelled with its revision. */
function stored(body: ArrayBuffer, from: Response, revision: string): Response {
  const headers = new Headers(from.headers);
  headers.set(REVISION_HEADER, revision);
  headers.set('content-length', String(body.byteLength));
  return new Response(body, { status: 200, statusText: from.statusText, headers });
}

/** The entry as any earlier version of this app cached it, if its revision is the same. */
async function earlierCopy(url: string, revision: string): Promise<Response | null> {
  for (const name of staleCaches(await caches.keys(), CACHE)) {
    const hit = await (await caches.open(name)).match(url);
    if (hit?.headers.get(REVISION_HEADER) === revision) return hit;
  }
  return null;
}

async function precache(): Promise<void> {
  const cache = await caches.open(CACHE);
  let reused = 0;
  let fetched = 0;
  await Promise.all(
    manifest.entries.map(async (entry) => {
      const url = absolute(entry);
      const have = await cache.match(url);
      if (have?.headers.get(REVISION_HEADER) === entry.revision) return; // an interrupted install, resumed
      const old = await earlierCopy(url, entry.revision);
      if (old) {
        await cache.put(url, old);
        reused++;
        return;
      }
      // 'no-cache': revalidate with the server (cheap when the HTTP cache already has it), never trust a stale copy.
      const res = await fetch(new Request(url, { cache: 'no-cache', credentials: 'same-origin' }));
      if (!res.ok) throw new Error(`${entry.url}: HTTP ${res.status}`);
      const body = await res.arrayBuffer();
      const got = await sha256Hex(body);
      if (got !== entry.revision) throw new Error(`${entry.url}: the server sent another version of this file (SHA-256 ${got.slice(0, 12)}…, expected ${entry.revision.slice(0, 12)}…); the site may be mid-update`);
      await cache.put(url, stored(body, res, entry.revision));
      fetched++;
    }),
  );
  const bytes = manifest.entries.reduce((a, e) => a + e.size, 0);
  await tell({ type: 'precache-done', version: manifest.version, bytes, reused, fetched });
}

sw.addEventListener('install', (event) => {
  event.waitUntil(
    precache().catch(async (e: unknown) => {
      const message = e instanceof Error ? e.message : String(e);
      // A full disk is the likely cause on a lecture laptop; say so rather than fail silently.
      const why = e instanceof DOMException && e.name === 'QuotaExceededError' ? `not enough storage (${message})` : message;
      await caches.delete(CACHE);
      await tell({ type: 'precache-failed', version: manifest.version, message: why });
      throw e;
    }),
  );
});

sw.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      await Promise.all(staleCaches(await caches.keys(), CACHE).map((k) => caches.delete(k)));
      await sw.clients.claim();
    })(),
  );
});

sw.addEventListener('message', (event) => {
  const data = event.data as { type?: unknown } | null;
  if (data?.type === 'skip-waiting') void sw.skipWaiting();
});

sw.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const key = precacheKey(request.url, request.mode === 'navigate', scope, precached);
  if (!key) return;
  event.respondWith(
    (async () => {
      const hit = await (await caches.open(CACHE)).match(key);
      // A cache the browser evicted or a user cleared: the network, as if there were no worker.
      return hit ?? fetch(request);
    })(),
  );
});
