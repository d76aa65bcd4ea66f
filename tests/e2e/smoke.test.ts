// End-to-end smoke test: the production build loads in headless Chromium with WebGPU, renders a
// heading, logs no errors, and the page sees a WebGPU adapter. Kept deliberately minimal.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectConsoleErrors, launchBrowser, type LaunchedBrowser } from '../helpers/browser';
import { ROOT, buildApp, serveDist, type Served } from '../helpers/server';

const SCREENSHOT = path.join(ROOT, 'test-results', 'screenshots', 'smoke.png');

describe('smoke: built app in headless Chromium', () => {
  let server: Served | undefined;
  let browser: LaunchedBrowser | undefined;

  beforeAll(async () => {
    await buildApp();
    server = await serveDist();
    browser = await launchBrowser({ webgpu: true });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('renders an <h1> with no console errors and sees a WebGPU adapter', async () => {
    const { page } = browser!;
    const errors = collectConsoleErrors(page);
    try {
      await page.goto(server!.url, { waitUntil: 'load' });
      const h1 = page.locator('h1').first();
      await h1.waitFor({ state: 'visible', timeout: 30_000 });
      expect((await h1.textContent())?.trim().length ?? 0).toBeGreaterThan(0);

      const hasAdapter = await page.evaluate(
        () => !!navigator.gpu && navigator.gpu.requestAdapter().then((a) => !!a),
      );
      expect(hasAdapter, 'navigator.gpu.requestAdapter() in headless Chromium').toBe(true);

      // Give late errors (async module code, failed fetches) a moment to surface.
      await page.waitForTimeout(500);
      // The browser's automatic /favicon.ico request 404s while the app ships no icon; that alone
      // is not an app error. Every other console error fails the test.
      const real = errors.filter((e) => !/Failed to load resource: .*404.*\/favicon\.ico\b/.test(e));
      expect(real, `console errors:\n${real.join('\n')}`).toEqual([]);
    } finally {
      fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true }).catch(() => {});
    }
  });
});
