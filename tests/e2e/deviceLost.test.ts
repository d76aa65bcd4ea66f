// End-to-end: a lost GPU in the middle of training (headless Chromium, SwiftShader WebGPU). Trains
// drmm-compact at batch 8, pauses (a checkpoint: the autosave and the in-memory copy), resumes,
// then destroys both GPU devices from the page through the `?test-hooks` hook (as a driver reset
// would lose them). Checks that, without a reload, training resumes from the last checkpoint,
// re-runs the steps after it and says how many, that the inference device is replaced and the
// model restored, that a digit is classified again on WebGPU, and that an uncaptured GPU error on
// the new device is shown to the user.
import { describe, expect, it } from 'vitest';
import { FAVICON_404, expectNoConsoleErrors, finalScreenshot, openApp, useApp } from '../helpers/app';
import { collectConsoleErrors } from '../helpers/browser';
import { startTraining, trainStep, waitForTrainStatus, waitForTrainStep } from '../helpers/training';

const LONG = 120_000;

describe('a lost GPU device', () => {
  const { server, browser } = useApp({ webgpu: true, viewport: { width: 1280, height: 1000 } });

  it('training resumes from the last checkpoint, re-runs the steps after it and says how many; inference comes back', async () => {
    const { page } = browser();
    const errors = collectConsoleErrors(page);
    try {
      await openApp(page, `${server().url}?test-hooks`, { backend: 'webgpu', result: true, skipTour: true, timeout: LONG });

      await startTraining(page, 8, LONG);
      await waitForTrainStatus(page, 'running', LONG);
      await waitForTrainStep(page, 12, LONG);
      // Pausing takes a checkpoint (autosave and the in-memory copy).
      await page.getByTestId('train-pause').click();
      await waitForTrainStatus(page, 'paused', LONG);
      const paused = await trainStep(page);
      await page.getByTestId('train-start').click();
      await waitForTrainStatus(page, 'running', LONG);
      await waitForTrainStep(page, paused + 10, LONG);

      const lost = await page.evaluate(() => (window as unknown as { __drmmTest: { loseGpu(): string[] } }).__drmmTest.loseGpu());
      expect(lost).toEqual(['inference', 'training']);

      const notice = page.getByTestId('train-notice').filter({ hasText: 'The GPU device was lost at step' });
      await notice.waitFor({ timeout: LONG });
      const text = (await notice.textContent()) ?? '';
      console.log('[deviceLost e2e]', text);
      const m = /lost at step (\d+) .*resumed from the last checkpoint \(step (\d+), ([^)]+)\): (\d+) steps? after it are re-run\./.exec(text);
      expect(m, text).not.toBeNull();
      const [lostAt, ckStep, rerun] = [Number(m![1]), Number(m![2]), Number(m![4])];
      expect(lostAt).toBeGreaterThanOrEqual(paused + 10);
      expect(ckStep).toBeGreaterThanOrEqual(paused);
      expect(ckStep).toBeLessThan(lostAt);
      expect(rerun).toBe(lostAt - ckStep);

      // Training goes on from the checkpoint, through the re-run steps and past the loss.
      await waitForTrainStatus(page, 'running', LONG);
      await waitForTrainStep(page, lostAt + 3, LONG);

      // The inference device was replaced and the model restored: WebGPU again, with a notice.
      await page.locator('[data-testid="backend"][data-backend="webgpu"]').waitFor({ timeout: LONG });
      const dev = page.locator('[data-testid="recovery-notice"][data-topic="device"]');
      await dev.waitFor({ timeout: LONG });
      expect(await dev.textContent()).toMatch(/a new device was set up on .* and the model was restored from the weights kept in memory, without a reload\./);
      await page.getByTestId('train-pause').click();
      await waitForTrainStatus(page, 'paused', LONG);

      // A digit is classified on the new device.
      await page.getByTestId('tab-overview').click();
      await page.locator('[data-testid="result"][data-current="true"]').waitFor({ timeout: LONG });
      expect(await page.locator('[data-testid="backend"]').getAttribute('data-backend')).toBe('webgpu');

      // An uncaptured GPU error on the new device is shown, not swallowed.
      expect(await page.evaluate(() => (window as unknown as { __drmmTest: { provokeGpuError(): Promise<boolean> } }).__drmmTest.provokeGpuError())).toBe(true);
      const gpuError = page.locator('[data-testid="recovery-notice"][data-topic="gpu-error"]');
      await gpuError.waitFor({ timeout: LONG });
      expect(await gpuError.textContent()).toMatch(/^The GPU reported an error: .+\. Results computed since may be wrong/);

      expectNoConsoleErrors(errors, [FAVICON_404]);
    } finally {
      await finalScreenshot(page, 'device-lost.png');
    }
  }, 400_000);
});
