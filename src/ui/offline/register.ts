/**
 * Registers the service worker (src/sw/sw.ts, built as sw.js next to index.html) and reports its
 * progress to the store's offline slice. Production builds on secure contexts only: the dev
 * server has no sw.js, and browsers refuse service workers on plain http (except localhost).
 */
import type { PageToWorker, WorkerToPage } from '../../sw/manifest';
import { appStore, type AppStore } from '../store';

/** Browsers check for a new sw.js on each navigation; a lecture tab may stay open for hours, so check hourly too. */
const UPDATE_CHECK_MS = 60 * 60 * 1000;

let registration: ServiceWorkerRegistration | null = null;
let reloadOnTakeover = false;

export interface RegisterEnv {
  production: boolean;
  secure: boolean;
  container: ServiceWorkerContainer | undefined;
}

const browserEnv = (): RegisterEnv => ({
  production: import.meta.env.PROD,
  secure: typeof window !== 'undefined' && window.isSecureContext,
  container: typeof navigator !== 'undefined' && 'serviceWorker' in navigator ? navigator.serviceWorker : undefined,
});

/** Watches one installing worker until it is installed (then: first install, or an update) or fails. */
function track(worker: ServiceWorker, container: ServiceWorkerContainer, store: AppStore): void {
  const update = !!container.controller;
  if (!update) store.getState().setOffline({ status: 'installing', message: null });
  worker.addEventListener('statechange', () => {
    if (worker.state === 'installed') store.getState().setOffline(update ? { status: 'update-ready', message: null } : { status: 'ready', message: null });
    // A failed update leaves the version in use working: only a failed first install is an error.
    else if (worker.state === 'redundant' && !update && store.getState().offline.status === 'installing') {
      store.getState().setOffline({ status: 'error', message: store.getState().offline.message ?? 'the service worker could not be installed' });
    }
  });
}

/** Starts the service worker; resolves once registered (or at once where there is none). */
export async function registerServiceWorker(store: AppStore = appStore, env: RegisterEnv = browserEnv()): Promise<void> {
  if (!env.production) return;
  const container = env.container;
  if (!env.secure || !container) {
    store.getState().setOffline({ status: 'unsupported', message: env.secure ? 'this browser has no service workers' : 'the page is not served over HTTPS' });
    return;
  }
  container.addEventListener('message', (e: MessageEvent) => {
    const m = e.data as WorkerToPage | null;
    if (m?.type === 'precache-failed') store.getState().setOffline({ status: 'error', message: m.message });
    if (m?.type === 'precache-done' && store.getState().offline.status !== 'update-ready') store.getState().setOffline({ bytes: m.bytes });
  });
  container.addEventListener('controllerchange', () => {
    if (reloadOnTakeover) window.location.reload();
  });
  try {
    // Relative to the page, so the app works from any sub-path; the scope is the app's folder.
    registration = await container.register(`${import.meta.env.BASE_URL}sw.js`, { scope: import.meta.env.BASE_URL });
  } catch (e) {
    store.getState().setOffline({ status: 'error', message: `the service worker could not be registered (${e instanceof Error ? e.message : String(e)})` });
    return;
  }
  const reg = registration;
  if (reg.waiting && container.controller) store.getState().setOffline({ status: 'update-ready', message: null });
  else if (reg.installing) track(reg.installing, container, store);
  else if (reg.active) store.getState().setOffline({ status: 'ready', message: null });
  reg.addEventListener('updatefound', () => {
    if (reg.installing) track(reg.installing, container, store);
  });
  setInterval(() => void reg.update().catch(() => {}), UPDATE_CHECK_MS);
}

/** Lets the waiting version take over, then reloads into it (the notice's "reload"). */
export function applyUpdate(): void {
  const waiting = registration?.waiting;
  if (!waiting) {
    window.location.reload();
    return;
  }
  reloadOnTakeover = true;
  waiting.postMessage({ type: 'skip-waiting' } satisfies PageToWorker);
}
