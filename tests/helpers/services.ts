/**
 * The page's controller for unit tests, on an engine host without WebGPU (every model on the CPU
 * reference engine; no device is requested): what the page makes at boot (src/ui/services.ts),
 * minus the training session.
 */
import { EngineHost } from '../../src/engine/host/engineHost';
import { Controller } from '../../src/ui/controller';
import { createServices, type AppServices } from '../../src/ui/services';
import { appStore, createAppStore, type AppStore } from '../../src/ui/store';

export function cpuController(store: AppStore = createAppStore(), reason = 'no WebGPU in this test'): { store: AppStore; engines: EngineHost; controller: Controller } {
  const engines = new EngineHost(async () => ({ ok: false, reason }));
  return { store, engines, controller: new Controller(store, engines) };
}

/**
 * An engine host on a device the test already has (the test adapter's shared device): started, so
 * its `device` is that one. Never destroy() it (that would destroy the shared device).
 */
export async function hostOn(device: GPUDevice): Promise<EngineHost> {
  const engines = new EngineHost(async () => ({ ok: true, device, adapter: { vendor: 'test', architecture: '', description: '', isFallback: false } }));
  await engines.start();
  return engines;
}

/** The page's services on the app's store, without WebGPU, IndexedDB or downloads: for rendering components. */
export function pageServices(store: AppStore = appStore): AppServices {
  return createServices(store, { acquire: async () => ({ ok: false, reason: 'no WebGPU in this test' }), autosaver: null, download: () => {} });
}
