/**
 * Page hooks for the end-to-end tests, installed only when the page's URL has `?test-hooks`:
 * `window.__drmmTest.loseGpu()` destroys the GPU devices in use the way a driver reset loses them
 * (the app did not destroy them itself, so it recovers). Harmless in production: nobody's link
 * has the parameter, and all it can do is what a driver reset does. No inline script is needed
 * (the CSP forbids them): the test calls it through page.evaluate.
 */
import { currentDevice } from '../engineHost';
import { trainingSession } from '../train/host';

export interface DrmmTestHooks {
  /** Destroys the inference device, the training session's, or both; resolves which were destroyed. */
  loseGpu(which?: 'all' | 'inference' | 'training'): string[];
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
  };
  (window as unknown as { __drmmTest?: DrmmTestHooks }).__drmmTest = hooks;
}
