/**
 * A window stand-in for the URL sync (src/ui/url/sync's UrlHost), for tests without a browser: a
 * location with a hash, a replaceState that records each URL it is given (`calls`) and moves the
 * hash, and popstate/hashchange listeners that `navigate(hash)` fires, as a user editing the
 * address bar would.
 */
import type { UrlHost } from '../../src/ui/url/sync';

export type FakeUrlHost = UrlHost & { navigate(hash: string): void; calls: string[] };

export function fakeUrlHost(hash: string, pathname = '/'): FakeUrlHost {
  const listeners = new Map<string, Set<() => void>>();
  const calls: string[] = [];
  const host: FakeUrlHost = {
    location: { hash, pathname, search: '' },
    history: {
      state: null,
      replaceState(_d, _u, url) {
        calls.push(url);
        const i = url.indexOf('#');
        host.location.hash = i < 0 ? '' : url.slice(i);
      },
    },
    addEventListener: (t, fn) => {
      if (!listeners.has(t)) listeners.set(t, new Set());
      listeners.get(t)!.add(fn);
    },
    removeEventListener: (t, fn) => listeners.get(t)?.delete(fn),
    navigate(h) {
      host.location.hash = h;
      for (const t of ['popstate', 'hashchange']) for (const fn of listeners.get(t) ?? []) fn();
    },
    calls,
  };
  return host;
}
