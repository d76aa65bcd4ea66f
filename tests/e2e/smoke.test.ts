// End-to-end smoke test: the production build loads in headless Chromium with WebGPU, renders a
// heading, logs no errors, and the page sees a WebGPU adapter. Kept deliberately minimal.
import { describe, expect, it } from 'vitest';
import { FAVICON_404, expectNoConsoleErrors, finalScreenshot, useApp } from '../helpers/app';
import { collectConsoleErrors } from '../helpers/browser';

describe('smoke: built app in headless Chromium', () => {
  // launchBrowser's own default viewport, not the screenshots' 1280x720.
  const { server, browser } = useApp({ webgpu: true, viewport: { width: 1280, height: 800 } });

  it('renders an <h1> with no console errors and sees a WebGPU adapter', async () => {
    const { page } = browser();
    const errors = collectConsoleErrors(page);
    try {
      await page.goto(server().url, { waitUntil: 'load' });
      const h1 = page.locator('h1').first();
      await h1.waitFor({ state: 'visible', timeout: 30_000 });
      expect((await h1.textContent())?.trim().length ?? 0).toBeGreaterThan(0);

      const hasAdapter = await page.evaluate(
        () => !!navigator.gpu && navigator.gpu.requestAdapter().then((a) => !!a),
      );
      expect(hasAdapter, 'navigator.gpu.requestAdapter() in headless Chromium').toBe(true);

      // Give late errors (async module code, failed fetches) a moment to surface.
      await page.waitForTimeout(500);
      // The favicon's 404 alone is not an app error. Every other console error fails the test.
      expectNoConsoleErrors(errors, [FAVICON_404]);
    } finally {
      await finalScreenshot(page, 'smoke.png');
    }
  });
});
