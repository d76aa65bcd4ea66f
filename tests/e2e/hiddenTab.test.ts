// End-to-end: training in a hidden tab (headless Chromium, SwiftShader WebGPU). Trains drmm-compact
// at batch 8, then hides the page (visibilitychange with document.visibilityState 'hidden'):
// the tab's title follows the step, and on coming back a notice says how long the tab was hidden
// and how many steps were done meanwhile. Then the page lifecycle's freeze and resume events:
// on resume the notice says training was paused while frozen; training goes on afterwards.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { FAVICON_404, expectNoConsoleErrors, finalScreenshot, openApp, useApp } from '../helpers/app';
import { collectConsoleErrors } from '../helpers/browser';
import { startTraining, trainStep, waitForTrainStatus, waitForTrainStep } from '../helpers/training';

const LONG = 120_000;

/** Makes the document report itself hidden or visible, and fires visibilitychange as a browser would. */
async function setHidden(page: Page, hidden: boolean): Promise<void> {
  await page.evaluate((h) => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (h ? 'hidden' : 'visible') });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => h });
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);
}

describe('training in a hidden tab', () => {
  const { server, browser } = useApp({ webgpu: true, viewport: { width: 1280, height: 1000 } });

  it('goes on while hidden and says how many steps were done; a frozen page says it was paused, then goes on', async () => {
    const { page } = browser();
    const errors = collectConsoleErrors(page);
    try {
      await openApp(page, server().url, { backend: 'webgpu', skipTour: true, timeout: LONG });
      await startTraining(page, 8, LONG);
      await waitForTrainStep(page, 5, LONG);
      const title = await page.title();

      // Hidden: training goes on, and the title shows the step.
      await setHidden(page, true);
      const s0 = await trainStep(page);
      await waitForTrainStep(page, s0 + 10, LONG);
      await page.waitForFunction(() => /^Training… step \d+ · /.test(document.title), undefined, { timeout: LONG });
      await setHidden(page, false);
      const s1 = await trainStep(page);
      expect(await page.title()).toBe(title);
      const hidden = page.locator('[data-testid="recovery-notice"][data-topic="hidden"]');
      await hidden.waitFor({ timeout: LONG });
      const text = (await hidden.textContent()) ?? '';
      console.log('[hiddenTab e2e]', text);
      const m = /^While the tab was hidden \((\d+) s\), training went on: (\d+) steps done \(([\d.]+) a second\)\./.exec(text);
      expect(m, text).not.toBeNull();
      // The count is the steps between hiding and showing (the page's counter may lag its notice by a flush).
      expect(Number(m![2])).toBeGreaterThanOrEqual(10);
      expect(Math.abs(Number(m![2]) - (s1 - s0))).toBeLessThanOrEqual(5);
      expect(await page.getByTestId('train-status').getAttribute('data-status')).toBe('running');

      // Frozen (the page lifecycle's freeze, then resume): the notice says training was paused. The
      // events are dispatched here: Page.setWebLifecycleState 'frozen' over the DevTools protocol
      // has no effect on a visible headless page (its timers go on), so it cannot be used.
      await page.evaluate(() => document.dispatchEvent(new Event('freeze')));
      await new Promise((r) => setTimeout(r, 2000));
      await page.evaluate(() => document.dispatchEvent(new Event('resume')));
      const frozen = page.locator('[data-testid="recovery-notice"][data-topic="hidden"]').filter({ hasText: 'froze the tab' });
      await frozen.waitFor({ timeout: LONG });
      console.log('[hiddenTab e2e]', await frozen.textContent());
      expect(await frozen.getAttribute('data-kind')).toBe('warn');
      expect(await frozen.textContent()).toMatch(/^Training was paused while the browser froze the tab \(\d+ s\): the browser suspended the page, so no step was done\. It goes on now\./);
      const s2 = await trainStep(page);
      await waitForTrainStep(page, s2 + 5, LONG);

      await page.getByTestId('train-pause').click();
      await waitForTrainStatus(page, 'paused', LONG);
      expectNoConsoleErrors(errors, [FAVICON_404]);
    } finally {
      await finalScreenshot(page, 'hidden-tab.png');
    }
  }, 400_000);
});
