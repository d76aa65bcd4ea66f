// End-to-end: the built app in Chromium without the WebGPU API (navigator.gpu deleted before any
// script runs). The app says why and which browsers have WebGPU, classifies digits on the CPU
// reference engine, renders every panel (a tab per id in PANEL_IDS) with no console error, and
// offers training on the CPU: it measures the speed and says what an epoch of the subset and of
// all of MNIST would take, trains a few steps in its worker and installs the weights.
import { describe, expect, it } from 'vitest';
import { PANEL_IDS } from '../../src/ui/store';
import { FAVICON_404, currentResult, expectNoConsoleErrors, finalScreenshot, skipTourIfShown, useApp } from '../helpers/app';
import { collectConsoleErrors } from '../helpers/browser';

const LONG = 120_000;
/** Panels that draw figures (canvas or svg); About is text. */
const DRAWN = new Set(['overview', 'stepper', 'paths', 'saliency', 'render', 'dashboard']);

describe('no WebGPU', () => {
  const { server, browser } = useApp({ webgpu: false, hideWebGpuApi: true });

  it('says why, classifies on the CPU, renders every panel, and trains on the CPU', async () => {
    const { page } = browser();
    const errors = collectConsoleErrors(page);
    const t0 = Date.now();
    const log = (...a: unknown[]) => console.log(`[noWebgpu e2e ${((Date.now() - t0) / 1000).toFixed(1)} s]`, ...a);
    try {
      await page.goto(server().url, { waitUntil: 'load' });
      expect(await page.evaluate(() => 'gpu' in navigator)).toBe(false);
      const backend = page.locator('[data-testid="backend"][data-backend="cpu"]');
      await backend.waitFor({ timeout: LONG });
      expect(await backend.textContent()).toMatch(/No WebGPU: running on the CPU reference engine.*navigator\.gpu is missing.*Chrome or Edge 113\+/);
      await skipTourIfShown(page);

      // A digit is classified: digit 0, then digit 3.
      await currentResult(page, '[data-digit-index="0"]').waitFor({ timeout: LONG });
      const pred0 = Number(await page.getByTestId('pred').textContent());
      expect(pred0).toBeGreaterThanOrEqual(0);
      expect(pred0).toBeLessThan(10);
      await page.getByTestId('digit-index').fill('3');
      await currentResult(page, '[data-digit-index="3"]').waitFor({ timeout: LONG });
      expect(Number(await page.getByTestId('prob-bars').getAttribute('data-pred'))).toBe(Number(await page.getByTestId('pred').textContent()));
      log('classified digits 0 and 3');

      // Every panel renders.
      for (const id of PANEL_IDS) {
        await page.getByTestId(`tab-${id}`).click();
        const panel = page.locator(`section[role="tabpanel"][data-panel="${id}"]`);
        await panel.waitFor({ timeout: LONG });
        if (DRAWN.has(id)) await panel.locator('canvas, svg').first().waitFor({ timeout: LONG });
        expect(((await panel.textContent()) ?? '').length, id).toBeGreaterThan(80);
        log('panel', id, 'rendered');
      }

      // Training on the CPU: measured speed, an honest estimate, a few steps, the weights installed.
      await page.getByTestId('tab-dashboard').click();
      await page.getByTestId('training-open').click();
      expect(await page.getByTestId('training').textContent()).toContain('Train on the CPU');
      await page.locator('[data-testid="cpu-train-prepare"]:not([disabled])').waitFor({ timeout: LONG });
      await page.getByTestId('cpu-train-prepare').click();
      const estimate = page.getByTestId('cpu-train-estimate');
      await estimate.waitFor({ timeout: LONG });
      const stepMs = Number(await estimate.getAttribute('data-step-ms'));
      const text = (await estimate.textContent()) ?? '';
      log('estimate:', text);
      expect(stepMs).toBeGreaterThan(0);
      expect(text).toMatch(/^Measured here: about [\d.]+ s a step of 8 digits, so one pass over the 1,000-digit subset \(125 steps\) takes about [\d.]+ (s|min|h); one epoch of all 60,000 training digits would take about [\d.]+ (s|min|h)/);
      await page.getByTestId('cpu-train-start').click();
      await page.waitForFunction(() => Number(document.querySelector('[data-testid="cpu-train-progress"]')?.getAttribute('data-step')) >= 3, undefined, { timeout: LONG, polling: 200 });
      await page.getByTestId('cpu-train-pause').click();
      await page.locator('[data-testid="cpu-training"][data-status="paused"]').waitFor({ timeout: LONG });
      const progress = page.getByTestId('cpu-train-progress');
      expect(Number.isFinite(Number(await progress.getAttribute('data-loss')))).toBe(true);
      const steps = Number(await progress.getAttribute('data-step'));
      log('trained', steps, 'steps on the CPU, loss', await progress.getAttribute('data-loss'));
      await page.getByTestId('model-notice').filter({ hasText: `trained on the CPU: ${steps} steps` }).waitFor({ timeout: LONG });
      // The trained weights are classified with, on the CPU engine.
      await page.getByTestId('tab-overview').click();
      await currentResult(page).waitFor({ timeout: LONG });

      await page.waitForTimeout(300);
      expectNoConsoleErrors(errors, [FAVICON_404]);
    } finally {
      await finalScreenshot(page, 'no-webgpu.png');
    }
  }, 500_000);
});
