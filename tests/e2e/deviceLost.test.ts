// End-to-end: a lost GPU in the middle of training (headless Chromium, SwiftShader WebGPU). Trains
// drmm-compact at batch 8, pauses (a checkpoint: the autosave and the in-memory copy), resumes,
// then destroys both GPU devices from the page through the `?test-hooks` hook (as a driver reset
// would lose them). Checks that, without a reload, training resumes from the last checkpoint,
// re-runs the steps after it and says how many, that the inference device is replaced and the
// model restored, that a digit is classified again on WebGPU, and that an uncaptured GPU error on
// the new device is shown to the user.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectConsoleErrors, launchBrowser, type LaunchedBrowser } from '../helpers/browser';
import { ROOT, buildApp, serveDist, type Served } from '../helpers/server';

const LONG = 120_000;
const SHOTS = path.join(ROOT, 'test-results', 'screenshots');

const step = async (page: Page) => Number(await page.getByTestId('train-progress').getAttribute('data-step'));
const status = (page: Page, s: string) => page.locator(`[data-testid="train-status"][data-status="${s}"]`).waitFor({ timeout: LONG });
const stepAtLeast = (page: Page, n: number) =>
  page.waitForFunction((k) => Number(document.querySelector('[data-testid="train-progress"]')?.getAttribute('data-step')) >= k, n, { timeout: LONG, polling: 100 });

describe('a lost GPU device', () => {
  let server: Served | undefined;
  let browser: LaunchedBrowser | undefined;

  beforeAll(async () => {
    await buildApp();
    server = await serveDist();
    browser = await launchBrowser({ webgpu: true, viewport: { width: 1280, height: 1000 } });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('training resumes from the last checkpoint, re-runs the steps after it and says how many; inference comes back', async () => {
    const { page } = browser!;
    const errors = collectConsoleErrors(page);
    try {
      await page.goto(`${server!.url}?test-hooks`, { waitUntil: 'load' });
      await page.locator('[data-testid="backend"][data-backend="webgpu"]').waitFor({ timeout: LONG });
      await page.locator('[data-testid="result"][data-current="true"]').waitFor({ timeout: LONG });
      const skip = page.getByTestId('tour-skip');
      if (await skip.isVisible().catch(() => false)) await skip.click();

      await page.getByTestId('tab-dashboard').click();
      await page.getByTestId('training-open').click();
      await page.getByTestId('train-estimate').waitFor({ timeout: LONG });
      await page.getByTestId('train-batch').selectOption('8');
      await page.locator('[data-testid="train-start"]:not([disabled])').waitFor({ timeout: LONG });
      await page.getByTestId('train-start').click();
      await status(page, 'running');
      await stepAtLeast(page, 12);
      // Pausing takes a checkpoint (autosave and the in-memory copy).
      await page.getByTestId('train-pause').click();
      await status(page, 'paused');
      const paused = await step(page);
      await page.getByTestId('train-start').click();
      await status(page, 'running');
      await stepAtLeast(page, paused + 10);

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
      await status(page, 'running');
      await stepAtLeast(page, lostAt + 3);

      // The inference device was replaced and the model restored: WebGPU again, with a notice.
      await page.locator('[data-testid="backend"][data-backend="webgpu"]').waitFor({ timeout: LONG });
      const dev = page.locator('[data-testid="recovery-notice"][data-topic="device"]');
      await dev.waitFor({ timeout: LONG });
      expect(await dev.textContent()).toMatch(/a new device was set up on .* and the model was restored from the weights kept in memory, without a reload\./);
      await page.getByTestId('train-pause').click();
      await status(page, 'paused');

      // A digit is classified on the new device.
      await page.getByTestId('tab-overview').click();
      await page.locator('[data-testid="result"][data-current="true"]').waitFor({ timeout: LONG });
      expect(await page.locator('[data-testid="backend"]').getAttribute('data-backend')).toBe('webgpu');

      // An uncaptured GPU error on the new device is shown, not swallowed.
      expect(await page.evaluate(() => (window as unknown as { __drmmTest: { provokeGpuError(): Promise<boolean> } }).__drmmTest.provokeGpuError())).toBe(true);
      const gpuError = page.locator('[data-testid="recovery-notice"][data-topic="gpu-error"]');
      await gpuError.waitFor({ timeout: LONG });
      expect(await gpuError.textContent()).toMatch(/^The GPU reported an error: .+\. Results computed since may be wrong/);

      const real = errors.filter((e) => !/Failed to load resource: .*404.*\/(models\/index\.json|favicon\.ico)/.test(e));
      expect(real, `console errors:\n${real.join('\n')}`).toEqual([]);
    } finally {
      fs.mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SHOTS, 'device-lost.png'), fullPage: true }).catch(() => {});
    }
  }, 400_000);
});
