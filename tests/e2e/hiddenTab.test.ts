// End-to-end: training in a hidden tab (headless Chromium, SwiftShader WebGPU). Trains drmm-compact
// at batch 8, then hides the page (visibilitychange with document.visibilityState 'hidden'):
// the tab's title follows the step, and on coming back a notice says how long the tab was hidden
// and how many steps were done meanwhile. Then the page lifecycle's freeze and resume events:
// on resume the notice says training was paused while frozen; training goes on afterwards.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectConsoleErrors, launchBrowser, type LaunchedBrowser } from '../helpers/browser';
import { ROOT, buildApp, serveDist, type Served } from '../helpers/server';

const LONG = 120_000;
const SHOTS = path.join(ROOT, 'test-results', 'screenshots');

const step = async (page: Page) => Number(await page.getByTestId('train-progress').getAttribute('data-step'));
const stepAtLeast = (page: Page, n: number) =>
  page.waitForFunction((k) => Number(document.querySelector('[data-testid="train-progress"]')?.getAttribute('data-step')) >= k, n, { timeout: LONG, polling: 100 });

/** Makes the document report itself hidden or visible, and fires visibilitychange as a browser would. */
async function setHidden(page: Page, hidden: boolean): Promise<void> {
  await page.evaluate((h) => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (h ? 'hidden' : 'visible') });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => h });
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);
}

describe('training in a hidden tab', () => {
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

  it('goes on while hidden and says how many steps were done; a frozen page says it was paused, then goes on', async () => {
    const { page } = browser!;
    const errors = collectConsoleErrors(page);
    try {
      await page.goto(server!.url, { waitUntil: 'load' });
      await page.locator('[data-testid="backend"][data-backend="webgpu"]').waitFor({ timeout: LONG });
      const skip = page.getByTestId('tour-skip');
      if (await skip.isVisible().catch(() => false)) await skip.click();
      await page.getByTestId('tab-dashboard').click();
      await page.getByTestId('training-open').click();
      await page.getByTestId('train-estimate').waitFor({ timeout: LONG });
      await page.getByTestId('train-batch').selectOption('8');
      await page.locator('[data-testid="train-start"]:not([disabled])').waitFor({ timeout: LONG });
      await page.getByTestId('train-start').click();
      await stepAtLeast(page, 5);
      const title = await page.title();

      // Hidden: training goes on, and the title shows the step.
      await setHidden(page, true);
      const s0 = await step(page);
      await stepAtLeast(page, s0 + 10);
      await page.waitForFunction(() => /^Training… step \d+ · /.test(document.title), undefined, { timeout: LONG });
      await setHidden(page, false);
      const s1 = await step(page);
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
      const s2 = await step(page);
      await stepAtLeast(page, s2 + 5);

      await page.getByTestId('train-pause').click();
      await page.locator('[data-testid="train-status"][data-status="paused"]').waitFor({ timeout: LONG });
      const real = errors.filter((e) => !/Failed to load resource: .*404.*\/(models\/index\.json|favicon\.ico)/.test(e));
      expect(real, `console errors:\n${real.join('\n')}`).toEqual([]);
    } finally {
      fs.mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SHOTS, 'hidden-tab.png'), fullPage: true }).catch(() => {});
    }
  }, 400_000);
});
