/**
 * Page hooks for the end-to-end tests, installed only when the page's URL has `?test-hooks`:
 * `window.__drmmTest.loseGpu()` destroys the GPU device the engine host holds (and with it the
 * training run's, which shares it) the way a driver reset loses it (the app did not destroy it
 * itself, so it recovers); `provokeGpuError()` makes the device report an error nobody captured.
 * Harmless in production: nobody's link has the parameter, and all it can do is what a driver reset
 * or a GPU bug does. No inline script is needed (the CSP forbids them): the test calls it through
 * page.evaluate.
 */
import type { EngineHost } from '../../engine/host/engineHost';

export interface DrmmTestHooks {
  /** Destroys the page's one GPU device; resolves what lost it: the inference engines, and the training run if any. */
  loseGpu(): string[];
  /** Makes the device report a validation error nobody captures (a buffer both MAP_READ and MAP_WRITE). */
  provokeGpuError(): Promise<boolean>;
}

export function testHooksWanted(search: string): boolean {
  return new URLSearchParams(search).has('test-hooks');
}

export function installTestHooks(engines: EngineHost, training: { readonly hasRun: boolean }): void {
  if (typeof window === 'undefined' || !testHooksWanted(window.location.search)) return;
  const hooks: DrmmTestHooks = {
    loseGpu() {
      const d = engines.device;
      if (!d) return [];
      const lost = training.hasRun ? ['inference', 'training'] : ['inference'];
      d.destroy();
      return lost;
    },
    async provokeGpuError() {
      const d = engines.device;
      if (!d) return false;
      d.createBuffer({ label: 'drmm.test.invalid', size: 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.MAP_WRITE });
      // An idle device reports its errors when it next processes work: give it some.
      await d.queue.onSubmittedWorkDone();
      return true;
    },
  };
  (window as unknown as { __drmmTest?: DrmmTestHooks }).__drmmTest = hooks;
}
