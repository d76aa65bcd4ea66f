// Service worker registration (src/ui/offline/register.ts) against a fake container: where it
// does nothing, where it says offline use is unavailable, and how it reports installs, updates
// and failures to the store's offline slice. The real worker is tested end to end (e2e/offline).
import { describe, expect, it } from 'vitest';
import { registerServiceWorker, type RegisterEnv } from '../../src/ui/offline/register';
import { createAppStore } from '../../src/ui/store';

class FakeWorker extends EventTarget {
  state = 'installing';
  set(state: string) {
    this.state = state;
    this.dispatchEvent(new Event('statechange'));
  }
}

class FakeRegistration extends EventTarget {
  installing: FakeWorker | null = null;
  waiting: FakeWorker | null = null;
  active: FakeWorker | null = null;
  update = async () => {};
}

/** A first install: a registration whose only worker is installing. */
function installing(): { reg: FakeRegistration; w: FakeWorker } {
  const reg = new FakeRegistration();
  const w = new FakeWorker();
  reg.installing = w;
  return { reg, w };
}

/** A registration with a version in use (an active worker). */
function inUse(): FakeRegistration {
  const reg = new FakeRegistration();
  reg.active = new FakeWorker();
  return reg;
}

/** The browser finds an update: a new worker installing, announced by 'updatefound'. */
function findUpdate(reg: FakeRegistration): FakeWorker {
  const w = new FakeWorker();
  reg.installing = w;
  reg.dispatchEvent(new Event('updatefound'));
  return w;
}

function fakeContainer(reg: FakeRegistration | Error, controller: object | null = null) {
  const c = Object.assign(new EventTarget(), {
    controller,
    calls: [] as [string, unknown][],
    register: async (url: string, opts: unknown) => {
      c.calls.push([url, opts]);
      if (reg instanceof Error) throw reg;
      return reg;
    },
  });
  return c;
}

const env = (container: ReturnType<typeof fakeContainer> | undefined, over: Partial<RegisterEnv> = {}): RegisterEnv => ({
  production: true,
  secure: true,
  container: container as unknown as ServiceWorkerContainer,
  ...over,
});

describe('registerServiceWorker', () => {
  it('does nothing outside a production build', async () => {
    const store = createAppStore();
    const c = fakeContainer(new FakeRegistration());
    await registerServiceWorker(store, env(c, { production: false }));
    expect(c.calls).toEqual([]);
    expect(store.getState().offline.status).toBe('off');
  });
  it('says why offline use is unavailable: no HTTPS, or no service workers', async () => {
    const store = createAppStore();
    const c = fakeContainer(new FakeRegistration());
    await registerServiceWorker(store, env(c, { secure: false }));
    expect(c.calls).toEqual([]);
    expect(store.getState().offline).toMatchObject({ status: 'unsupported', message: 'the page is not served over HTTPS' });
    await registerServiceWorker(store, env(undefined));
    expect(store.getState().offline).toMatchObject({ status: 'unsupported', message: 'this browser has no service workers' });
  });
  it('first install: installing, then ready; sw.js next to the page, scoped to the app', async () => {
    const store = createAppStore();
    const { reg, w } = installing();
    const c = fakeContainer(reg);
    await registerServiceWorker(store, env(c));
    expect(c.calls).toEqual([[`${import.meta.env.BASE_URL}sw.js`, { scope: import.meta.env.BASE_URL }]]);
    expect(store.getState().offline.status).toBe('installing');
    w.set('installed');
    expect(store.getState().offline.status).toBe('ready');
  });
  it('an update found while a version is in use: update-ready, which the notice shows', async () => {
    const store = createAppStore();
    const reg = inUse();
    await registerServiceWorker(store, env(fakeContainer(reg, {})));
    expect(store.getState().offline.status).toBe('ready');
    findUpdate(reg).set('installed');
    expect(store.getState().offline.status).toBe('update-ready');
  });
  it('a failed first install is an error with the worker\'s reason; a failed update is not', async () => {
    const store = createAppStore();
    const { reg, w } = installing();
    const c = fakeContainer(reg);
    await registerServiceWorker(store, env(c));
    c.dispatchEvent(Object.assign(new Event('message'), { data: { type: 'precache-failed', version: 'v', message: 'not enough storage (QuotaExceededError)' } }));
    w.set('redundant');
    expect(store.getState().offline).toMatchObject({ status: 'error', message: 'not enough storage (QuotaExceededError)' });

    const store2 = createAppStore();
    const reg2 = inUse();
    await registerServiceWorker(store2, env(fakeContainer(reg2, {})));
    findUpdate(reg2).set('redundant');
    expect(store2.getState().offline.status).toBe('ready');
  });
  it('a refused registration is reported, not thrown', async () => {
    const store = createAppStore();
    await registerServiceWorker(store, env(fakeContainer(new Error('SecurityError: bad scope'))));
    expect(store.getState().offline).toMatchObject({ status: 'error', message: 'the service worker could not be registered (SecurityError: bad scope)' });
  });
});
