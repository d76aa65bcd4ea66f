/**
 * Page hooks for the end-to-end tests, installed only when the page's URL has `?test-hooks`:
 * `window.__drmmTest.loseGpu()` destroys the GPU devices in use the way a driver reset loses them
 * (the app did not destroy them itself, so it recovers); `provokeGpuError()` makes the device
 * report an error nobody captured. Harmless in production: nobody's link has the parameter, and
 * all it can do is what a driver reset or a GPU bug does. No inline script is needed
 * (the CSP forbids them): the test calls it through page.evaluate.
 */
import { currentDevice } from '../engineHost';
import { trainingSession } from '../train/host';

export interface DrmmTestHooks {
  /** Destroys the inference device, the training session's, or both; resolves which were destroyed. */
  loseGpu(which?: 'all' | 'inference' | 'training'): string[];
  /** Makes the inference device report a validation error nobody captures (a buffer both MAP_READ and MAP_WRITE). */
  provokeGpuError(): Promise<boolean>;
}

export function testHooksWanted(search: string): boolean {
  return new URLSearchParams(search).has('test-hooks');
}

export function installTestHooks(): void {
  if (typeof window === 'undefined' || !testHooksWanted(window.location.search)) return;
  const hooks: DrmmTestHooks = {
    loseGpu(which = 'all') {
      const lost: string[] = [];
      const inference = currentDevice();
      if (which !== 'training' && inference) {
        inference.destroy();
        lost.push('inference');
      }
      const training = trainingSession().gpuDevice;
      if (which !== 'inference' && training && training !== inference) {
        training.destroy();
        lost.push('training');
      }
      return lost;
    },
    async provokeGpuError() {
      const d = currentDevice();
      if (!d) return false;
      d.createBuffer({ label: 'drmm.test.invalid', size: 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.MAP_WRITE });
      // An idle device reports its errors when it next processes work: give it some.
      await d.queue.onSubmittedWorkDone();
      return true;
    },
  };
  (window as unknown as { __drmmTest?: DrmmTestHooks }).__drmmTest = hooks;
}
